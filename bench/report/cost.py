"""What every cell cost to compute: `cost.md` / `cost.csv`.

A campaign's cost is part of its result (a reviewer asks what a verdict took, a user what
re-running it will take), and reading it off the records is the only way to state it without
copying numbers by hand. Per row of every score table (objective · settings): the runs, the
wall-clock seconds of training (`timings.train`: summed over the processes of a resumed run)
and of the final evaluation, and where they ran (env.json: device and torch threads). Totals
per table and overall. Measured while other jobs often shared the cores: upper bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from bench.report.collect import Run
from bench.report.render import csv_text, natural_key
from bench.report.stats import fmt
from bench.report.tables import Table

COST = "cost"
TITLE = "What every cell cost to compute"
FIELDS = ("dataset", "mode", "encoder", "budget", "legacy", "objective", "settings", "runs",
          "timed_runs", "train_seconds", "evaluate_seconds", "median_train_seconds", "devices")


def _seconds(run: Run, key: str) -> float | None:
    value = (run.metrics.get("timings") or {}).get(key)
    return float(value) if isinstance(value, int | float) else None


def device(run: Run) -> str:
    """"cpu ×1" (torch threads; with the CPU's model where the record names it) or the GPU's
    name: what the wall time was measured on."""
    env = run.env
    if env.get("cuda_device"):
        return str(env["cuda_device"])
    threads = env.get("torch_threads")
    model = env.get("cpu_model")  # records since 2026-12-03: which CPU, as they differ
    return (f"{env.get('device') or 'unknown'}" + (f" ×{threads}" if threads else "")
            + (f" ({model})" if model else ""))


@dataclass(frozen=True)
class CostRow:
    setting: tuple[str, str, str, str]
    legacy: bool
    objective: str
    settings: str  # the settings label, "" for the defaults
    runs: int
    timed: int  # runs whose record has a training time; the others add nothing to the sums
    train: float
    evaluate: float
    median_train: float | None
    devices: tuple[str, ...]


def cost_rows(tables: list[Table]) -> list[CostRow]:
    out = []
    for t in sorted(tables, key=lambda t: (t.legacy, natural_key(t.setting))):
        for r in t.rows:
            timed = [run for run in r.runs if _seconds(run, "train") is not None]
            trains = [_seconds(run, "train") for run in timed]
            out.append(CostRow(t.setting, t.legacy, r.loss, r.settings.label, len(r.runs),
                               len(timed), sum(trains),
                               sum(_seconds(run, "evaluate") or 0.0 for run in r.runs),
                               median(trains) if trains else None,
                               tuple(sorted({device(run) for run in r.runs}))))
    return out


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f}"


def _seconds_text(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.1f}"


def _runs_text(runs: int, timed: int) -> str:
    return f"{runs}" + ("" if timed == runs else f" ({runs - timed} untimed)")


def _line(setting: str, rows: list[CostRow], bold: bool = False) -> str:
    runs, timed = sum(r.runs for r in rows), sum(r.timed for r in rows)
    cells = [setting, "all rows", _runs_text(runs, timed),
             _hours(sum(r.train for r in rows)), _hours(sum(r.evaluate for r in rows)), "", ""]
    return "| " + " | ".join(f"**{c}**" if bold and c else c for c in cells) + " |"


def markdown(rows: list[CostRow], command: str, *, incomplete: str = "") -> str:
    lines = [f"# {TITLE}", "",
             "Wall-clock hours of training (`timings.train` in each metrics.json, summed over "
             "the processes of a resumed run) and of the final evaluation, summed over the "
             "runs of each row; the median training seconds of one run; where the runs ran "
             "(env.json: the GPU, or the CPU with its torch threads). Often measured while "
             "other jobs shared the cores: upper bounds, not benchmarks (`bench perf` "
             "measures speed). Records without a training time are counted as untimed and "
             "add nothing. Frozen rows train a head on encoder features that are computed once per "
             "dataset and cached (bench/cache.py): that encoding is in no row. Sweep trials "
             "are not run records and are not counted."
             + (f" {incomplete}" if incomplete else ""), "",
             "| Setting | Objective · settings | Runs | Train h | Eval h | Median train s/run "
             "| Ran on |", "|---|---|---:|---:|---:|---:|---|"]
    settings = sorted({(r.legacy, r.setting) for r in rows},
                      key=lambda s: (s[0], natural_key(s[1])))
    for legacy, setting in settings:
        mine = [r for r in rows if (r.legacy, r.setting) == (legacy, setting)]
        name = ("legacy · " if legacy else "") + " · ".join(setting)
        for r in mine:
            objective = r.objective + (f" · {r.settings}" if r.settings else "")
            lines.append(f"| {name} | {objective} | {_runs_text(r.runs, r.timed)} | "
                         f"{_hours(r.train)} | {_hours(r.evaluate)} | "
                         f"{_seconds_text(r.median_train)} | {', '.join(r.devices)} |")
        lines.append(_line(name, mine))
    if rows:
        lines.append(_line("All tables", rows, bold=True))
    else:
        lines.append("| (no complete runs found) | | | | | | |")
    return "\n".join(lines + ["", f"Regenerate: `{command}`"]) + "\n"


def csv(rows: list[CostRow]) -> str:
    return csv_text([dict(zip(FIELDS, (
        *r.setting, int(r.legacy), r.objective, r.settings, r.runs, r.timed, fmt(r.train, 1),
        fmt(r.evaluate, 1), fmt(r.median_train, 1), " ".join(r.devices)), strict=True))
        for r in rows], FIELDS)
