"""Where proxy_anchor wins, loses or ties: one family of fair comparisons, Holm-corrected.

The summary table and the verdict map (table and figure) are both drawn from `verdict_map`.
Rows: every proxy_anchor row of a non-legacy table, compared with its fair softmax baseline
(the softmax row with the same run-level settings; in a +sweep table the tuned softmax); a row
without one yet is kept, its cells saying "no comparison", so no input drops out silently.
Columns: proxy_anchor − softmax and proxy_anchor − the best other objective (the highest
mean of that metric among the converged rows with the same run-level settings that share at
least two seeds with the proxy_anchor row; among all of them when none does), for
macro-F1 and MAP@R. Each cell: mean difference over the common seeds (points) with its 95%
paired t interval (per comparison, uncorrected: it describes, the corrected p decides), a paired
t-test, Holm–Bonferroni over every test of the map (the family; a test that appears in
both columns, when softmax is the best other, counts once); win / loss when the corrected
p < 0.05, tie otherwise. Cells without a verdict say why: "not converged" (a fine-tune run
of either side still improved by a point or more at its last epoch), "not enough seeds" (< 2 common seeds),
"no comparison" (no converged other objective).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.report.settings import label
from bench.report.stats import ALPHA, MIN_PAIRED, Paired, holm_family, paired
from bench.report.tables import BASELINE, NOT_CONVERGED, Row, Table, is_peer

CHALLENGER = "proxy_anchor"
METRICS = ("macro_f1", "map_at_r")
COMPARISONS = (BASELINE, "best other")
WIN, LOSS, TIE, FEW, NONE = "win", "loss", "tie", "not enough seeds", "no comparison"


@dataclass(frozen=True)
class Cell:
    other: str  # the row compared with, as its table names it ("" when none)
    n: int  # common seeds
    delta: float  # mean of (proxy_anchor − other) over the common seeds, in points
    p: float | None  # two-sided paired t-test, uncorrected
    p_holm: float | None  # Holm–Bonferroni over the family
    verdict: str  # WIN, LOSS, TIE, NOT_CONVERGED, FEW or NONE
    ci95: float = math.nan  # half-width of delta's 95% paired t interval (points); nan: n < 2

    @property
    def decided(self) -> bool:
        return self.verdict in (WIN, LOSS, TIE)


@dataclass(frozen=True)
class MapRow:
    setting: tuple[str, str, str, str]  # dataset, mode, encoder, budget
    label: str  # settings of the proxy_anchor row that differ from the defaults
    cells: dict[tuple[str, str], Cell]  # (comparison, metric) -> cell

    @property
    def name(self) -> str:
        return " · ".join(self.setting) + (f" · {self.label}" if self.label else "")


@dataclass(frozen=True)
class VerdictMap:
    rows: tuple[MapRow, ...]
    family: int  # number of tests Holm's correction ran over

    @property
    def settings(self) -> int:
        return len(self.rows)


def _others(table: Table, row: Row) -> list[Row]:
    # the suite's objectives only: a peer (SetFit) runs its own procedure and is compared with
    # every objective in peers.md, in a family of its own
    return [r for r in table.rows if r.loss != CHALLENGER and r.converged and not is_peer(r)
            and (table.swept or r.settings.run == row.settings.run)]


def _plan(table: Table, row: Row, base: Row | None) -> dict[tuple[str, str], tuple[Row | None, str]]:
    """(comparison, metric) -> (row compared with, reason there is no test or "")."""
    out = {}
    for metric in METRICS:
        others = _others(table, row)
        # a row that shares too few seeds to test cannot be the one compared with while
        # another can: one lucky seed would leave the cell without a verdict
        seeds = row.by_seed(metric).keys()
        testable = [r for r in others if len(seeds & r.by_seed(metric).keys()) >= MIN_PAIRED]
        best = max(testable or others, key=lambda r: (r.scores[metric].mean, table.row_name(r)),
                   default=None)
        for comparison, other in ((BASELINE, base), ("best other", best)):
            if other is None:
                out[(comparison, metric)] = (None, NONE)
            elif not (row.converged and other.converged):
                out[(comparison, metric)] = (other, NOT_CONVERGED)
            else:
                out[(comparison, metric)] = (other, "")
    return out


def verdict_map(tables: list[Table], challenger: str = CHALLENGER) -> VerdictMap:
    planned = []  # (table, row, plan)
    for t in tables:
        if t.legacy:
            continue  # legacy records never feed a verdict
        rows = [r for r in t.rows if r.loss == challenger]
        for row in rows:  # without a baseline yet the row stays, its cells say why
            planned.append((t, row, _plan(t, row, t.baseline(row))))
    tests: dict[tuple, Paired] = {}  # one entry per distinct test: the family
    for t, row, plan in planned:
        for (_, metric), (other, why) in plan.items():
            if not why:
                key = (t.name, row.settings, other.loss, other.settings, metric)
                tests[key] = paired(row.by_seed(metric), other.by_seed(metric))
    adjusted = holm_family(tests)
    out = []
    for t, row, plan in planned:
        cells = {}
        for (comparison, metric), (other, why) in plan.items():
            if why:  # no test: the difference is still shown, for the reader
                test = (paired(row.by_seed(metric), other.by_seed(metric), test=False)
                        if other else None)
                cells[(comparison, metric)] = judge(_other_name(t, other), test, None, why)
                continue
            key = (t.name, row.settings, other.loss, other.settings, metric)
            cells[(comparison, metric)] = judge(_other_name(t, other), tests[key],
                                                adjusted.get(key))
        swept_alone = t.swept and sum(r.loss == challenger for r in t.rows) == 1
        out.append(MapRow(t.setting, "" if swept_alone else row.settings.label, cells))
    return VerdictMap(tuple(out), len(adjusted))


def _other_name(table: Table, other: Row | None) -> str:
    """The objective compared with, plus its own hyperparameters (its run-level settings
    are those of the map row); "" when there is none."""
    if other is None:
        return ""
    own = "" if table.swept else label(other.settings.objective)
    return other.loss + (f" · {own}" if own else "")


def judge(other: str, test: Paired | None, p_holm: float | None, why: str = "") -> Cell:
    """The cell of `test` (a − other, shown in points); `why`: the reason it has no verdict
    (the difference is still shown); test None: nothing to compare with."""
    if test is None:
        return Cell(other, 0, math.nan, None, None, why)
    if why:
        return Cell(other, test.n, 100 * test.delta, None, None, why, 100 * test.ci95)
    return Cell(other, test.n, 100 * test.delta, test.p, p_holm, _verdict(test, p_holm),
                100 * test.ci95)


def _verdict(test: Paired, p_holm: float | None) -> str:
    if test.n < MIN_PAIRED:
        return FEW
    if p_holm is None or p_holm >= ALPHA:
        return TIE  # p_holm None: no variance in the differences (all equal to zero)
    return WIN if test.delta > 0 else LOSS
