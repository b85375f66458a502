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
    p.add_argument("--readme", help="also rewrite the generated section of this README "
                                    "(e.g. results/README.md) with every table")


def command_line(args: argparse.Namespace, name: str = "report") -> str:
    """The exact command that regenerates the output (recorded in every file)."""
    extra = ["--readme", str(args.readme)] if getattr(args, "readme", None) else []
    return shlex.join(["python", "-m", "bench", name, "--runs", str(args.runs),
                       "--out", str(args.out), *extra])


def handle(args: argparse.Namespace) -> int:
    from bench.report.build import write_report

    paths = write_report(args.runs, args.out, command=command_line(args),
                         data_dir=getattr(args, "data_dir", None))
    print(f"wrote {len(paths)} files to {args.out} (see {args.out}/index.md)")
    if getattr(args, "readme", None):
        from bench.report.readme import update_readme

        update_readme(args.readme, args.out)
        print(f"updated the generated section of {args.readme}")
    return 0
