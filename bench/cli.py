"""`python -m bench <command>`: each command lives in `bench/commands/<name>.py`.

A command module defines `add_arguments(parser)` and `handle(args) -> int`, so handlers
can be called directly from tests without going through argv parsing. Commands that build
or load objectives load plugins first (bench/plugins.py); `report` and `plot` never do.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
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
    "peer": "run a published few-shot method (SetFit) into the same run records",
}
PLUGIN_COMMANDS = ("run", "grid", "sweep", "lowres", "list", "predict", "embed", "perf")


def install_signal_handlers() -> None:
    """Ctrl-C, `kill` (SIGTERM) and a deadline's SIGINT all end a command as KeyboardInterrupt,
    so a run marks itself interrupted (and resumable) and a sweep's trial is failed in its study
    instead of being left RUNNING. Called by `python -m bench` only: a job started with `&` from
    a script inherits SIGINT *ignored* (POSIX), and SIGTERM's default kills without a word."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)


def _terminate(signum: int, frame) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


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
        # no abbreviations: `lowres --seed 7` would otherwise mean `--seeds 7` (seven seeds)
        # and `sweep --trial 5` `--trials 5`; an option must be spelled out or it is an error
        p = sub.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
        module.add_arguments(p)
        if name in PLUGIN_COMMANDS:  # read before parsing by _plugin_specs; listed for --help
            p.add_argument("--plugin", action="append", default=[], metavar="MODULE_OR_FILE",
                           help="load objectives from a module or a .py file (repeatable; "
                                "installed entry points and $BENCH_PLUGINS load too)")
        p.set_defaults(handler=module.handle)
    return parser


def _plugin_specs(argv: list[str]) -> list[str]:
    pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    pre.add_argument("--plugin", action="append", default=[])
    return pre.parse_known_args(argv)[0].plugin


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    first = next((a for a in argv if not a.startswith("-")), None)
    only = first if first in COMMANDS else None
    if only not in PLUGIN_COMMANDS:  # report, plot, help: records alone, no plugin code
        return _dispatch(argv, only)
    from bench import plugins
    from losses import registry

    # plugins register for this call only, so main() called twice (tests, notebooks) starts
    # from the same registry; loaded before the parser, whose defaults list objectives
    with registry.isolated():
        try:
            plugins.load_all(_plugin_specs(argv))
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return _dispatch(argv, only)


def _dispatch(argv: list[str], only: str | None) -> int:
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
