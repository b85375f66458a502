"""The collapse diagnostic: mean cosine similarity between test rows, and the run's warning."""

from __future__ import annotations

import numpy as np
import pytest

from bench.commands.run import summary_table
from bench.metrics import COLLAPSED_COSINE, embedding_metrics, mean_cosine


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_mean_cosine_equals_the_pairwise_mean():
    x = unit(np.random.default_rng(0).normal(size=(50, 8)))
    sim = x @ x.T
    naive = (sim.sum() - np.trace(sim)) / (50 * 49)
    assert mean_cosine(x) == pytest.approx(naive, abs=1e-12)
    assert mean_cosine(np.tile(x[:1], (10, 1))) == pytest.approx(1.0)  # one point
    assert mean_cosine(np.eye(4)) == 0.0  # orthogonal rows
    assert np.isnan(mean_cosine(x[:1]))  # no pair


def test_embedding_metrics_record_it():
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(3), 20)
    spread = rng.normal(size=(60, 16)) + 5 * np.eye(16)[labels]
    collapsed = np.ones((60, 16)) + 1e-4 * rng.normal(size=(60, 16))
    good = embedding_metrics(spread, labels)
    bad = embedding_metrics(collapsed, labels)
    assert good["mean_cosine"] < 0.5 < COLLAPSED_COSINE <= bad["mean_cosine"] <= 1.0
    assert good["map_at_r"] > bad["map_at_r"]


def metrics(cosine: float | None) -> dict:
    emb = {"map_at_r": 0.1, "precision_at_1": 0.2, "nmi": 0.0}
    if cosine is not None:
        emb["mean_cosine"] = cosine
    return {"dataset": {"name": "toy"}, "objective": {"name": "triplet"},
            "test": {"macro_f1": 0.5, "embedding": emb},
            "timings": {"total": 10.0, "train": 8.0},
            "training": {"examples_per_second": 100.0}}


@pytest.mark.parametrize(("cosine", "warned"), [(0.9986, True), (COLLAPSED_COSINE, True),
                                                (0.973, False), (None, False)])
def test_the_run_summary_warns_about_a_collapse(cosine, warned):
    text = summary_table(metrics(cosine))
    assert ("warning: the test embeddings collapsed" in text) == warned
    if warned:
        assert f"{cosine:.4f}" in text
