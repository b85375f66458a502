"""Built-in datasets: registry, real-data loads (skipped without data), sampling, hub fallback."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from bench.data import (
    DatasetSpec,
    EmotionDataset,
    Split,
    dataset_names,
    limit_train,
    load_dataset,
    register_dataset,
)
from bench.data.hub import from_hub_splits, view_matrix
from bench.data.registry import get_spec, unregister_dataset
from bench.errors import DataError

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BENCH_DATA_DIR") or REPO.parent / "shared" / "data")
needs_data = pytest.mark.skipif(not (DATA / "goemotions").is_dir(), reason=f"no data at {DATA}")
BUILTINS = [
    "dair_emotion",
    "goemotions",
    "goemotions_ekman",
    "goemotions_group",
    "tweeteval_emotion",
]


@pytest.fixture(scope="module")
def goemo() -> EmotionDataset:
    return load_dataset("goemotions", data_dir=DATA)


def _toy(name="toy", n=200, classes=4, seed=0) -> EmotionDataset:
    rng = np.random.default_rng(seed)
    y = np.minimum(rng.geometric(0.5, n) - 1, classes - 1)  # skewed: class 3 is rare
    split = Split(tuple(f"text {i}" for i in range(n)), y)
    names = tuple(f"c{i}" for i in range(classes))
    return EmotionDataset(name, names, False, split, split, split, "memory")


# --- registry -------------------------------------------------------------------------------


def test_builtin_names():
    assert dataset_names() == BUILTINS


def test_duplicate_register_is_an_error():
    with pytest.raises(DataError, match="already registered"):
        register_dataset(get_spec("goemotions"))


def test_register_and_unregister_custom_spec():
    spec = DatasetSpec("toy_x", 2, False, "toy_x", lambda root: _toy(), "none/none")
    register_dataset(spec)
    try:
        assert "toy_x" in dataset_names()
    finally:
        unregister_dataset("toy_x")
    assert "toy_x" not in dataset_names()


def test_unknown_name_suggests_closest():
    with pytest.raises(DataError, match=r"did you mean 'goemotions_ekman'\?"):
        load_dataset("goemotion_ekman")
    with pytest.raises(DataError, match="unknown dataset 'zzz'") as e:
        load_dataset("zzz")
    assert "did you mean" not in str(e.value)


def test_missing_local_folder(tmp_path):
    with pytest.raises(DataError, match="folder not found") as e:
        load_dataset("dair_emotion", data_dir=tmp_path)
    assert str(tmp_path / "dair_emotion") in str(e.value)


# --- real data --------------------------------------------------------------------------------


@needs_data
@pytest.mark.parametrize(
    "name, sizes, labels",
    [
        (
            "goemotions_ekman",
            (43410, 5426, 5427),
            ("anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"),
        ),
        ("goemotions_group", (43410, 5426, 5427), ("ambiguous", "negative", "neutral", "positive")),
        (
            "dair_emotion",
            (16000, 2000, 2000),
            ("sadness", "joy", "love", "anger", "fear", "surprise"),
        ),
        ("tweeteval_emotion", (3257, 374, 1421), ("anger", "joy", "optimism", "sadness")),
    ],
)
def test_real_sizes_and_labels(name, sizes, labels):
    ds = load_dataset(name, data_dir=DATA)
    assert (len(ds.train), len(ds.dev), len(ds.test)) == sizes
    assert ds.label_names == labels and ds.name == name
    assert ds.multi_label == name.startswith("goemotions")


@needs_data
def test_goemotions_original(goemo):
    assert (len(goemo.train), len(goemo.dev), len(goemo.test)) == (43410, 5426, 5427)
    assert goemo.num_classes == 28 and goemo.label_names[-1] == "neutral"
    assert goemo.train.labels.dtype == np.uint8 and goemo.train.labels.shape == (43410, 28)
    per_row = np.bincount(goemo.train.labels.sum(axis=1), minlength=6)
    assert per_row.tolist() == [0, 36308, 6541, 532, 28, 1]
    assert int((goemo.train.labels.sum(axis=1) >= 2).sum()) == 6541 + 532 + 28 + 1
    freq = dict(zip(goemo.label_names, goemo.train.labels.sum(axis=0).tolist(), strict=True))
    assert freq["neutral"] == 14219 and freq["admiration"] == 4130 and freq["grief"] == 77


@needs_data
def test_goemotions_quoted_texts_intact(goemo):
    quoted = [t for t in goemo.train.texts if t.startswith('"')]
    assert len(quoted) == 1097
    assert not any("\t" in t for t in goemo.train.texts)
    assert sum("[NAME]" in t for t in goemo.train.texts) == 6059


@needs_data
@pytest.mark.parametrize("view", ["ekman", "group"])
def test_hub_view_mapping_reproduces_local_files(goemo, view):
    local = load_dataset(f"goemotions_{view}", data_dir=DATA)
    names, m = view_matrix(goemo.label_names, view)
    assert names == local.label_names
    for ours, theirs in zip(goemo.splits().values(), local.splits().values(), strict=True):
        assert ours.texts == theirs.texts
        np.testing.assert_array_equal((ours.labels.astype(np.int64) @ m) > 0, theirs.labels)


@needs_data
def test_tweeteval_and_dair_details():
    tw = load_dataset("tweeteval_emotion", data_dir=DATA)
    assert np.bincount(tw.train.labels).tolist() == [1400, 708, 294, 855]
    assert not any(t != t.rstrip() for t in tw.train.texts)  # trailing space stripped
    assert any("\\n" in t for t in tw.train.texts)  # literal backslash-n kept
    dair = load_dataset("dair_emotion", data_dir=DATA)
    assert np.bincount(dair.train.labels).tolist() == [4666, 5362, 1304, 2159, 1937, 572]


@needs_data
def test_env_var_is_used(monkeypatch):
    monkeypatch.setenv("BENCH_DATA_DIR", str(DATA))
    assert len(load_dataset("tweeteval_emotion").train) == 3257


@needs_data
def test_fingerprint_stable_and_distinct(goemo):
    again = load_dataset("goemotions", data_dir=DATA)
    assert goemo.fingerprint() == again.fingerprint() and len(goemo.fingerprint()) == 64
    ekman = load_dataset("goemotions_ekman", data_dir=DATA)
    assert ekman.fingerprint() != goemo.fingerprint()
    assert limit_train(goemo, max_train=500).fingerprint() != goemo.fingerprint()


@needs_data
def test_limit_train_goemotions_keeps_every_label(goemo):
    small = limit_train(goemo, max_train=300, seed=1)
    assert len(small.train) == 300 and small.dev is goemo.dev
    assert (small.train.labels.sum(axis=0) > 0).all()


# --- sampling and fingerprint on toy data -----------------------------------------------------


def test_fingerprint_known_properties():
    a, b = _toy(), _toy()
    assert a.fingerprint() == b.fingerprint()
    assert _toy(seed=1).fingerprint() != a.fingerprint()


def test_limit_train_deterministic_and_stratified():
    ds = _toy(n=1000)
    a = limit_train(ds, fraction=0.1, seed=3)
    assert a.train.texts == limit_train(ds, fraction=0.1, seed=3).train.texts
    assert a.train.texts != limit_train(ds, fraction=0.1, seed=4).train.texts
    assert len(a.train) == 100
    full, part = np.bincount(ds.train.labels), np.bincount(a.train.labels, minlength=4)
    assert (part >= 1).all()
    assert np.abs(part - full / 10).max() <= 1.0  # proportional up to rounding
    assert set(a.train.texts) <= set(ds.train.texts)


def test_limit_train_tiny_budget_and_noop():
    ds = _toy(n=100)
    assert np.bincount(limit_train(ds, max_train=4).train.labels).tolist() == [1, 1, 1, 1]
    assert len(set(limit_train(ds, max_train=2).train.labels.tolist())) == 2
    assert limit_train(ds) is ds and limit_train(ds, max_train=10**6) is ds
    assert len(limit_train(ds, max_train=30, fraction=0.5).train) == 30  # smaller limit wins


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_train": 0},
        {"max_train": 2.5},
        {"max_train": True},
        {"fraction": 0.0},
        {"fraction": 1.5},
        {"fraction": "x"},
    ],
)
def test_limit_train_rejects_bad_arguments(kwargs):
    with pytest.raises(DataError, match="max_train|fraction"):
        limit_train(_toy(), **kwargs)


def test_split_is_immutable_and_checked():
    s = Split(("a", "b"), np.array([0, 1]))
    with pytest.raises(ValueError):
        s.labels[0] = 1
    with pytest.raises(DataError, match="2 texts but 3"):
        Split(("a", "b"), np.array([0, 1, 1]))


# --- hub fallback (never touches the network) -------------------------------------------------


def test_hub_missing_datasets_package(monkeypatch):
    monkeypatch.delenv("BENCH_DATA_DIR", raising=False)
    monkeypatch.setitem(sys.modules, "datasets", None)  # makes `import datasets` fail
    with pytest.raises(DataError) as e:
        load_dataset("goemotions")
    msg = str(e.value)
    assert "BENCH_DATA_DIR" in msg and "--data-dir" in msg and "pip install datasets" in msg


def test_hub_unreachable(monkeypatch):
    def offline(*args, **kwargs):
        raise ConnectionError("no route to host")

    monkeypatch.delenv("BENCH_DATA_DIR", raising=False)
    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=offline))
    with pytest.raises(DataError, match="hub:tweet_eval/emotion.*no route.*BENCH_DATA_DIR"):
        load_dataset("tweeteval_emotion")


def test_hub_conversion_with_ekman_view():
    original = (
        "admiration",
        "amusement",
        "anger",
        "annoyance",
        "approval",
        "caring",
        "confusion",
        "curiosity",
        "desire",
        "disappointment",
        "disapproval",
        "disgust",
        "embarrassment",
        "excitement",
        "fear",
        "gratitude",
        "grief",
        "joy",
        "love",
        "nervousness",
        "optimism",
        "pride",
        "realization",
        "relief",
        "remorse",
        "sadness",
        "surprise",
        "neutral",
    )
    assert get_spec("goemotions").num_labels == len(original)
    feature = types.SimpleNamespace(feature=types.SimpleNamespace(names=list(original)))
    table = {"text": ["a", "b"], "labels": [[0, 2], [27]]}  # admiration+anger, neutral
    raw = {s: _Columns(table, {"labels": feature}) for s in ("train", "validation", "test")}
    ds = from_hub_splits(get_spec("goemotions_ekman"), raw)
    assert ds.source == "hub:go_emotions/simplified#ekman"
    joy, anger, neutral = (ds.label_names.index(n) for n in ("joy", "anger", "neutral"))
    assert ds.train.labels[0, [joy, anger]].tolist() == [1, 1]
    assert ds.train.labels[1].tolist() == [int(i == neutral) for i in range(7)]


class _Columns:
    """Just enough of `datasets.Dataset`: .features and column access."""

    def __init__(self, table, features):
        self.table, self.features = table, features

    def __getitem__(self, column):
        return self.table[column]
