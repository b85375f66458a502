"""`bench report`: Markdown, LaTeX and CSV result tables from the run records."""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

# The repository's own tables: `.ci/run` rebuilds them with CANONICAL_COMMAND and fails on
# any difference, so the committed tables always match the committed records.
CANONICAL_RUNS, CANONICAL_OUT, CANONICAL_README = "results/runs", "results/tables", "results/README.md"
CANONICAL_ANSWER = "README.md"  # the two sentences under the verdict map on the first screen
CANONICAL_COMMAND = shlex.join(["python", "-m", "bench", "report", "--runs", CANONICAL_RUNS,
                                "--out", CANONICAL_OUT, "--readme", CANONICAL_README,
                                "--answer", CANONICAL_ANSWER])


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", default=CANONICAL_RUNS, help="folder searched for run records")
    p.add_argument("--out", default=CANONICAL_OUT, help="folder the tables are written to")
    p.add_argument("--data-dir", default=os.environ.get("BENCH_DATA_DIR"),
                   help="dataset folder, for the training co-occurrence in relations.md "
                        "(default: $BENCH_DATA_DIR)")
    p.add_argument("--readme", help="also rewrite the generated section of this README "
                                    "(e.g. results/README.md) with every table")
    p.add_argument("--answer", help="also rewrite the verdict answer (two sentences from the "
                                    "verdict map) between its markers in this file (README.md)")
    p.add_argument("--allow-missing", action="store_true",
                   help="write the tables even when inputs are missing or unreadable; every "
                        "affected table says what it left out (default: name them and stop)")


def _path(text: str) -> str:
    """One spelling per folder ("./results/runs/" == "results/runs"), so the files a command
    writes do not depend on how its paths were typed."""
    return Path(os.path.normpath(text)).as_posix()


def command_line(args: argparse.Namespace, name: str = "report") -> str:
    """The command recorded in every file: it regenerates them whatever flags wrote them.
    For the repository's tables it is CANONICAL_COMMAND (tables and results/README.md)."""
    runs, out = _path(str(args.runs)), _path(str(args.out))
    # --allow-missing changes the captions, so it is part of the command; --readme is not
    # (it changes no table), except that the repository's command always updates its README
    extra = " --allow-missing" if getattr(args, "allow_missing", False) else ""
    if name == "report" and (runs, out) == (CANONICAL_RUNS, CANONICAL_OUT):
        return CANONICAL_COMMAND + extra
    return shlex.join(["python", "-m", "bench", name, "--runs", runs, "--out", out]) + extra


def handle(args: argparse.Namespace) -> int:
    from bench.report.build import write_report

    paths = write_report(args.runs, args.out, command=command_line(args),
                         data_dir=getattr(args, "data_dir", None),
                         allow_missing=getattr(args, "allow_missing", False))
    print(f"wrote {len(paths)} files to {args.out} (see {args.out}/index.md)")
    if getattr(args, "readme", None):
        from bench.report.readme import update_readme

        update_readme(args.readme, args.out)
        print(f"updated the generated section of {args.readme}")
    if getattr(args, "answer", None):
        from bench.report.answer import update_answer

        update_answer(args.answer, args.out)
        print(f"updated the verdict answer in {args.answer}")
    return 0
