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

import csv
import io
import json
from pathlib import Path

import numpy as np

from bench.data.sampling import strat_keys, stratified_parts
from bench.data.types import EmotionDataset, Split
from bench.errors import DataError

EXTENSIONS = (".csv", ".tsv", ".jsonl")
Row = tuple[int, str, tuple[str, ...]]  # (line, text, label names)


def read_utf8(path: Path) -> str:
    """The file's text; undecodable bytes are reported with their line number."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found; check the path") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read the file ({e.strerror or e})") from None
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise DataError(
            f"{path}, line {line}: bytes are not valid UTF-8 ({e.reason} at byte {e.start}); "
            "re-save the file as UTF-8"
        ) from None


def _csv_records(path: Path, content: str, delimiter: str, cols: tuple[str, str]):
    """Yield (line, text, raw label) from a CSV/TSV with a header row."""
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    prev = 0
    try:
        for row in reader:
            line, prev = prev + 1, reader.line_num
            if not row:
                continue
            if header is None:
                header = row
                pos = [_column(path, header, c) for c in cols]
                continue
            if len(row) != len(header):
                raise DataError(
                    f"{path}, line {line}: {len(row)} fields but the header has {len(header)}; "
                    f"quote fields that contain {delimiter!r}, quotes or line breaks"
                )
            yield line, row[pos[0]], row[pos[1]]
    except csv.Error as e:
        raise DataError(
            f"{path}, line {reader.line_num}: cannot parse ({e}); check the quoting"
        ) from None
    if header is None:
        raise DataError(f"{path}: the file is empty; it needs a header row and data rows")


def _column(path: Path, header: list[str], name: str) -> int:
    if header.count(name) != 1:
        problem = "is missing" if name not in header else "appears more than once"
        raise DataError(
            f"{path}, line 1: column {name!r} {problem}; columns found: {header}. "
            "Pass --text-column/--label-column to pick other columns"
        )
    return header.index(name)


def _jsonl_records(path: Path, content: str, cols: tuple[str, str]):
    """Yield (line, text, raw label) from a JSON-lines file."""
    for line, raw in enumerate(content.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError) as e:
            raise DataError(
                f"{path}, line {line}: invalid JSON ({e}); each line must hold one JSON object"
            ) from None
        if not isinstance(obj, dict):
            raise DataError(
                f"{path}, line {line}: expected a JSON object, "
                f"got {type(obj).__name__}; write one {{...}} object per line"
            )
        for c in cols:
            if c not in obj:
                raise DataError(
                    f"{path}, line {line}: key {c!r} is missing; keys found: "
                    f"{sorted(obj)[:20]}. Pass --text-column/--label-column"
                )
        yield line, obj[cols[0]], obj[cols[1]]


def _labels(path: Path, line: int, raw: object, sep: str | None) -> tuple[str, ...]:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, str):
        names = raw.split(sep) if sep is not None else [raw]
    elif isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        names = raw
    else:
        raise DataError(
            f"{path}, line {line}: label must be a name (string) or a list of "
            f"names, got {type(raw).__name__}"
        )
    names = [n.strip() for n in names]
    if not names or any(not n for n in names):
        raise DataError(
            f"{path}, line {line}: empty label in {raw!r:.80}; "
            "every row needs at least one non-empty label name"
        )
    return tuple(dict.fromkeys(names))


def read_rows(path: Path, text_col: str, label_col: str, sep: str | None) -> list[Row]:
    """Parse one file into rows; every malformed input becomes a DataError naming the file."""
    ext = path.suffix.lower()
    if ext not in EXTENSIONS:
        raise DataError(f"{path}: unknown file type {ext!r}; use one of {', '.join(EXTENSIONS)}")
    content = read_utf8(path)
    cols = (text_col, label_col)
    records = (
        _jsonl_records(path, content, cols)
        if ext == ".jsonl"
        else _csv_records(path, content, "\t" if ext == ".tsv" else ",", cols)
    )
    rows: list[Row] = []
    for line, text, raw_label in records:
        if not isinstance(text, str) or not text.strip():
            raise DataError(
                f"{path}, line {line}: text in {text_col!r} is empty or not a "
                f"string ({text!r:.40}); fill it in or delete the row"
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise DataError(
                f"{path}, line {line}: text contains an unpaired surrogate "
                "escape (e.g. \\ud800); fix the JSON string"
            ) from None
        rows.append((line, text, _labels(path, line, raw_label, sep)))
    if not rows:
        raise DataError(f"{path}: no data rows (only a header or blank lines); add examples")
    return rows


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
