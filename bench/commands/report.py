"""`bench report`: Markdown, LaTeX and CSV result tables from the run records."""

from __future__ import annotations

import argparse
import os
import shlex


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", default="results/runs", help="folder searched for run records")
    p.add_argument("--out", default="results/tables", help="folder the tables are written to")
    p.add_argument("--data-dir", default=os.environ.get("BENCH_DATA_DIR"),
                   help="dataset folder, for the training co-occurrence in relations.md "
                        "(default: $BENCH_DATA_DIR)")


def command_line(args: argparse.Namespace, name: str = "report") -> str:
    """The exact command that regenerates the output (recorded in every file)."""
    return shlex.join(["python", "-m", "bench", name, "--runs", str(args.runs),
                       "--out", str(args.out)])


def handle(args: argparse.Namespace) -> int:
    from bench.report.build import write_report

    paths = write_report(args.runs, args.out, command=command_line(args),
                         data_dir=getattr(args, "data_dir", None))
    print(f"wrote {len(paths)} files to {args.out} (see {args.out}/index.md)")
    return 0
