"""Explicit registry of built-in datasets: a name maps to how to read it locally and from the hub."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.data.types import EmotionDataset
from bench.errors import DataError


@dataclass(frozen=True)
class DatasetSpec:
    """A built-in dataset.

    load_local(root) reads the dataset from `root / folder`, where root is the data
    directory (--data-dir or BENCH_DATA_DIR). hub_id / hub_config / hub_view say what
    `datasets.load_dataset` fetches when no data directory is set; hub_view names a
    relabelling of GoEmotions ("ekman", "group") or is None.
    """

    name: str
    num_labels: int
    multi_label: bool
    folder: str
    load_local: Callable[[Path], EmotionDataset]
    hub_id: str
    hub_config: str | None = None
    hub_view: str | None = None

    @property
    def hub_source(self) -> str:
        src = f"hub:{self.hub_id}" + (f"/{self.hub_config}" if self.hub_config else "")
        return src + (f"#{self.hub_view}" if self.hub_view else "")


_REGISTRY: dict[str, DatasetSpec] = {}


def register_dataset(spec: DatasetSpec) -> DatasetSpec:
    """Add `spec`; a second dataset with the same name is an error, never a silent override."""
    if spec.name in _REGISTRY:
        raise DataError(
            f"dataset {spec.name!r} is already registered; pick a different name "
            f"(registered: {', '.join(sorted(_REGISTRY))})"
        )
    _REGISTRY[spec.name] = spec
    return spec


def unregister_dataset(name: str) -> None:
    """Remove a dataset (for tests and plugins that replace a spec on purpose)."""
    _REGISTRY.pop(name, None)


def dataset_names() -> list[str]:
    return sorted(_REGISTRY)


def is_registered(name: str) -> bool:
    return name in _REGISTRY


def get_spec(name: str) -> DatasetSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise DataError(unknown_name_message(name)) from None


def unknown_name_message(name: str) -> str:
    close = difflib.get_close_matches(name, list(_REGISTRY), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"unknown dataset {name!r}{hint}. Built-in datasets: {', '.join(dataset_names())}. "
        "To use your own data, pass a path to a .csv, .tsv or .jsonl file."
    )
