"""Seeded stratified splitting and subsampling.

Stratification key: the class id for single-label data; for multi-label data the
row's rarest label (by frequency among the rows being split), so that rare classes
are spread over the parts instead of being swamped by the frequent labels they
co-occur with. Rows without any label share one extra key.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from bench.data.types import EmotionDataset
from bench.errors import DataError


def strat_keys(labels: np.ndarray) -> np.ndarray:
    """One stratification key per row (see the module docstring)."""
    if labels.ndim == 1:
        return labels.astype(np.int64)
    freq = labels.sum(axis=0).astype(np.float64)
    masked = np.where(labels > 0, freq[None, :], np.inf)
    keys = masked.argmin(axis=1).astype(np.int64)
    keys[~labels.any(axis=1)] = labels.shape[1]
    return keys


def stratified_parts(keys: np.ndarray, fractions: tuple[float, ...], seed: int) -> list[np.ndarray]:
    """Split row indices into [rest, part_1, ..., part_k], each sorted, per-class seeded.

    Each class gives round(fraction * n) rows to each part, but always at least one row
    to each part while it has spare rows, filling the last part first (the test set
    matters most), and it always keeps one row in `rest`. So a class with one example
    stays in rest only, a class with two reaches the last part, and a class with
    k + 1 or more reaches every part.
    """
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in range(len(fractions) + 1)]
    for cls in np.unique(keys):
        idx = rng.permutation(np.flatnonzero(keys == cls))
        n, spare, start = len(idx), len(idx) - 1, 0
        for j in reversed(range(len(fractions))):
            k = min(spare, max(1, math.floor(fractions[j] * n + 0.5)))
            parts[j + 1].append(idx[start : start + k])
            start, spare = start + k, spare - k
        parts[0].append(idx[start:])
    return [np.sort(np.concatenate(p)) if p else np.zeros(0, np.int64) for p in parts]


def _quotas(counts: np.ndarray, target: int, rng: np.random.Generator) -> np.ndarray:
    """Rows to take per class: proportional (largest remainder), but one each when possible."""
    if target < len(counts):  # cannot keep every class: a seeded choice of `target` classes
        quota = np.zeros(len(counts), np.int64)
        quota[rng.choice(len(counts), size=target, replace=False)] = 1
        return quota
    exact = target * counts / counts.sum()
    quota = np.maximum(1, np.floor(exact)).astype(np.int64)
    # Fix the total one row at a time, always where the rounding error is largest; ties
    # go to the lower class id (argmax/argmin take the first), so this is deterministic.
    while quota.sum() < target:
        quota[np.argmax(np.where(quota < counts, exact - quota, -np.inf))] += 1
    while quota.sum() > target:
        quota[np.argmin(np.where(quota > 1, exact - quota, np.inf))] -= 1
    return quota


def limit_train(
    ds: EmotionDataset,
    *,
    max_train: int | None = None,
    fraction: float | None = None,
    seed: int = 0,
) -> EmotionDataset:
    """A seeded, stratified subsample of the train split; dev and test are untouched.

    See `train_subset_index` for the rule; with neither limit, `ds` is returned as is.
    """
    idx = train_subset_index(ds, max_train=max_train, fraction=fraction, seed=seed)
    return ds if idx is None else dataclasses.replace(ds, train=ds.train.subset(idx))


def train_subset_index(
    ds: EmotionDataset,
    *,
    max_train: int | None = None,
    fraction: float | None = None,
    seed: int = 0,
) -> np.ndarray | None:
    """Sorted train row indices of the stratified subsample, or None for "all rows".

    With both limits the smaller one wins. Every
    stratification key (class, or rarest label for multi-label data) present in train
    keeps at least one row whenever the target size allows it; the remaining rows are
    allocated in proportion to class size.
    """
    is_int = isinstance(max_train, int | np.integer) and not isinstance(max_train, bool)
    if max_train is not None and (not is_int or max_train < 1):
        raise DataError(f"max_train must be an integer >= 1, got {max_train!r}")
    is_num = isinstance(fraction, float | int | np.floating) and not isinstance(fraction, bool)
    if fraction is not None and not (is_num and 0.0 < fraction <= 1.0):
        raise DataError(f"fraction must be in (0, 1], got {fraction!r}")
    n = len(ds.train)
    target = n
    if fraction is not None:
        target = min(target, max(1, math.floor(fraction * n + 0.5)))
    if max_train is not None:
        target = min(target, int(max_train))
    if target >= n:
        return None
    rng = np.random.default_rng(seed)
    keys = strat_keys(ds.train.labels)
    classes, counts = np.unique(keys, return_counts=True)
    quotas = _quotas(counts, target, rng)
    chosen = [
        rng.permutation(np.flatnonzero(keys == cls))[:q]
        for cls, q in zip(classes, quotas, strict=True)
        if q > 0
    ]
    return np.sort(np.concatenate(chosen))
