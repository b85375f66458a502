"""Reading a bring-your-own .csv/.tsv/.jsonl file into (line, text, labels) rows.

Every malformed input becomes a DataError naming the file and 1-based line (see custom.py
for the rules); no other exception escapes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

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
