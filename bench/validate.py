"""Fail fast: every option is checked before any data is read, any model is loaded or any run
folder or study is created, so a typo costs a second, not an encoding pass (issue 17).

`validate_run_config` guards `run` and every combination of `grid`, `sweep` and `lowres`;
bench/validate_commands.py adds those commands' own options and `predict`/`embed`. Each
error is a UsageError (exit status 2, as argparse) of one line naming the option, the rule
and the value received; the primitive checks live in bench/checks.py.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path

import torch

import losses
from bench.checks import (
    check_count,
    check_device,
    check_encoder,
    check_file,
    check_numbers,
    exists,
    option,
)
from bench.config import RunConfig
from bench.data import DATA_DIR_ENV, _looks_like_path
from bench.data.columns import ALL, parse_columns
from bench.data.registry import get_spec, is_registered, unknown_name_message
from bench.errors import DataError, UsageError

DUMMY_SIZES = {"num_classes": 2, "embedding_dim": 4}  # hparam rules do not depend on sizes


def label_kinds(cfg: RunConfig) -> tuple[bool, ...]:
    """multi_label values the data may have: known for built-ins and 0/1 columns, else both."""
    if is_registered(cfg.dataset):
        return (get_spec(cfg.dataset).multi_label,)
    return (True,) if cfg.label_columns or cfg.label_sep else (False, True)


def _build(loss: str, hparams: dict, kinds: tuple[bool, ...], opt: str) -> None:
    """Instantiate on dummy sizes: the objective's own checks are the rules, stated once."""
    errors = []
    for multi_label in kinds:
        try:
            with torch.random.fork_rng(devices=[]):  # proxy init must not move the run's RNG
                losses.build(loss, multi_label=multi_label, **DUMMY_SIZES, **hparams)
            return
        except (ValueError, TypeError, OverflowError) as exc:
            errors.append(exc)
    raise UsageError(f"{opt}: {errors[0]}")


def check_objective(loss: str, hparams: Mapping[str, object], *,
                    run_level: Mapping[str, object] | None = None,
                    kinds: tuple[bool, ...] = (False, True), opt: str = "--loss") -> None:
    """The name, then each --hp alone (so the error names it), then all together."""
    if loss not in losses.names():
        close = difflib.get_close_matches(str(loss), losses.names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UsageError(f"{opt} must be a registered objective {losses.names()}, but got "
                         f"{loss=}{hint}")
    defaults = losses.get(loss).defaults
    for key, value in hparams.items():
        if key not in defaults:
            close = difflib.get_close_matches(key, list(defaults), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--hp {key}: {loss} has hyperparameters {sorted(defaults)}, "
                             f"but got {key=}{hint}")
        _build(loss, {key: value}, kinds, f"--hp {key}")
    _build(loss, {**(run_level or {}), **hparams}, kinds,
           f"--hp {','.join(hparams)}" if hparams else "--head-lr-multiplier")


def check_data(cfg: RunConfig, names: Mapping[str, str] | None = None) -> None:
    """A built-in dataset (and its folder) or readable files, and their column options."""
    name, opt = cfg.dataset, option("dataset", names)
    if is_registered(name):
        for field in ("dev_file", "test_file", "label_columns", "ignore_columns"):
            if getattr(cfg, field) is not None:
                raise UsageError(f"{option(field)} only applies to a dataset file, and {name!r} "
                                 f"is a built-in dataset, but got {field}={getattr(cfg, field)!r}")
        root = cfg.data_dir or os.environ.get(DATA_DIR_ENV)
        folder = get_spec(name).folder
        if root and not (Path(root) / folder).is_dir():
            where = "--data-dir" if cfg.data_dir else f"${DATA_DIR_ENV}"
            raise UsageError(f"{where} must be a folder holding {folder}/ for dataset {name!r}, "
                             f"but got data_dir={root!r}")
        return
    if not (_looks_like_path(name) or exists(name)):
        raise UsageError(f"{opt}: {unknown_name_message(name)}")
    check_file(opt, "dataset", name)
    for field in ("dev_file", "test_file"):
        check_file(option(field), field, getattr(cfg, field))
    for field in ("text_column", "label_column", "label_sep"):
        if getattr(cfg, field) == "":
            raise UsageError(f"{option(field)} must not be empty, but got {field}=''")
    try:
        spec = parse_columns(cfg.label_columns, "--label-columns")
        ignore = parse_columns(cfg.ignore_columns, "--ignore-columns")
    except DataError as exc:
        raise UsageError(str(exc)) from None
    if ignore and spec != (ALL,):
        raise UsageError(f"--ignore-columns only applies with --label-columns all, but got "
                         f"label_columns={cfg.label_columns!r}")
    if spec and cfg.label_sep is not None:
        raise UsageError(f"--label-sep applies to one label column, not to --label-columns, but "
                         f"got label_sep={cfg.label_sep!r} and label_columns={cfg.label_columns!r}")
    if spec and cfg.text_column in spec:
        raise UsageError(f"--label-columns must not include the text column, but got "
                         f"label_columns={cfg.label_columns!r}")


def check_output(cfg: RunConfig) -> None:
    out = Path(cfg.output_dir)
    if exists(out) and not out.is_dir():
        raise UsageError(f"--output-dir must be a folder, but got output_dir={cfg.output_dir!r}, "
                         "a file")
    run_id = cfg.run_id
    if run_id is not None and (run_id in ("", ".", "..") or "/" in run_id or os.sep in run_id
                               or "\0" in run_id):
        raise UsageError(f"--run-id must be a plain folder name, but got {run_id=}")
    if run_id is not None and exists(out / run_id):
        raise UsageError(f"--run-id must name a new folder (or continue it with --resume "
                         f"{out / run_id}), but got {run_id=}, which exists")


def validate_run_level(cfg: RunConfig, *, names: Mapping[str, str] | None = None) -> None:
    """Every check but the objective's (a peer such as SetFit is not a registered one)."""
    check_numbers(cfg, names)
    for field in ("shots", "min_steps"):  # few-shot options, where this RunConfig has them
        check_count(option(field, names), field, getattr(cfg, field, None), 1)
    check_device(cfg.device)
    check_encoder(cfg.encoder, max_length=cfg.max_length)
    check_data(cfg, names)
    check_output(cfg)


def validate_run_config(cfg: RunConfig, *, names: Mapping[str, str] | None = None) -> None:
    """Every check a run's options need; raises UsageError on the first failure."""
    validate_run_level(cfg, names=names)
    own = cfg.hparams()
    run_level = {k: v for k, v in cfg.objective_hparams().items() if k not in own}
    check_objective(cfg.loss, own, run_level=run_level, kinds=label_kinds(cfg),
                    opt=option("loss", names))
