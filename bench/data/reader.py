"""Reading a bring-your-own .csv/.tsv/.jsonl file with one label column into
(line, text, labels) rows.

Every malformed input becomes a DataError naming the file and 1-based line (see custom.py
for the rules); no other exception escapes.
"""

from __future__ import annotations

from pathlib import Path

from bench.data.fileformat import (  # noqa: F401  (EXTENSIONS, read_utf8: used from here)
    EXTENSIONS,
    checked_text,
    column,
    csv_header,
    csv_rows,
    file_content,
    jsonl_objects,
    missing_key,
    read_utf8,
)
from bench.errors import DataError

Row = tuple[int, str, tuple[str, ...]]  # (line, text, label names)


def _csv_records(path: Path, content: str, delimiter: str, cols: tuple[str, str]):
    """Yield (line, text, raw label) from a CSV/TSV with a header row."""
    header = csv_header(path, content, delimiter)
    pos = [column(path, header, c) for c in cols]
    for line, _, row in csv_rows(path, content, delimiter):
        yield line, row[pos[0]], row[pos[1]]


def _jsonl_records(path: Path, content: str, cols: tuple[str, str]):
    """Yield (line, text, raw label) from a JSON-lines file."""
    for line, obj in jsonl_objects(path, content):
        for c in cols:
            if c not in obj:
                raise missing_key(path, line, obj, c)
        yield line, obj[cols[0]], obj[cols[1]]


def _labels(path: Path, line: int, raw: object, sep: str | None) -> tuple[str, ...]:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, str) and sep is None:
        names = [raw]
    elif isinstance(raw, str):  # multi-label: an empty cell is a row with none of the labels
        names = raw.split(sep) if raw.strip() else []
    elif isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        names = raw  # [] is a row with none of the labels
    else:
        raise DataError(
            f"{path}, line {line}: label must be a name (string) or a list of "
            f"names, got {type(raw).__name__}"
        )
    names = [n.strip() for n in names]
    if any(not n for n in names):
        hint = ("every label name must be non-empty (an empty cell means no label)" if sep
                else "every row needs a label name; for multi-label data with rows that carry "
                     "no label, pass --label-sep (an empty cell is then no label)")
        raise DataError(f"{path}, line {line}: empty label in {raw!r:.80}; {hint}")
    return tuple(dict.fromkeys(names))


def read_rows(path: Path, text_col: str, label_col: str, sep: str | None) -> list[Row]:
    """Parse one file into rows; every malformed input becomes a DataError naming the file."""
    ext, content = file_content(path)
    cols = (text_col, label_col)
    records = (
        _jsonl_records(path, content, cols)
        if ext == ".jsonl"
        else _csv_records(path, content, "\t" if ext == ".tsv" else ",", cols)
    )
    rows: list[Row] = [(line, checked_text(path, line, text, text_col),
                        _labels(path, line, raw_label, sep))
                       for line, text, raw_label in records]
    if not rows:
        raise DataError(f"{path}: no data rows (only a header or blank lines); add examples")
    return rows
