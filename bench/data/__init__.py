"""Datasets for the benchmark: built-in emotion corpora and bring-your-own files.

Built-in data is read from `data_dir`, else $BENCH_DATA_DIR, else the Hugging Face Hub.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from bench.data import hub
from bench.data.builtin import register_builtins
from bench.data.custom import load_custom
from bench.data.reader import EXTENSIONS
from bench.data.registry import (
    DatasetSpec,
    dataset_names,
    get_spec,
    is_registered,
    register_dataset,
    unknown_name_message,
)
from bench.data.sampling import limit_train
from bench.data.types import EmotionDataset, Split
from bench.errors import DataError

__all__ = [
    "DatasetSpec",
    "EmotionDataset",
    "Split",
    "dataset_names",
    "limit_train",
    "load_dataset",
    "register_dataset",
]

DATA_DIR_ENV = "BENCH_DATA_DIR"

register_builtins()


def _looks_like_path(name: str) -> bool:
    return Path(name).suffix.lower() in EXTENSIONS or os.sep in name or "/" in name


def _load_builtin(spec: DatasetSpec, data_dir: str | Path | None) -> EmotionDataset:
    root = data_dir if data_dir not in (None, "") else os.environ.get(DATA_DIR_ENV) or None
    if root is None:
        return hub.load_from_hub(spec)
    folder = Path(root) / spec.folder
    if not folder.is_dir():
        where = "data_dir" if data_dir not in (None, "") else f"${DATA_DIR_ENV}"
        raise DataError(
            f"{folder}: folder not found for dataset {spec.name!r} ({where}={root}); point "
            f"--data-dir / {DATA_DIR_ENV} at the folder that contains {spec.folder.split('/')[0]}/"
        )
    ds = spec.load_local(Path(root))
    if ds.num_classes != spec.num_labels:
        raise DataError(f"{folder}: found {ds.num_classes} labels, expected {spec.num_labels}")
    return ds


def load_dataset(
    name_or_path: str,
    *,
    data_dir: str | Path | None = None,
    text_column: str = "text",
    label_column: str = "label",
    label_sep: str | None = None,
    label_columns: str | Sequence[str] | None = None,
    ignore_columns: str | Sequence[str] | None = None,
    dev_file: str | Path | None = None,
    test_file: str | Path | None = None,
    split_seed: int = 0,
) -> EmotionDataset:
    """Load a built-in dataset by name, or a .csv/.tsv/.jsonl file by path.

    Built-in datasets keep their published splits (split_seed and the column options
    do not apply). Custom files: see bench.data.custom for the format rules.
    """
    name = str(name_or_path)
    if is_registered(name):
        if dev_file is not None or test_file is not None:
            raise DataError(
                f"dev_file/test_file only apply to custom files; {name!r} is "
                "a built-in dataset with fixed splits"
            )
        if label_columns is not None or ignore_columns is not None:
            raise DataError(f"label_columns/ignore_columns only apply to custom files; {name!r} "
                            f"is a built-in dataset, but got {label_columns=}")
        return _load_builtin(get_spec(name), data_dir)
    if _looks_like_path(name) or Path(name).exists():
        return load_custom(
            name,
            text_column=text_column,
            label_column=label_column,
            label_sep=label_sep,
            label_columns=label_columns,
            ignore_columns=ignore_columns,
            dev_file=dev_file,
            test_file=test_file,
            split_seed=split_seed,
        )
    raise DataError(unknown_name_message(name))
