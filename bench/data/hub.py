"""Fallback: fetch a built-in dataset from the Hugging Face Hub (`datasets` is imported lazily).

The Ekman and sentiment-group views of GoEmotions are derived from the 28 original
labels with the mappings published in google-research/goemotions
(data/ekman_mapping.json, data/sentiment_mapping.json); neutral maps to neutral. The
label order matches goemotions/{ekman,group}/labels.txt so hub and local loads agree.
"""

from __future__ import annotations

import numpy as np

from bench.data.registry import DatasetSpec
from bench.data.types import EmotionDataset, Split
from bench.errors import DataError

EKMAN_MAPPING: dict[str, tuple[str, ...]] = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": (
        "joy",
        "amusement",
        "approval",
        "excitement",
        "gratitude",
        "love",
        "optimism",
        "relief",
        "pride",
        "admiration",
        "desire",
        "caring",
    ),
    "neutral": ("neutral",),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
}
GROUP_MAPPING: dict[str, tuple[str, ...]] = {
    "ambiguous": ("realization", "surprise", "curiosity", "confusion"),
    "negative": (
        "fear",
        "nervousness",
        "remorse",
        "embarrassment",
        "disappointment",
        "sadness",
        "grief",
        "disgust",
        "anger",
        "annoyance",
        "disapproval",
    ),
    "neutral": ("neutral",),
    "positive": (
        "amusement",
        "excitement",
        "joy",
        "love",
        "desire",
        "optimism",
        "caring",
        "pride",
        "admiration",
        "gratitude",
        "relief",
        "approval",
    ),
}
VIEWS = {"ekman": EKMAN_MAPPING, "group": GROUP_MAPPING}
HUB_SPLITS = ("train", "validation", "test")
_HOW_TO_FIX = (
    "set BENCH_DATA_DIR or pass --data-dir to use local files (see shared/data/SOURCES.md)"
)


def view_matrix(original: tuple[str, ...], view: str) -> tuple[tuple[str, ...], np.ndarray]:
    """(view label names, 0/1 matrix M) with multi_hot_view = (multi_hot_original @ M) > 0."""
    mapping = VIEWS[view]
    names = tuple(mapping)
    m = np.zeros((len(original), len(names)), np.int64)
    for j, target in enumerate(names):
        for source in mapping[target]:
            m[original.index(source), j] = 1
    if (m.sum(axis=1) != 1).any():
        raise DataError(f"the {view} mapping must cover each GoEmotions label exactly once")
    return names, m


def _import_datasets():
    try:
        import datasets  # optional dependency: imported only when the hub is needed
    except ImportError:
        raise DataError(
            "no local data and the Hugging Face `datasets` package is not "
            f"installed: {_HOW_TO_FIX}, or `pip install datasets`"
        ) from None
    return datasets


def load_from_hub(spec: DatasetSpec) -> EmotionDataset:
    datasets = _import_datasets()
    try:
        raw = datasets.load_dataset(spec.hub_id, spec.hub_config)
    except Exception as e:  # network, auth, cache or format errors all mean "cannot get it"
        raise DataError(
            f"could not load {spec.hub_source} from the Hugging Face Hub "
            f"({type(e).__name__}: {e}); {_HOW_TO_FIX}"
        ) from None
    return from_hub_splits(spec, raw)


def from_hub_splits(spec: DatasetSpec, raw) -> EmotionDataset:
    """Convert a `datasets.DatasetDict` (or any mapping of split -> column access) to ours."""
    column = "labels" if spec.multi_label else "label"
    try:
        feature = raw["train"].features[column]
        names = tuple((feature.feature if spec.multi_label else feature).names)
        splits = [(list(raw[s]["text"]), list(raw[s][column])) for s in HUB_SPLITS]
    except (KeyError, AttributeError, TypeError) as e:
        raise DataError(
            f"{spec.hub_source} does not have the expected splits/columns ({e!r}); {_HOW_TO_FIX}"
        ) from None
    out = []
    for texts, labels in splits:
        if spec.multi_label:
            y = np.zeros((len(texts), len(names)), np.uint8)
            for i, ids in enumerate(labels):
                y[i, list(ids)] = 1
        else:
            y = np.asarray(labels, np.int64)
        out.append((texts, y))
    if spec.hub_view:
        names, m = view_matrix(names, spec.hub_view)
        out = [(t, ((y.astype(np.int64) @ m) > 0).astype(np.uint8)) for t, y in out]
    return EmotionDataset(
        spec.name,
        names,
        spec.multi_label,
        *(Split(tuple(t), y) for t, y in out),
        source=spec.hub_source,
    )
