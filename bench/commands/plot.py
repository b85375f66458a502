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


def handle(args: argparse.Namespace) -> int:
    from bench.report import maps, plots
    from bench.report.collect import find_runs, group_cells

    def note(message: str) -> None:
        print(message, file=sys.stderr)

    cells = group_cells(find_runs(args.runs))
    data_dir, dataset = getattr(args, "data_dir", None), getattr(args, "dataset", "goemotions")
    figures = [
        lambda: plots.scores(cells, args.out),
        lambda: plots.per_emotion(cells, args.out, dataset=dataset),
        lambda: plots.lowres(cells, args.out),
        lambda: maps.tsne(cells, args.out, dataset=dataset, data_dir=data_dir),
        lambda: maps.similarity(cells, args.out, dataset=dataset, data_dir=data_dir, note=note),
        lambda: plots.cost(cells, args.out),
    ]
    written = []
    for draw in figures:
        try:
            written += draw()
        except plots.Skip as exc:
            note(f"skipped figure: {exc}")
    for path in written:
        print(f"wrote {path}")
    return 0
