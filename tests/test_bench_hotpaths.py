"""pytest-benchmark timings of the hot paths; with --benchmark-disable (the default in
pyproject) each body runs once as a plain test, so these stay fast in CI."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from bench.batching import TokenizedTexts, training_batches
from bench.metrics import tune_thresholds
from tests.helpers import write_csv


@pytest.fixture(scope="module")
def tokens() -> TokenizedTexts:
    rng = np.random.default_rng(0)
    lengths = rng.integers(4, 129, size=20_000)
    ids = rng.integers(1000, 30_000, size=(20_000, 128)).astype(np.int32)
    return TokenizedTexts(ids, lengths.astype(np.int64), truncated=0)


def test_collate_batch(benchmark, tokens):
    index = np.random.default_rng(1).choice(len(tokens), 32, replace=False)
    batch = benchmark(tokens.batch, index)
    width = int(tokens.lengths[index].max())
    assert batch["input_ids"].shape == batch["attention_mask"].shape == (32, width)
    assert batch["attention_mask"].sum(1).tolist() == tokens.lengths[index].tolist()


def test_training_batches_length_bucketed(benchmark, tokens):
    labels = np.zeros(len(tokens), dtype=np.int64)
    batches = benchmark(training_batches, labels, tokens.lengths, 32, 0,
                        np.random.default_rng(0))
    flat = np.concatenate(batches)
    assert np.array_equal(np.sort(flat), np.arange(len(tokens)))  # every row once per epoch
    assert max(len(b) for b in batches) <= 32


def test_training_batches_class_balanced(benchmark):
    labels = np.random.default_rng(0).integers(0, 28, size=43_410)
    batches = benchmark(training_batches, labels, None, 32, 4, np.random.default_rng(0))
    assert len(batches) == 43_410 // 32
    assert all(np.bincount(labels[b]).max() >= 4 for b in batches)


def test_one_training_step_tiny_encoder(benchmark, tiny_encoder, tmp_path):
    from bench.perf.common import PerfConfig, load_texts
    from bench.perf.train_bench import build_bench, run_bench

    cfg = PerfConfig(dataset=str(write_csv(tmp_path / "toy.csv", 20)), encoder=tiny_encoder,
                     texts=32, batch_size=16, max_length=32, steps=1, warmup=1)
    side = build_bench(cfg, load_texts(cfg), torch.device("cpu"))
    out = benchmark(run_bench, side, cfg)
    assert out["steps"] == 1 and out["examples"] == 16
    assert all(math.isfinite(x) for x in out["losses"])
    again = run_bench(side, cfg)  # the step restarts from the same weights: same losses
    assert again["losses"] == out["losses"]


def test_tune_thresholds_5k_by_28(benchmark):
    rng = np.random.default_rng(0)
    targets = (rng.random((5000, 28)) < 0.1).astype(np.uint8)
    scores = targets * 1.0 + rng.normal(0, 0.5, size=targets.shape)
    thresholds = benchmark(tune_thresholds, scores, targets)
    assert thresholds.shape == (28,) and np.isfinite(thresholds).all()
    assert 0.0 < float(np.median(thresholds)) < 1.0  # between the two score clusters
