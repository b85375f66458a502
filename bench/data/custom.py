"""Bring-your-own data: one labelled .csv, .tsv or .jsonl file, optionally with dev/test files.

Rules (each violation is a DataError naming the file, the 1-based line and what to do):
* UTF-8 (a leading BOM is fine). CSV/TSV have a header row and normal CSV quoting;
  blank lines are skipped; every row needs as many fields as the header.
* JSONL: one JSON object per line; blank lines are skipped.
* Texts are kept exactly as read, but an empty or whitespace-only text is an error:
  it is almost always a parsing mistake and carries no signal.
* Labels are names; surrounding whitespace is stripped. With `label_sep` (or JSON list
  labels) a row may carry several names and the dataset is multi-label; then an empty cell
  (or []) is a row with none of the labels. Without them an empty label is an error.
* Or one 0/1 column per label, `label_columns` (see columns.py): always multi-label, names
  in the order given (or the train file's column order for "all").
* Label-column names are the sorted union of the train labels (numeric order if all are
  integers); a dev/test label never seen in train is an error.
* Without dev/test files, the missing parts are cut from the train file by a seeded
  stratified split (10% each; see sampling.stratified_parts for rare classes).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.data.columns import ALL, parse_columns, read_columns
from bench.data.reader import Row, read_rows
from bench.data.sampling import strat_keys, stratified_parts
from bench.data.types import EmotionDataset, Split
from bench.errors import DataError


def _sort_names(names: set[str]) -> tuple[str, ...]:
    if all(n.isdecimal() for n in names):
        return tuple(sorted(names, key=int))
    return tuple(sorted(names))


def _encode(path: Path, rows: list[Row], names: tuple[str, ...], multi: bool) -> Split:
    ids = {n: i for i, n in enumerate(names)}
    labels = np.zeros(
        (len(rows), len(names)) if multi else len(rows), np.uint8 if multi else np.int64
    )
    for r, (line, _, row_names) in enumerate(rows):
        unseen = [n for n in row_names if n not in ids]
        if unseen:
            raise DataError(
                f"{path}, line {line}: label {unseen[0]!r} does not occur in the "
                f"train file (train labels: {list(names)}); fix it or add train rows"
            )
        if multi:
            labels[r, [ids[n] for n in row_names]] = 1
        elif len(row_names) != 1:
            raise DataError(
                f"{path}, line {line}: {len(row_names)} labels in a single-label "
                "dataset; pass label_sep for multi-label data"
            )
        else:
            labels[r] = ids[row_names[0]]
    return Split(tuple(t for _, t, _ in rows), labels)


def _from_label_column(path: Path, files: dict[str, Path], text_column: str,
                       label_column: str, label_sep: str | None
                       ) -> tuple[bool, tuple[str, ...], Split, dict[str, Split]]:
    read = lambda p: read_rows(p, text_column, label_column, label_sep)  # noqa: E731
    rows = read(path)
    extra = {k: (p, read(p)) for k, p in files.items()}
    all_rows = [r for rs in [rows, *(rs for _, rs in extra.values())] for r in rs]
    multi = label_sep is not None or any(len(r[2]) != 1 for r in all_rows)
    names = _sort_names({n for r in rows for n in r[2]})
    if len(names) < 2:
        raise DataError(
            f"{path}: found {len(names)} class(es) {list(names)} in "
            f"column {label_column!r}; a classifier needs at least 2"
        )
    train = _encode(path, rows, names, multi)
    return multi, names, train, {k: _encode(p, rs, names, multi) for k, (p, rs) in extra.items()}


def load_custom(
    path: str | Path,
    *,
    text_column: str = "text",
    label_column: str = "label",
    label_sep: str | None = None,
    label_columns: str | Sequence[str] | None = None,
    ignore_columns: str | Sequence[str] | None = None,
    dev_file: str | Path | None = None,
    test_file: str | Path | None = None,
    split_seed: int = 0,
) -> EmotionDataset:
    path = Path(path)
    if label_sep == "":
        raise DataError("label_sep must be a non-empty string such as ',' or None")
    files = {k: Path(p) for k, p in (("dev", dev_file), ("test", test_file)) if p}
    spec = parse_columns(label_columns, "label_columns")
    ignore = parse_columns(ignore_columns, "ignore_columns") or ()
    if ignore and spec != (ALL,):
        raise DataError(f"ignore_columns only applies with label_columns='all', but got "
                        f"{label_columns=} and {ignore_columns=}")
    if spec is not None and label_sep is not None:
        raise DataError(f"label_sep applies to one label column, not to label_columns (one 0/1 "
                        f"column per label), but got both: {label_sep=}, {label_columns=}")
    if spec is not None:
        multi = True
        names, texts, flags = read_columns(path, text_column=text_column, spec=spec,
                                           ignore=ignore)
        train = Split(texts, flags)
        parts = {k: Split(*read_columns(p, text_column=text_column, spec=spec, ignore=ignore,
                                        names=names)[1:]) for k, p in files.items()}
    else:
        multi, names, train, parts = _from_label_column(path, files, text_column, label_column,
                                                        label_sep)
    missing = [k for k in ("dev", "test") if k not in parts]
    if missing:
        cut = stratified_parts(strat_keys(train.labels), (0.1,) * len(missing), split_seed)
        if any(len(c) == 0 for c in cut):
            raise DataError(
                f"{path}: too few examples ({len(train)}) to cut {' and '.join(missing)} "
                "from it: some class needs at least 3 examples; add rows or pass "
                "dev_file/test_file"
            )
        parts.update({k: train.subset(c) for k, c in zip(missing, cut[1:], strict=True)})
        train = train.subset(cut[0])
    return EmotionDataset(
        path.stem, names, multi, train, parts["dev"], parts["test"], str(path.resolve())
    )
