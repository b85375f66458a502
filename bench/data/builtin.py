"""Readers for the built-in datasets in their published file formats (see shared/data/SOURCES.md).

Every line has its trailing whitespace stripped (the line break, and the space that
ends every TweetEval line); texts are otherwise kept exactly as in the files: no
unescaping of `\\n` or HTML entities, no case changes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.data.reader import read_utf8
from bench.data.registry import DatasetSpec, register_dataset
from bench.data.types import EmotionDataset, Split
from bench.errors import DataError

DAIR_LABELS = ("sadness", "joy", "love", "anger", "fear", "surprise")  # Hugging Face id order


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise DataError(
            f"{path}: file not found; point --data-dir / BENCH_DATA_DIR at the "
            "folder that holds the dataset folders (see shared/data/SOURCES.md)"
        )
    lines = [ln.rstrip() for ln in read_utf8(path).split("\n")]
    return lines[:-1] if lines and lines[-1] == "" else lines


def _label_id(path: Path, line: int, raw: str, n: int) -> int:
    if not raw.strip().isdecimal() or int(raw) >= n:
        raise DataError(
            f"{path}, line {line}: label id {raw!r} is not an integer in 0..{n - 1}; "
            "the file is corrupt, restore it from the source"
        )
    return int(raw)


def _goemotions_split(path: Path, n_labels: int) -> Split:
    texts: list[str] = []
    rows: list[int] = []
    cols: list[int] = []
    # Split on tab by hand: 1,097 train texts start with '"', which CSV quoting would mangle.
    for i, line in enumerate(_lines(path)):
        fields = line.split("\t")
        if len(fields) != 3:
            raise DataError(
                f"{path}, line {i + 1}: expected 3 tab-separated fields "
                f"(text, label ids, comment id), found {len(fields)}"
            )
        texts.append(fields[0])
        for raw in fields[1].split(","):
            rows.append(i)
            cols.append(_label_id(path, i + 1, raw, n_labels))
    labels = np.zeros((len(texts), n_labels), np.uint8)
    labels[rows, cols] = 1
    return Split(tuple(texts), labels)


def _goemotions(view: str, name: str):
    def load(root: Path) -> EmotionDataset:
        folder = root / "goemotions" / view
        names = tuple(_lines(folder / "labels.txt"))
        splits = [
            _goemotions_split(folder / f"{s}.tsv", len(names)) for s in ("train", "dev", "test")
        ]
        return EmotionDataset(name, names, True, *splits, source=str(folder))

    return load


def _tweeteval(root: Path) -> EmotionDataset:
    folder = root / "tweeteval_emotion"
    names = []
    for i, line in enumerate(_lines(folder / "mapping.txt")):
        idx, _, label = line.partition("\t")
        if idx != str(i) or not label:
            raise DataError(
                f"{folder / 'mapping.txt'}, line {i + 1}: expected '{i}<TAB>name', got {line!r}"
            )
        names.append(label)
    splits = []
    for s in ("train", "val", "test"):
        texts, raw = _lines(folder / f"{s}_text.txt"), _lines(folder / f"{s}_labels.txt")
        if len(texts) != len(raw):
            raise DataError(
                f"{folder}: {s}_text.txt has {len(texts)} lines but "
                f"{s}_labels.txt has {len(raw)}; they must be parallel"
            )
        path = folder / f"{s}_labels.txt"
        ids = [_label_id(path, i + 1, r, len(names)) for i, r in enumerate(raw)]
        splits.append(Split(tuple(texts), np.array(ids, np.int64)))
    return EmotionDataset("tweeteval_emotion", tuple(names), False, *splits, source=str(folder))


def _dair(root: Path) -> EmotionDataset:
    folder = root / "dair_emotion"
    ids = {n: i for i, n in enumerate(DAIR_LABELS)}
    splits = []
    for s in ("train", "val", "test"):
        path, texts, labels = folder / f"{s}.txt", [], []
        for i, line in enumerate(_lines(path)):
            text, sep, label = line.rpartition(";")  # texts never contain ';', labels never do
            if not sep or label not in ids:
                raise DataError(
                    f"{path}, line {i + 1}: expected 'text;label' with a label in "
                    f"{list(DAIR_LABELS)}, got {line[-60:]!r}"
                )
            texts.append(text)
            labels.append(ids[label])
        splits.append(Split(tuple(texts), np.array(labels, np.int64)))
    return EmotionDataset("dair_emotion", DAIR_LABELS, False, *splits, source=str(folder))


def register_builtins() -> None:
    for view, name, n in (
        ("original", "goemotions", 28),
        ("ekman", "goemotions_ekman", 7),
        ("group", "goemotions_group", 4),
    ):
        register_dataset(
            DatasetSpec(
                name,
                n,
                True,
                f"goemotions/{view}",
                _goemotions(view, name),
                "go_emotions",
                "simplified",
                None if view == "original" else view,
            )
        )
    register_dataset(
        DatasetSpec("dair_emotion", 6, False, "dair_emotion", _dair, "dair-ai/emotion", "split")
    )
    register_dataset(
        DatasetSpec(
            "tweeteval_emotion", 4, False, "tweeteval_emotion", _tweeteval, "tweet_eval", "emotion"
        )
    )
