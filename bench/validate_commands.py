"""The own options of `grid`, `sweep`, `lowres`, `predict` and `embed`, checked with the
run-level ones (bench/validate.py) before any data is read, model loaded or study created."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

import losses
from bench.checks import (
    check_count,
    check_device,
    check_encoder,
    check_number,
    check_readable,
    exists,
    option,
)
from bench.config import RunConfig
from bench.errors import UsageError
from bench.validate import check_objective, validate_run_config, validate_run_level


def validate_model_options(args: argparse.Namespace) -> None:
    """`predict` and `embed`: --run, --input, --batch-size, --device, --encoder."""
    check_count("--batch-size", "batch_size", args.batch_size, 1)
    check_device(args.device)
    if args.encoder is not None:
        check_encoder(args.encoder)
    if not (exists(args.run) and Path(args.run).is_dir()):
        raise UsageError(f"--run must be a run folder written by `bench run`, but got "
                         f"run={args.run!r}: run folder not found")
    if args.input is not None:
        check_readable("--input", "input", args.input, "input file")
    if args.text_column == "":
        raise UsageError("--text-column must not be empty, but got text_column=''")


def validate_sweep_options(args: argparse.Namespace, configs: list[RunConfig]) -> None:
    """The sweep's own numbers and folder and each objective's base configuration, once
    before optuna opens or creates any storage (trials draw from declared ranges)."""
    for field, low in (("trials", 1), ("final_seeds", 0), ("heartbeat_interval", 1),
                       ("grace_period", 1), ("max_retry", 0)):
        check_count(option(field), field, getattr(args, field), low)
    check_number("--deadline", "deadline", getattr(args, "deadline", None), 0, strict=True)
    if exists(args.sweep_dir) and not Path(args.sweep_dir).is_dir():
        raise UsageError(f"--sweep-dir must be a folder, but got sweep_dir={args.sweep_dir!r}, "
                         "a file")
    for cfg in configs:
        validate_run_config(cfg, names={"loss": "--losses"})


LOWRES_NAMES = {"loss": "--losses", "seed": "--seeds", "train_fraction": "--fractions"}


def validate_lowres(configs: list[RunConfig], hparams: Mapping[str, object]) -> None:
    """Every run the low-resource study plans; --hp goes to the objectives that accept it
    (`accepted_hparams`), so a key that none of them has is the error."""
    if not configs:
        raise UsageError(f"--losses, --seeds and --fractions (or --shots) must give at least one "
                         f"run, but got {len(configs)}")
    objectives = sorted({cfg.loss for cfg in configs})
    for loss in objectives:
        check_objective(loss, {}, opt="--losses")
    for key in hparams:
        if not any(key in losses.get(loss).defaults for loss in objectives):
            raise UsageError(f"--hp {key}: none of the objectives {objectives} has it, but got "
                             f"{key=}")
    for cfg in configs:
        validate_run_config(cfg, names=LOWRES_NAMES)


GRID_NAMES = {"loss": "--losses", "dataset": "--datasets", "seed": "--seeds"}


def validate_grid(configs: list[RunConfig]) -> None:
    """Every combination, before the first run starts."""
    if not configs:
        raise UsageError(f"--datasets, --losses and --seeds must give at least one combination, "
                         f"but got {len(configs)}")
    for cfg in configs:
        validate_run_config(cfg, names=GRID_NAMES)


def validate_peer(cfg: RunConfig, backend: str) -> None:
    """`bench peer`: the run-level options as `bench run` checks them, and that the chosen
    backend imports, before any data is read or model loaded (a missing package would
    otherwise surface only after the dataset and the encoder had been loaded)."""
    import importlib.util

    from bench.peers.setfit import INSTALL_HINT

    validate_run_level(cfg)
    if backend != "setfit":
        return
    missing = [m for m in ("setfit", "datasets") if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(f"--backend setfit needs the packages {missing}, which are not "
                         f"installed: {INSTALL_HINT}")
