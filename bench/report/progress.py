"""Which seeds every cell has: `progress.md` / `progress.csv`.

A campaign that spans many sessions is read first as "how far did it get". Stating that by
hand (in a README paragraph) goes stale the moment the next record lands; read off the
records it cannot. One row per (table, settings), legacy tables last under their own label,
one column per objective, each cell the seeds of its complete runs, so a reader sees at a glance
which cells are still short of seeds before reading any score table.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from bench.report.render import csv_text, natural_key
from bench.report.tables import NOT_CONVERGED, Table, loss_order

PROGRESS = "progress"
TITLE = "Seeds per cell: how far the campaign got"
FIELDS = ("dataset", "mode", "encoder", "budget", "legacy", "settings", "objective", "runs",
          "seeds", "converged")
SWEPT = "each objective's best swept configuration"


@dataclass(frozen=True)
class Cell:
    setting: tuple[str, str, str, str]
    legacy: bool
    settings: str  # the row's settings label, "defaults" for none
    objective: str
    seeds: tuple[int, ...]
    converged: bool


def seed_ranges(seeds) -> str:
    """(0, 1, 2, 4) -> "0–2, 4": short enough for a table cell, exact for every gap."""
    parts = []
    # consecutive seeds share seed − position: each group is one run of them
    for _, group in groupby(enumerate(sorted(set(seeds))), key=lambda p: p[1] - p[0]):
        run = [s for _, s in group]
        parts.append(", ".join(map(str, run)) if len(run) < 3 else f"{run[0]}–{run[-1]}")
    return ", ".join(parts)


def _settings(table: Table, row) -> str:
    # a +sweep table's rows are each objective's own best configuration: one row of seeds,
    # not one per objective (its score table lists the configurations)
    if table.swept and len({r.loss for r in table.rows}) == len(table.rows):
        return SWEPT
    return row.settings.label or "defaults"


def progress_cells(tables: list[Table]) -> list[Cell]:
    return [Cell(t.setting, t.legacy, _settings(t, r), r.loss, tuple(sorted(r.seeds)),
                 r.converged)
            for t in sorted(tables, key=lambda t: (t.legacy, natural_key(t.setting)))
            for r in t.rows]


def markdown(cells: list[Cell], command: str, *, incomplete: str = "") -> str:
    objectives = loss_order({c.objective for c in cells})
    lines = [f"# {TITLE}", "",
             "The seeds of the complete runs in each cell of the score tables (n: how "
             "many); a row per table and settings (variants such as another miner are rows of "
             "their own); \"–\": no complete run. A cell with fewer than two seeds gives no "
             f"verdict; \"{NOT_CONVERGED}\" as the score tables decide it; legacy: made "
             "before the shared head learning rate, never used for a verdict."
             + (f" {incomplete}" if incomplete else ""), "",
             "| " + " | ".join(("Setting", "Settings", *objectives)) + " |",
             "|" + "---|" * (2 + len(objectives))]
    rows: dict[tuple, dict[str, Cell]] = {}
    for c in cells:
        rows.setdefault((c.legacy, c.setting, c.settings), {})[c.objective] = c
    for (legacy, setting, settings), mine in rows.items():
        texts = []
        for name in objectives:
            c = mine.get(name)
            texts.append("–" if c is None else f"{seed_ranges(c.seeds)} (n={len(c.seeds)})"
                         + ("" if c.converged else f", {NOT_CONVERGED}"))
        label = ("legacy · " if legacy else "") + " · ".join(setting)
        lines.append(f"| {label} | {settings} | " + " | ".join(texts) + " |")
    if not cells:
        lines.append("| (no complete runs found) | |")
    return "\n".join(lines + ["", f"Regenerate: `{command}`"]) + "\n"


def csv(cells: list[Cell]) -> str:
    return csv_text([dict(zip(FIELDS, (*c.setting, int(c.legacy), c.settings, c.objective,
                                       len(c.seeds), " ".join(map(str, c.seeds)),
                                       int(c.converged)), strict=True)) for c in cells], FIELDS)
