"""Bring-your-own data: one labelled .csv, .tsv or .jsonl file, optionally with dev/test files.

Rules (each violation is a DataError naming the file, the 1-based line and what to do):
* UTF-8 (a leading BOM is fine). CSV/TSV have a header row and normal CSV quoting;
  blank lines are skipped; every row needs as many fields as the header.
* JSONL: one JSON object per line; blank lines are skipped.
* Texts are kept exactly as read, but an empty or whitespace-only text is an error:
  it is almost always a parsing mistake and carries no signal.
* Labels are names; surrounding whitespace is stripped. With `label_sep` (or JSON list
  labels) a row may carry several names and the dataset is multi-label.
* Label names are the sorted union of the train labels (numeric order if all are
  integers); a dev/test label never seen in train is an error.
* Without dev/test files, the missing parts are cut from the train file by a seeded
  stratified split (10% each; see sampling.stratified_parts for rare classes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

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


def load_custom(
    path: str | Path,
    *,
    text_column: str = "text",
    label_column: str = "label",
    label_sep: str | None = None,
    dev_file: str | Path | None = None,
    test_file: str | Path | None = None,
    split_seed: int = 0,
) -> EmotionDataset:
    path = Path(path)
    if label_sep == "":
        raise DataError("label_sep must be a non-empty string such as ',' or None")
    read = lambda p: read_rows(Path(p), text_column, label_column, label_sep)  # noqa: E731
    rows = read(path)
    extra = {k: (Path(p), read(p)) for k, p in (("dev", dev_file), ("test", test_file)) if p}
    all_rows = [r for rs in [rows, *(rs for _, rs in extra.values())] for r in rs]
    multi = label_sep is not None or any(len(r[2]) > 1 for r in all_rows)
    names = _sort_names({n for r in rows for n in r[2]})
    if len(names) < 2:
        raise DataError(
            f"{path}: found {len(names)} class(es) {list(names)} in "
            f"column {label_column!r}; a classifier needs at least 2"
        )
    train = _encode(path, rows, names, multi)
    parts = {k: _encode(p, rs, names, multi) for k, (p, rs) in extra.items()}
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
