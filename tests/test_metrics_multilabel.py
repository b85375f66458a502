"""Multi-label metrics and decision rules: samples Jaccard / F1 against scikit-learn (with
rows of empty truth and empty predictions), and the at-least-one vs may-be-empty rules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score, jaccard_score

from bench.config import RunConfig
from bench.metrics import (
    AT_LEAST_ONE,
    MAY_BE_EMPTY,
    classification_metrics,
    empty_rule,
    predict,
    samples_scores,
)

NAMES = ("anger", "fear", "joy", "sadness")
REPO = Path(__file__).resolve().parents[1]


def multi_hot(rng: np.random.Generator, n: int, p_empty: float) -> np.ndarray:
    y = (rng.random((n, len(NAMES))) < 0.3).astype(np.uint8)
    y[rng.random(n) < p_empty] = 0
    return y


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("p_empty", [0.0, 0.3, 1.0])
def test_samples_jaccard_and_f1_equal_sklearn_with_zero_division_1(seed, p_empty):
    rng = np.random.default_rng(seed)
    truth, pred = multi_hot(rng, 50, p_empty), multi_hot(rng, 50, 0.3)
    pred[:3] = truth[:3]  # a few exact rows, empty ones included when truth is empty
    got = samples_scores(pred, truth)
    assert got["jaccard"] == pytest.approx(
        jaccard_score(truth, pred, average="samples", zero_division=1.0), abs=1e-12)
    assert got["samples_f1"] == pytest.approx(
        f1_score(truth, pred, average="samples", zero_division=1.0), abs=1e-12)


def test_empty_rows_by_hand():
    truth = np.array([[0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 1, 0], [1, 1, 0, 0]], np.uint8)
    pred = np.array([[0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 1]], np.uint8)
    # rows: empty == empty -> 1; spurious label -> 0; missed both -> 0; 1 of 3 -> 1/3, F1 2/4
    got = samples_scores(pred, truth)
    assert got["jaccard"] == pytest.approx((1 + 0 + 0 + 1 / 3) / 4)
    assert got["samples_f1"] == pytest.approx((1 + 0 + 0 + 0.5) / 4)


def test_classification_metrics_report_them_for_multi_label_only():
    rng = np.random.default_rng(0)
    truth, pred = multi_hot(rng, 40, 0.25), multi_hot(rng, 40, 0.1)
    multi = classification_metrics(pred, truth, NAMES)
    assert multi["jaccard"] == samples_scores(pred, truth)["jaccard"]
    assert multi["rows_without_label"] == int((truth.sum(1) == 0).sum()) > 0
    single = classification_metrics(truth.argmax(1), pred.argmax(1), NAMES)
    assert not {"jaccard", "samples_f1", "rows_without_label"} & set(single)


def test_empty_rule_follows_the_training_labels():
    labelled = np.eye(4, dtype=np.uint8)
    assert empty_rule(np.arange(4)) is None
    assert empty_rule(labelled) == AT_LEAST_ONE
    assert empty_rule(np.vstack([labelled, np.zeros((1, 4), np.uint8)])) == MAY_BE_EMPTY


def test_the_two_prediction_rules():
    scores = np.array([[0.1, 0.9, 0.2], [0.3, 0.2, 0.1], [0.8, 0.1, 0.7]], np.float32)
    thresholds = np.array([0.5, 0.5, 0.5], np.float32)  # row 1: every score below
    at_least_one = predict(scores, thresholds)
    may_be_empty = predict(scores, thresholds, allow_empty=True)
    assert at_least_one.tolist() == [[0, 1, 0], [1, 0, 0], [1, 0, 1]]
    assert may_be_empty.tolist() == [[0, 1, 0], [0, 0, 0], [1, 0, 1]]
    assert predict(scores, None, allow_empty=True).tolist() == [1, 0, 0]  # single-label: argmax


def test_new_options_keep_older_identity_hashes():
    """Every committed record (made before label_columns existed) still gets its identity."""
    records = sorted(REPO.glob("results/**/config.json"))
    if not records:
        pytest.skip("no run records in this checkout")
    for path in records:
        d = json.loads(path.read_text())
        if "identity" in d:
            assert RunConfig.from_dict(d).identity_hash() == d["identity"], path
    old = RunConfig(loss="softmax", dataset="x.csv")
    record = {k: v for k, v in old.to_dict().items() if k not in ("label_columns", "ignore_columns")}
    assert RunConfig.from_dict(record).identity_hash() == old.identity_hash()
    assert RunConfig(loss="softmax", dataset="x.csv", label_columns="all").identity_hash() != \
        old.identity_hash()
