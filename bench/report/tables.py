"""Result tables as data: one per (dataset, mode, encoder, budget), legacy records apart;
rows = objectives x settings (variants are rows of their own, labelled with their settings)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from bench.report.cells import search_budget
from bench.report.collect import CellKey, Run
from bench.report.settings import Settings, label
from bench.report.stats import ALPHA, Paired, Summary, holm_family, paired, summarize

BASELINE = "softmax"
LABELS = {"macro_f1": "Macro-F1", "micro_f1": "Micro-F1", "accuracy": "Accuracy",
          "exact_match": "Exact match", "map_at_r": "MAP@R", "jaccard": "Jaccard",
          "samples_f1": "Samples-F1"}
TEST_NAME = "two-sided paired t-test over seeds (scipy.stats.ttest_rel)"
NOT_CONVERGED = "not converged"
LEGACY_NOTE = ("Legacy records, made before the shared head learning rate: each objective "
               "trained its own parameters (classifier, proxies) at its class default lr "
               "multiplier (softmax ×1, proxy-anchor ×100), so no objective is tested against "
               "another here and no verdict uses these rows.")


def metric_value(run: Run, key: str) -> float:
    test = run.metrics["test"]
    return float(test["embedding"]["map_at_r"] if key == "map_at_r" else test[key])


def metric_keys(multi_label: bool) -> tuple[str, ...]:
    return ("macro_f1", "micro_f1", "exact_match" if multi_label else "accuracy", "map_at_r")


def loss_order(names) -> list[str]:
    """Baseline first, then alphabetical: a fixed order for byte-identical files."""
    return sorted(names, key=lambda n: (n != BASELINE, n))


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.=]+", "_", text).strip("_")


@dataclass(frozen=True)
class Row:
    loss: str
    settings: Settings
    runs: tuple[Run, ...]
    scores: dict[str, Summary]
    vs_baseline: dict[str, Paired | None]  # None for a baseline itself, without one, or legacy
    converged: bool  # False: a fine-tune run's dev macro-F1 still rose at its last epoch
    # vs_baseline's p-values, Holm–Bonferroni-adjusted over every test of the table (None
    # where there is no test)
    p_holm: dict[str, float | None] = field(default_factory=dict)

    def significant(self, key: str) -> bool:
        """The † of a score: different from its fair baseline after the table's correction."""
        p = self.p_holm.get(key)
        return p is not None and p < ALPHA

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(r.seed for r in self.runs)

    def by_seed(self, key: str) -> dict[int, float]:
        return {r.seed: metric_value(r, key) for r in self.runs}


@dataclass(frozen=True)
class Table:
    setting: tuple[str, str, str, str]  # dataset, mode, encoder, budget
    legacy: bool
    metrics: tuple[str, ...]
    rows: tuple[Row, ...]
    search: str
    commits: tuple[str, ...]

    @property
    def name(self) -> str:
        dataset, mode, encoder, budget = self.setting
        name = "-".join(slug(p) for p in (dataset, mode, encoder.rstrip("/").split("/")[-1],
                                          budget))
        return "legacy-" + name if self.legacy else name

    @property
    def tests(self) -> int:
        """How many scores were tested against their baseline: the table's Holm family."""
        return sum(p is not None for r in self.rows for p in r.p_holm.values())

    @property
    def swept(self) -> bool:
        return self.setting[3].endswith("+sweep")

    @property
    def common(self) -> tuple[tuple[str, str], ...]:
        """Settings every row shares: said once in the caption, not on every row."""
        shared = set.intersection(*(set(r.settings.pairs) for r in self.rows))
        return tuple(p for p in self.rows[0].settings.pairs if p in shared)

    def row_name(self, row: Row) -> str:
        own = label(p for p in row.settings.pairs if p not in self.common)
        return (row.loss + (f" · {own}" if own else "")
                + ("" if row.converged else f" ({NOT_CONVERGED})"))

    def best(self, key: str) -> float:
        return max(r.scores[key].mean for r in self.rows)

    def baseline(self, row: Row) -> Row | None:
        """The fair baseline of `row`: the softmax row with the same run-level settings and
        no objective hyperparameters; in a +sweep table (every objective tuned with the same
        budget) its softmax row, the one with the most seeds if there are several."""
        found = [r for r in self.rows if r.loss == BASELINE and (self.swept or (
            r.settings.run == row.settings.run and not r.settings.objective))]
        return min(found, key=lambda r: (-len(r.runs), r.settings), default=None)


def _rows(by_key: dict[CellKey, list[Run]], keys: tuple[str, ...], legacy: bool) -> list[Row]:
    rows = [Row(k.loss, k.settings, tuple(runs), {m: summarize(metric_value(r, m) for r in runs)
                                                  for m in keys},
                {}, not any(r.still_rising for r in runs))
            for k, runs in sorted(by_key.items(), key=lambda kv: (
                kv[0].loss != BASELINE, kv[0].loss, kv[0].settings))]
    if legacy:
        return [Row(r.loss, r.settings, r.runs, r.scores, dict.fromkeys(keys), r.converged)
                for r in rows]
    draft = Table(("", "", "", ""), legacy, keys, tuple(rows), "", ())
    tests = [{m: None if (base := draft.baseline(r)) is None or base is r
              else paired(r.by_seed(m), base.by_seed(m)) for m in keys} for r in rows]
    # one family per table: every score tested against its baseline (what the † marks show)
    adjusted = holm_family({(i, m): t[m] for i, t in enumerate(tests) for m in keys
                            if t[m] is not None})
    return [Row(r.loss, r.settings, r.runs, r.scores, tests[i], r.converged,
                {m: adjusted.get((i, m)) for m in keys}) for i, r in enumerate(rows)]


def build_tables(cells: dict[CellKey, list[Run]]) -> list[Table]:
    """One table per (setting, legacy): non-legacy tables first, each group sorted."""
    groups: dict[tuple, dict[CellKey, list[Run]]] = defaultdict(dict)
    for key, runs in cells.items():
        groups[(key.settings.legacy, key.setting)][key] = runs
    tables = []
    for legacy, setting in sorted(groups):
        by_key = groups[(legacy, setting)]
        all_runs = [r for rs in by_key.values() for r in rs]
        multi = any(r.metrics["dataset"]["multi_label"] for r in all_runs)
        keys = metric_keys(multi)
        # samples Jaccard / F1 (multi-label records since issue 14): a column only when every
        # run has them, so tables of older records stay as they were
        if multi and all("jaccard" in r.metrics["test"] for r in all_runs):
            keys += ("jaccard", "samples_f1")
        rows = _rows(by_key, keys, legacy)
        commits = sorted({str(r.env.get("git_commit") or "unknown") for r in all_runs})
        tables.append(Table(setting, legacy, keys, tuple(rows), search_budget(all_runs),
                            tuple(commits)))
    return tables


def is_peer(row: Row) -> bool:
    """A peer's row (SetFit): every run says `"peer": true`; it follows its own procedure."""
    return all(run.config.get("peer") is True for run in row.runs)
