"""Result tables as data: one per (dataset, mode, encoder, budget), rows = objectives."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from bench.report.collect import Run, search_budget
from bench.report.stats import Paired, Summary, paired, summarize

BASELINE = "softmax"
LABELS = {"macro_f1": "Macro-F1", "micro_f1": "Micro-F1", "accuracy": "Accuracy",
          "exact_match": "Exact match", "map_at_r": "MAP@R"}
TEST_NAME = "two-sided paired t-test over seeds (scipy.stats.ttest_rel), p < 0.05"


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
    seeds: tuple[int, ...]
    scores: dict[str, Summary]
    vs_baseline: dict[str, Paired | None]  # None for the baseline itself or without one


@dataclass(frozen=True)
class Table:
    setting: tuple[str, str, str, str]  # dataset, mode, encoder, budget
    metrics: tuple[str, ...]
    rows: tuple[Row, ...]
    search: str
    commits: tuple[str, ...]

    @property
    def name(self) -> str:
        dataset, mode, encoder, budget = self.setting
        return "-".join(slug(p) for p in (dataset, mode, encoder.rstrip("/").split("/")[-1],
                                          budget))

    def best(self, key: str) -> float:
        return max(r.scores[key].mean for r in self.rows)


def _by_seed(runs: list[Run], key: str) -> dict[int, float]:
    return {r.seed: metric_value(r, key) for r in runs}


def build_tables(cells: dict[tuple[str, ...], list[Run]]) -> list[Table]:
    settings: dict[tuple, dict[str, list[Run]]] = defaultdict(dict)
    for (*setting, loss), runs in cells.items():
        settings[tuple(setting)][loss] = runs
    tables = []
    for setting in sorted(settings):
        by_loss = settings[setting]
        multi = any(r.metrics["dataset"]["multi_label"] for rs in by_loss.values() for r in rs)
        keys = metric_keys(multi)
        base = by_loss.get(BASELINE)
        rows = []
        for loss in loss_order(by_loss):
            runs = by_loss[loss]
            scores = {k: summarize(metric_value(r, k) for r in runs) for k in keys}
            tests = {k: None if base is None or loss == BASELINE
                     else paired(_by_seed(runs, k), _by_seed(base, k)) for k in keys}
            rows.append(Row(loss, tuple(r.seed for r in runs), scores, tests))
        all_runs = [r for rs in by_loss.values() for r in rs]
        commits = sorted({str(r.env.get("git_commit") or "unknown") for r in all_runs})
        tables.append(Table(setting, keys, tuple(rows), search_budget(all_runs), tuple(commits)))
    return tables


def provenance(table: Table, command: str) -> list[tuple[str, str]]:
    dataset, mode, encoder, budget = table.setting
    seeds = sorted({s for r in table.rows for s in r.seeds})
    return [("dataset", dataset), ("mode", mode), ("encoder", encoder),
            ("training data", budget), ("search budget", table.search),
            ("seeds", ", ".join(map(str, seeds))), ("git commits", ", ".join(table.commits)),
            ("regenerate", command)]


def caption(table: Table, incomplete: str = "") -> str:
    dataset, mode, encoder, budget = table.setting
    return (f"Test scores on {dataset} ({mode}, encoder {encoder}, training data {budget}): "
            "mean ± 95% CI (t-distribution over seeds), in percent; n = number of seeds. "
            f"Bold: best mean per column. †: differs from {BASELINE} by a {TEST_NAME}."
            + (f" {incomplete}" if incomplete else ""))


@dataclass(frozen=True)
class Verdict:
    setting: tuple[str, str, str, str]
    tests: dict[str, Paired]


def proxy_vs_softmax(tables: list[Table], challenger: str = "proxy_anchor") -> list[Verdict]:
    """Where `challenger` beats the baseline and where not, per table setting."""
    out = []
    for t in tables:
        row = next((r for r in t.rows if r.loss == challenger), None)
        if row is None or not any(r.loss == BASELINE for r in t.rows):
            continue
        out.append(Verdict(t.setting, {k: row.vs_baseline[k] for k in ("macro_f1", "map_at_r")}))
    return out
