"""`bench plot`: the figures (PNG, dpi 200, and PDF) from the run records."""

from __future__ import annotations

import argparse
import os
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", default="results/runs", help="folder searched for run records")
    p.add_argument("--out", default="results/figures", help="folder the figures are written to")
    p.add_argument("--dataset", default="goemotions",
                   help="dataset of the per-emotion, t-SNE and similarity figures")
    p.add_argument("--data-dir", default=os.environ.get("BENCH_DATA_DIR"),
                   help="dataset folder, for labels of the t-SNE map and co-occurrence "
                        "(default: $BENCH_DATA_DIR)")
    p.add_argument("--allow-missing", action="store_true",
                   help="draw the figures even when inputs are missing or unreadable; every "
                        "affected figure says what it left out (default: name them and stop)")


def handle(args: argparse.Namespace) -> int:
    from bench.report import maps, plots
    from bench.report.cells import group_cells
    from bench.report.collect import scan_runs
    from bench.report.figures import stamped
    from bench.report.inputs import affects, caption_note, enforce
    from bench.report.tables import build_tables
    from bench.report.verdict_figure import verdict_map_figure
    from bench.report.verdicts import verdict_map

    def note(message: str) -> None:
        print(message, file=sys.stderr)

    runs, unreadable = scan_runs(args.runs)
    cells = group_cells(runs)
    data_dir, dataset = getattr(args, "data_dir", None), getattr(args, "dataset", "goemotions")
    missing = unreadable + maps.needs(cells, dataset=dataset, data_dir=data_dir)
    enforce(missing, allow=getattr(args, "allow_missing", False), command="plot", note=note)
    figures = {
        "verdict_map": lambda: verdict_map_figure(verdict_map(build_tables(cells)), args.out),
        "scores": lambda: plots.scores(cells, args.out),
        "per_emotion": lambda: plots.per_emotion(cells, args.out, dataset=dataset),
        "lowres": lambda: plots.lowres(cells, args.out),
        f"tsne_{dataset}": lambda: maps.tsne(cells, args.out, dataset=dataset, data_dir=data_dir),
        f"similarity_{dataset}": lambda: maps.similarity(cells, args.out, dataset=dataset,
                                                         data_dir=data_dir, note=note),
        "cost": lambda: plots.cost(cells, args.out),
    }
    written = []
    for name, draw in figures.items():
        try:
            with stamped(caption_note(m for m in missing if affects(m, name))):
                written += draw()
        except plots.Skip as exc:
            note(f"skipped figure: {exc}")
    for path in written:
        print(f"wrote {path}")
    return 0
