"""Immutable containers for a loaded dataset: three splits plus label metadata."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from bench.errors import DataError


# eq=False: comparing numpy arrays with == is elementwise, so the generated __eq__ would break.
@dataclass(frozen=True, eq=False)
class Split:
    """Texts and labels of one split.

    labels: int64 class ids of shape (N,) for single-label data, or a uint8
    multi-hot matrix of shape (N, C) for multi-label data. The array is made read-only.
    """

    texts: tuple[str, ...]
    labels: np.ndarray

    def __post_init__(self) -> None:
        texts = tuple(self.texts)
        labels = np.array(self.labels, copy=True)
        if labels.ndim == 1:
            labels = labels.astype(np.int64, copy=False)
        elif labels.ndim == 2:
            labels = labels.astype(np.uint8, copy=False)
        else:
            raise DataError(f"labels must be 1-D or 2-D, got shape {labels.shape}")
        if labels.shape[0] != len(texts):
            raise DataError(
                f"split has {len(texts)} texts but {labels.shape[0]} label rows; they must match"
            )
        labels.setflags(write=False)
        object.__setattr__(self, "texts", texts)
        object.__setattr__(self, "labels", labels)

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: np.ndarray) -> Split:
        """Rows at `indices`, in that order."""
        idx = np.asarray(indices, dtype=np.int64)
        return Split(tuple(self.texts[i] for i in idx), self.labels[idx])


@dataclass(frozen=True, eq=False)
class EmotionDataset:
    name: str
    label_names: tuple[str, ...]
    multi_label: bool
    train: Split
    dev: Split
    test: Split
    source: str
    # Memo for fingerprint(); init=False so dataclasses.replace() starts a fresh one.
    _fingerprint: list[str] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "label_names", tuple(self.label_names))
        c = len(self.label_names)
        for split_name, split in self.splits().items():
            lab = split.labels
            ok = (lab.ndim == 2 and lab.shape[1] == c) if self.multi_label else lab.ndim == 1
            if not ok:
                kind = f"(N, {c}) multi-hot" if self.multi_label else "(N,) class ids"
                raise DataError(
                    f"{self.name}: {split_name} labels have shape {lab.shape}; expected {kind}"
                )
            if not self.multi_label and len(lab) and (lab.min() < 0 or lab.max() >= c):
                raise DataError(f"{self.name}: {split_name} has a label id outside 0..{c - 1}")

    @property
    def num_classes(self) -> int:
        return len(self.label_names)

    def splits(self) -> dict[str, Split]:
        return {"train": self.train, "dev": self.dev, "test": self.test}

    def fingerprint(self) -> str:
        """sha256 over label names, task type, and the texts and labels of every split.

        The dataset name and source are left out on purpose: the same data read from a
        folder or the hub, or a renamed file, gets the same fingerprint.
        """
        if not self._fingerprint:
            self._fingerprint.append(_hash(self))
        return self._fingerprint[0]


def _hash(ds: EmotionDataset) -> str:
    h = hashlib.sha256()

    def put(data: bytes) -> None:
        # Length prefix so that no concatenation of fields can collide with another.
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)

    put(b"emotion-bench-dataset-v1")
    put(b"multi" if ds.multi_label else b"single")
    for name in ds.label_names:
        put(name.encode("utf-8", "surrogatepass"))
    for split_name, split in ds.splits().items():
        put(split_name.encode())
        put(str(split.labels.shape).encode())
        put(np.ascontiguousarray(split.labels).tobytes())
        for text in split.texts:
            put(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()
