"""`python -m bench <command>`: each command lives in `bench/commands/<name>.py`.

A command module defines `add_arguments(parser)` and `handle(args) -> int`, so handlers
can be called directly from tests without going through argv parsing.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from bench.errors import BenchError

COMMANDS = {
    "run": "train and evaluate one objective on one dataset",
    "grid": "run every dataset x objective x seed combination, resumable",
    "list": "list registered objectives, datasets and encoders",
    "sweep": "Optuna search over every objective with equal budgets",
    "lowres": "launch the low-resource study (train fractions x objectives x seeds)",
    "report": "write result tables (Markdown, LaTeX, CSV) from run records",
    "plot": "draw the figures from run records",
    "predict": "predict emotions for texts with a trained run",
    "embed": "write trained embeddings for texts",
    "perf": "measure training and encoding throughput",
}


def _load(name: str):
    return importlib.import_module(f"bench.commands.{name}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=help_text, add_help=False)
            continue
        try:
            module = _load(name)
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.commands.{name}":
                raise
            continue
        p = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(p)
        p.set_defaults(handler=module.handle)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    first = next((a for a in argv if not a.startswith("-")), None)
    only = first if first in COMMANDS else None
    args = build_parser(only).parse_args(argv)
    if getattr(args, "handler", None) is None:
        build_parser().print_help()
        return 2
    threads = os.environ.get("BENCH_THREADS")
    if threads:  # several jobs sharing few cores: one thread each avoids oversubscription
        import torch

        torch.set_num_threads(int(threads))
    try:
        return int(args.handler(args) or 0)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: completed work is saved; rerun the same command to resume", file=sys.stderr)
        return 130
