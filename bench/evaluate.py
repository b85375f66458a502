"""Final scoring: thresholds and centroids from train/dev, then test is scored exactly once."""

from __future__ import annotations

import numpy as np
import torch

from bench.config import RunConfig
from bench.metrics import (
    MAY_BE_EMPTY,
    classification_metrics,
    embedding_metrics,
    empty_rule,
    predict,
    tune_thresholds,
)
from bench.provenance import plugin_entry
from bench.train import fit_centroids, objective_device

METRICS_SCHEMA_VERSION = 1


def split_outputs(embedder, objective, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings, class scores) of a whole split."""
    with torch.inference_mode():
        emb = embedder.embed(split).to(objective_device(objective))
        return emb.float().cpu().numpy(), objective.scores(emb).float().cpu().numpy()


def final_evaluation(embedder, objective, ds, cfg: RunConfig, centroid_sample,
                     dev_scores: np.ndarray | None = None) -> tuple[dict, dict]:
    """`dev_scores` of the restored best epoch may be passed in: re-embedding dev would give
    the same numbers (same weights, same centroid sample), at the cost of an encoder pass."""
    embedder.eval()
    objective.eval()
    # every objective gets centroids, so their class geometry can be compared fairly
    fit_centroids(embedder, objective, ds.train.labels, centroid_sample)
    if dev_scores is None:
        _, dev_scores = split_outputs(embedder, objective, "dev")
    thresholds = tune_thresholds(dev_scores, ds.dev.labels) if ds.multi_label else None
    rule = empty_rule(ds.train.labels)
    allow_empty = rule == MAY_BE_EMPTY
    dev = classification_metrics(predict(dev_scores, thresholds, allow_empty=allow_empty),
                                 ds.dev.labels, ds.label_names)

    test, test_pred, test_emb = None, None, None
    if cfg.score_test:  # exactly once, at the very end
        test_emb, test_scores = split_outputs(embedder, objective, "test")
        test_pred = predict(test_scores, thresholds, allow_empty=allow_empty)
        test = classification_metrics(test_pred, ds.test.labels, ds.label_names)
        test["embedding"] = embedding_metrics(test_emb, ds.test.labels, seed=cfg.seed)
    metrics = {
        "schema_version": METRICS_SCHEMA_VERSION,
        "dataset": {"name": ds.name, "source": ds.source, "multi_label": ds.multi_label,
                    "label_names": list(ds.label_names), "fingerprint": ds.fingerprint(),
                    "sizes": {s: len(getattr(ds, s)) for s in ("train", "dev", "test")}},
        "objective": {"name": objective.name, "hparams": objective.hparams,
                      **plugin_entry(objective)},
        "dev": dev,
        "test": test,
        "thresholds": None if thresholds is None else [float(t) for t in thresholds],
        "prediction_rule": prediction_rule(objective, ds.multi_label, rule),
        "multi_label_rule": rule,  # None (single-label), at_least_one or may_be_empty
    }
    extras = {"test_predictions": test_pred, "test_embeddings": test_emb, "thresholds": thresholds,
              "multi_label_rule": rule}
    return metrics, extras


def prediction_rule(objective, multi_label: bool, rule: str | None = None) -> str:
    base = ("cosine similarity to class centroids of training embeddings"
            if objective.uses_centroids else
            "logits of the linear classifier" if objective.name == "softmax"
            else "cosine similarity to the learned proxies")
    if multi_label and rule == MAY_BE_EMPTY:
        return base + ("; per-class thresholds tuned on dev, no class predicted where every "
                       "score is below its threshold (training data has rows with no label)")
    if multi_label:
        return base + "; per-class thresholds tuned on dev, at least the top class predicted"
    return base + "; argmax"
