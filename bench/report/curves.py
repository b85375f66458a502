"""Dev macro-F1 per epoch of every fine-tune cell: `curves.md` / `curves.csv`.

The tables mark a row "not converged" from its runs' dev curves (settings.still_rising); this
file shows those curves, so a reader can see that every fine-tune cell converged (or why
not), and an ablation of the training length (e.g. `min_steps=200`) is a row of its cell
here like in the score tables, not a side script. Per row (objective · settings): the mean
dev macro-F1 over the seeds that reached each epoch with n (runs stop at different epochs),
where each seed stopped and how, its best epoch, and the row's status as the tables decide it.
Legacy tables give no verdict and frozen cells train a head only: neither is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

from bench.report.collect import Run
from bench.report.render import csv_text, natural_key
from bench.report.settings import CONVERGED_GAIN
from bench.report.stats import fmt
from bench.report.tables import NOT_CONVERGED, Table, is_peer

CURVES = "curves"
TITLE = "Dev macro-F1 per epoch of every fine-tune cell"
FIELDS = ("dataset", "mode", "encoder", "budget", "objective", "settings", "seed", "run",
          "epoch", "step", "train_loss", "dev_macro_f1")


@dataclass(frozen=True)
class Point:
    epoch: int
    step: int | None
    train_loss: float | None  # None: not recorded (SetFit's pair training reports none)
    dev: float


@dataclass(frozen=True)
class SeedCurve:
    seed: int
    run: str  # the record's folder name (not its path: files must not depend on the clone)
    points: tuple[Point, ...]  # empty: the record has no usable curve
    best_epoch: int | None
    stopped_early: bool
    rising: bool  # still rising at its last epoch: what makes its row "not converged"


@dataclass(frozen=True)
class RowCurves:
    objective: str
    settings: str  # the settings label, "" for the defaults
    status: str
    seeds: tuple[SeedCurve, ...]


@dataclass(frozen=True)
class Section:
    setting: tuple[str, str, str, str]  # dataset, mode, encoder, budget: one score table
    rows: tuple[RowCurves, ...]


def _points(training: dict) -> tuple[Point, ...]:
    """The curve, or () when any entry lacks its epoch or dev score: half a curve would show
    means over fewer epochs than the run trained, so the run is named instead."""
    try:
        points = [Point(int(c["epoch"]), None if c.get("step") is None else int(c["step"]),
                        None if c.get("train_loss") is None else float(c["train_loss"]),
                        float(c["dev_macro_f1"])) for c in training.get("curve") or ()]
    except (KeyError, TypeError, ValueError, AttributeError):
        return ()
    return tuple(sorted(points, key=lambda p: p.epoch))


def _seed(run: Run) -> SeedCurve:
    training = run.metrics.get("training")
    training = training if isinstance(training, dict) else {}
    best = training.get("best_epoch")
    return SeedCurve(run.seed, run.path.name, _points(training),
                     int(best) if isinstance(best, int | float) else None,
                     bool(training.get("stopped_early")), run.still_rising)


def curve_sections(tables: list[Table]) -> list[Section]:
    """A section for every non-legacy fine-tune table, in natural setting order."""
    out = []
    for t in sorted(tables, key=lambda t: natural_key(t.setting)):
        if t.legacy or t.setting[1] != "finetune":
            continue
        rows = tuple(RowCurves(r.loss, r.settings.label, (
            "converged (peer: its fixed published procedure, not judged by its curve)"
            if is_peer(r)
            else "converged" if r.converged else NOT_CONVERGED),
            tuple(_seed(run) for run in r.runs)) for r in t.rows)
        out.append(Section(t.setting, rows))
    return out


def caption() -> str:
    return ("Dev macro-F1 (0–1; the official dev set, which picks the best epoch and stops "
            "training early) after each epoch, per row of every current fine-tune table. "
            "Mean: over the seeds whose run reached that epoch, n of them; \"stopped\": the "
            "seeds whose run ended after that epoch, by early stopping or at its last epoch. "
            "Step: optimisation steps so far (a few-shot epoch passes over its small training "
            "set several times). Status as the score tables decide it: "
            f"\"{NOT_CONVERGED}\" when a run's dev macro-F1 was highest at its last epoch, "
            f"without early stopping, by at least {100 * CONVERGED_GAIN:g} point over every "
            "earlier epoch, or when a run has no curve (it cannot show that it converged). "
            "Legacy and frozen tables are not shown.")


def _seed_text(s: SeedCurve) -> str:
    if not s.points:
        return f"s{s.seed}: no per-epoch dev curve in metrics.json ({s.run})"
    how = "stopped early" if s.stopped_early else "not stopped early"
    best = "?" if s.best_epoch is None else s.best_epoch
    return (f"s{s.seed}: best epoch {best} of {s.points[-1].epoch}, {how}"
            + (", still rising" if s.rising else ""))


def _epoch_lines(seeds: tuple[SeedCurve, ...]) -> list[str]:
    lines = []
    for epoch in sorted({p.epoch for s in seeds for p in s.points}):
        at = [(s, p) for s in seeds for p in s.points if p.epoch == epoch]
        steps = sorted({p.step for _, p in at if p.step is not None})
        step = "–" if not steps else "–".join(map(str, sorted({steps[0], steps[-1]})))
        losses = [p.train_loss for _, p in at if p.train_loss is not None]
        ended = ", ".join(f"s{s.seed} ({'early' if s.stopped_early else 'last epoch'})"
                          for s, p in at if p is s.points[-1])
        lines.append(f"| {epoch} | {step} | {f'{fmean(losses):.4f}' if losses else '–'} | "
                     f"{fmean(p.dev for _, p in at):.4f} | {len(at)} | {ended} |")
    return lines


def markdown(sections: list[Section], command: str, *, incomplete: str = "") -> str:
    lines = [f"# {TITLE}", "", caption() + (f" {incomplete}" if incomplete else "")]
    for section in sections:
        lines += ["", f"## {' · '.join(section.setting)}"]
        for row in section.rows:
            lines += ["", f"### {row.objective} · {row.settings or 'defaults'}: {row.status}", "",
                      "Seeds: " + "; ".join(map(_seed_text, row.seeds)) + "."]
            if any(s.points for s in row.seeds):
                lines += ["", "| Epoch | Step | Train loss | Dev macro-F1 (mean) | n | stopped |",
                          "|---:|---:|---:|---:|---:|---|", *_epoch_lines(row.seeds)]
    if not sections:  # still written, so the index link never dangles
        lines += ["", "(no current fine-tune cells)"]
    return "\n".join(lines + ["", f"Regenerate: `{command}`"]) + "\n"


def csv(sections: list[Section]) -> str:
    return csv_text([dict(zip(FIELDS, (*section.setting, row.objective, row.settings, s.seed, s.run,
                                       p.epoch, "" if p.step is None else p.step,
                                       fmt(p.train_loss), fmt(p.dev)), strict=True))
                     for section in sections for row in section.rows for s in row.seeds
                     for p in s.points], FIELDS)
