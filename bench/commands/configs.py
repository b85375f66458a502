"""Parsed command-line options -> RunConfig: one mapping for run, grid, sweep, lowres and peer.

Every RunConfig field whose name is also a parsed option is copied; the few options whose flag
says the opposite or needs parsing (`--no-amp`, `--no-save-model`, `--hp`, `--shots`) are
translated here. One mapping means an option added to RunConfig and to a command's parser
reaches that command's runs without a second edit per command, which is how options used to
go missing in one command.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses

from bench.config import RunConfig
from bench.errors import BenchError

FIELDS = tuple(f.name for f in dataclasses.fields(RunConfig))


def parse_hparams(items: list[str]) -> dict:
    """`--hp margin=0.2 --hp miner=semi_hard` -> {"margin": 0.2, "miner": "semi_hard"}."""
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise BenchError(f"--hp expects KEY=VALUE, but got {item!r}")
        try:
            out[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            out[key] = raw
    return out


def shots_list(text: str) -> tuple[int, ...]:
    """`--shots 8` -> (8,); `--shots 8,16,32` -> (8, 16, 32) (a list only in `bench lowres`)."""
    try:
        values = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"--shots expects integers >= 1 (K or K1,K2,...), "
                                         f"but got {text!r}")
    return values


def one_shots(values: tuple[int, ...] | None) -> int | None:
    if values is not None and len(values) != 1:
        raise BenchError(f"--shots takes one number here (a list only in `bench lowres`), "
                         f"but got {','.join(map(str, values))!r}")
    return None if values is None else values[0]


def option_values(args: argparse.Namespace, *, skip: tuple[str, ...] = ()) -> dict:
    """The RunConfig fields this command's options set (absent options keep the defaults)."""
    given = vars(args)
    values = {name: given[name] for name in FIELDS if name in given and name not in skip}
    translated = {"amp": ("no_amp", lambda v: not v),
                  "save_model": ("no_save_model", lambda v: not v),
                  "loss_hparams": ("hp", parse_hparams),
                  "shots": ("shots", one_shots)}
    for name, (option, convert) in translated.items():
        if option in given and name not in skip:
            values[name] = convert(given[option])
    return values


def config_from_args(args: argparse.Namespace, *, skip: tuple[str, ...] = (),
                     **fixed) -> RunConfig:
    """RunConfig from the parsed options, `fixed` fields overriding them (e.g. loss=... for
    each objective of a grid); RunConfig's own checks become usage errors naming the flag."""
    values = {**option_values(args, skip=(*skip, *fixed)), **fixed}
    try:
        return RunConfig(**values)
    except ValueError as exc:
        from bench.checks import usage_error

        raise usage_error(exc) from None
