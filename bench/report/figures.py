"""Shared figure helpers: Agg backend, paper sizes, PNG+PDF saving, which cells to draw."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bench.io import atomic_save_file  # noqa: E402
from bench.report.collect import CellKey, Run  # noqa: E402

COLUMN, WIDE = 3.4, 7.0  # inches: one paper column, full width
plt.rcParams.update({"font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8,
                     "legend.fontsize": 6.5, "xtick.labelsize": 7, "ytick.labelsize": 7,
                     "pdf.fonttype": 42, "svg.hashsalt": "bench"})


# What the figures being drawn leave out (`bench plot --allow-missing`); printed on them.
_STAMP: ContextVar[str] = ContextVar("stamp", default="")


@contextmanager
def stamped(text: str) -> Iterator[None]:
    """Figures saved inside carry `text` (e.g. the inputs they lack) under their axes."""
    token = _STAMP.set(text)
    try:
        yield
    finally:
        _STAMP.reset(token)


def save(fig, out: str | Path, name: str) -> list[Path]:
    """Write `name`.png (dpi 200) and `name`.pdf atomically; no timestamps in the PDF."""
    if _STAMP.get():
        fig.text(0.0, -0.02, _STAMP.get(), fontsize=5, color="firebrick", wrap=True,
                 va="top", ha="left")
    paths = []
    for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None})):
        path = Path(out) / f"{name}.{ext}"
        atomic_save_file(path, lambda tmp, ext=ext, meta=meta: fig.savefig(
            tmp, format=ext, dpi=200, bbox_inches="tight", metadata=meta))
        paths.append(path)
    plt.close(fig)
    return paths


def loss_colors(names) -> dict[str, tuple]:
    cmap = plt.get_cmap("tab10")
    return {n: cmap(i % 10) for i, n in enumerate(sorted(names))}


def ci(values: list[float]) -> float:
    from bench.report.stats import summarize

    half = summarize(values).ci95
    return 0.0 if math.isnan(half) else half


def main_cells(cells: dict[CellKey, list[Run]]) -> dict[CellKey, list[Run]]:
    """Cells of the headline comparison: current records with the default settings, no
    train_fraction; per (dataset, mode) the full training set when present, else the
    (encoder, budget) setting with the most runs. Legacy records and variants are left out,
    so every objective is drawn beside the softmax with the same settings."""
    options: dict[tuple, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    usable = {k: runs for k, runs in cells.items()
              if not k.settings.legacy and not k.settings.pairs
              and runs[0].config.get("train_fraction") is None}
    for key, runs in usable.items():
        options[(key.dataset, key.mode)][(key.encoder, key.budget)] += len(runs)
    chosen = {k: max(v, key=lambda eb: (eb[1] == "full", v[eb], eb)) for k, v in options.items()}
    return {key: runs for key, runs in usable.items()
            if chosen.get((key.dataset, key.mode)) == (key.encoder, key.budget)}
