"""Few-shot training sets (`--shots K`): K training rows per class, seeded; dev and test whole.

Single-label data: every class gives exactly K rows, drawn at random (seeded by the run's
seed) from its training rows, so the set has K x classes rows.

Multi-label data, a greedy rule (GREEDY_RULE): classes are visited from the rarest to the
most frequent (number of training rows carrying the class; ties by class id). While a class
has fewer than K chosen rows, rows carrying it are added from a seeded random order of the
rows not chosen yet, each with all of its labels. Every class ends with at least K rows; a
frequent class may get more, because rarer classes' rows carry it too (rarest first keeps
that overshoot small). Rows with no label, where the training split has any, are one more
pool that gives exactly K rows, so the run keeps the full data's "may be empty" prediction
rule (bench.metrics.empty_rule).

A class (or the no-label pool) with fewer than K training rows is an error that names it.
The run record states the rule and the resulting counts (`shots_record`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.errors import DataError

SINGLE_RULE = "exactly K random training rows per class (seeded by the run's seed)"
GREEDY_RULE = ("greedy, rarest class first: rows carrying a class that has fewer than K are "
               "added in seeded random order, with all their labels, until it has K; every "
               "class ends with >= K rows; rows with no label give exactly K")
NO_LABEL = "(no label)"


def _check(counts: np.ndarray, names: Sequence[str], shots: int) -> None:
    short = [(names[i], int(counts[i])) for i in np.flatnonzero(counts < shots)]
    if short:
        listed = ", ".join(f"{name!r} has {n}" for name, n in short)
        raise DataError(f"--shots {shots} needs at least {shots} training rows per class, but "
                        f"got {listed}; lower --shots or use --max-train/--train-fraction")


def shots_index(labels: np.ndarray, names: Sequence[str], *, shots: int,
                seed: int) -> np.ndarray:
    """Sorted train row indices of the few-shot set (see the module docstring)."""
    is_int = isinstance(shots, int | np.integer) and not isinstance(shots, bool)
    if not is_int or shots < 1:
        raise DataError(f"shots must be an integer >= 1, but got {shots=}")
    rng = np.random.default_rng(seed)
    if labels.ndim == 1:
        _check(np.bincount(labels, minlength=len(names)), names, shots)
        picks = [rng.permutation(np.flatnonzero(labels == c))[:shots] for c in range(len(names))]
        return np.sort(np.concatenate(picks))
    has = labels > 0
    counts = has.sum(axis=0)
    _check(counts, names, shots)
    chosen = np.zeros(len(labels), dtype=bool)
    for c in np.argsort(counts, kind="stable"):  # rarest first; ties by class id
        need = shots - int(has[chosen, c].sum())
        if need > 0:  # enough rows exist: counts[c] >= shots was checked above
            chosen[rng.permutation(np.flatnonzero(has[:, c] & ~chosen))[:need]] = True
    empty = np.flatnonzero(~has.any(axis=1))
    if len(empty):
        _check(np.array([len(empty)]), [NO_LABEL], shots)
        chosen[rng.permutation(empty)[:shots]] = True
    return np.flatnonzero(chosen)


def class_counts(labels: np.ndarray, names: Sequence[str]) -> dict[str, int]:
    """Training rows per class (multi-label: rows carrying it; plus rows with no label)."""
    if labels.ndim == 1:
        return {n: int(c) for n, c in zip(names, np.bincount(labels, minlength=len(names)),
                                          strict=True)}
    counts = {n: int(c) for n, c in zip(names, (labels > 0).sum(axis=0), strict=True)}
    empty = int((~(labels > 0).any(axis=1)).sum())
    return {**counts, NO_LABEL: empty} if empty else counts


def shots_record(labels: np.ndarray, names: Sequence[str], shots: int) -> dict:
    """What metrics.json states about a few-shot training set: the rule and the counts."""
    return {"shots": shots, "rule": GREEDY_RULE if labels.ndim > 1 else SINGLE_RULE,
            "train_rows": len(labels), "per_class": class_counts(labels, names)}
