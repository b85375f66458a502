"""Statistics over seeds: mean with a t-distribution 95% CI, and a paired t-test by seed."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05
MIN_PAIRED = 2


@dataclass(frozen=True)
class Summary:
    mean: float
    ci95: float  # half-width; nan with fewer than two seeds
    n: int


@dataclass(frozen=True)
class Paired:
    p: float | None  # None: fewer than MIN_PAIRED common seeds, or no variance to test
    n: int
    delta: float  # mean of (a - b) over the common seeds
    ci95: float = math.nan  # half-width of the paired t 95% CI of delta; nan below 2 seeds

    @property
    def significant(self) -> bool:
        return self.p is not None and self.p < ALPHA


def summarize(values) -> Summary:
    x = np.asarray(list(values), dtype=np.float64)
    if len(x) == 0:
        return Summary(math.nan, math.nan, 0)
    if len(x) < 2:
        return Summary(float(x.mean()), math.nan, 1)
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return Summary(float(x.mean()), float(half), len(x))


def paired(a: dict[int, float], b: dict[int, float], *, test: bool = True) -> Paired:
    """Paired t-test of a vs b over the seeds both have (scipy.stats.ttest_rel), with the 95%
    t interval of the mean difference; with test=False no p-value (for cells shown without a
    verdict), but the difference and its interval, which describe and do not decide."""
    seeds = sorted(set(a) & set(b))
    xa = np.array([a[s] for s in seeds], dtype=np.float64)
    xb = np.array([b[s] for s in seeds], dtype=np.float64)
    delta = float((xa - xb).mean()) if seeds else math.nan
    ci95 = summarize(xa - xb).ci95
    if len(seeds) < MIN_PAIRED or not test:
        return Paired(None, len(seeds), delta, ci95)
    p = float(stats.ttest_rel(xa, xb).pvalue)
    return Paired(None if math.isnan(p) else p, len(seeds), delta, ci95)


def fmt(x: float | None, digits: int = 6) -> str:
    """Fixed formatting so regenerated files are byte-identical; empty for missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:.{digits}f}"


def holm(ps: list[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values (step-down), in the order given: the i-th smallest
    p becomes max over j <= i of min(1, (m - j + 1) p_(j)); adjusted p < ALPHA keeps the
    family-wise error rate of the m tests below ALPHA."""
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    out, running = [0.0] * len(ps), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(ps) - rank) * ps[i]))
        out[i] = running
    return out


def holm_family(tests: dict[Hashable, Paired]) -> dict[Hashable, float]:
    """Holm–Bonferroni-corrected p of every test that has a p-value; those tests are the
    family (fewer than 2 common seeds or no variance: no p, not counted)."""
    family = [k for k, v in tests.items() if v.p is not None]
    return dict(zip(family, holm([tests[k].p for k in family]), strict=True))
