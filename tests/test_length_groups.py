"""Class-drawn training batches that cannot be packed (bench.packing) are encoded in groups of
similar length on the CPU (bench.batching.length_groups): fewer padded tokens. That the
groups give the same embeddings and gradients is tested with packing, in test_packing.py."""

from __future__ import annotations

import numpy as np

from bench.batching import PASS_OVERHEAD_TOKENS, length_groups


def padded(lengths: np.ndarray, groups: list[np.ndarray]) -> int:
    return sum(len(g) * int(lengths[g].max()) for g in groups)


def test_mixed_lengths_split_into_a_partition_with_fewer_padded_tokens():
    lengths = np.array([5, 90, 7, 6, 100, 8, 95, 5] * 4)
    groups = length_groups(lengths)
    assert len(groups) in (2, 4)
    assert sorted(np.concatenate(groups).tolist()) == list(range(len(lengths)))
    assert padded(lengths, groups) + PASS_OVERHEAD_TOKENS * (len(groups) - 1) < 32 * 100
    assert max(lengths[groups[0]]) <= min(lengths[groups[-1]])  # short ones together


def test_similar_lengths_stay_one_batch_in_order():
    lengths = np.array([20, 21, 22, 20, 23, 21, 22, 20] * 4)  # a length-bucketed batch
    groups = length_groups(lengths)
    assert len(groups) == 1 and groups[0].tolist() == list(range(32))
    assert len(length_groups(np.array([3]))) == 1

