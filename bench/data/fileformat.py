"""The file formats of bring-your-own data: UTF-8 CSV/TSV with a header row, and JSON lines.

Every malformed input becomes a DataError naming the file and 1-based line; the readers of
one label column (reader.py) and of one 0/1 column per label (columns.py) share these.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from bench.errors import DataError

EXTENSIONS = (".csv", ".tsv", ".jsonl")


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


def file_content(path: Path) -> tuple[str, str]:
    """(lower-case extension, UTF-8 text) of a data file of a supported type."""
    ext = path.suffix.lower()
    if ext not in EXTENSIONS:
        raise DataError(f"{path}: unknown file type {ext!r}; use one of {', '.join(EXTENSIONS)}")
    return ext, read_utf8(path)


def csv_rows(path: Path, content: str, delimiter: str):
    """Yield (line, header, fields) of each data row of a CSV/TSV with a header row."""
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
                continue
            if len(row) != len(header):
                raise DataError(
                    f"{path}, line {line}: {len(row)} fields but the header has {len(header)}; "
                    f"quote fields that contain {delimiter!r}, quotes or line breaks"
                )
            yield line, header, row
    except csv.Error as e:
        raise DataError(
            f"{path}, line {reader.line_num}: cannot parse ({e}); check the quoting"
        ) from None
    if header is None:
        raise DataError(f"{path}: the file is empty; it needs a header row and data rows")


def csv_header(path: Path, content: str, delimiter: str) -> list[str]:
    """The header row alone (an empty file is an error, as in csv_rows)."""
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if row:
                return row
    except csv.Error as e:
        raise DataError(
            f"{path}, line {reader.line_num}: cannot parse ({e}); check the quoting"
        ) from None
    raise DataError(f"{path}: the file is empty; it needs a header row and data rows")


def column(path: Path, header: list[str], name: str,
           options: str = "--text-column/--label-column") -> int:
    if header.count(name) != 1:
        problem = "is missing" if name not in header else "appears more than once"
        raise DataError(
            f"{path}, line 1: column {name!r} {problem}; columns found: {header}. "
            f"Pass {options} to pick other columns"
        )
    return header.index(name)


def jsonl_objects(path: Path, content: str):
    """Yield (line, object) of each non-blank line of a JSON-lines file."""
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
        yield line, obj


def missing_key(path: Path, line: int, obj: dict, key: str,
                options: str = "--text-column/--label-column") -> DataError:
    return DataError(
        f"{path}, line {line}: key {key!r} is missing; keys found: "
        f"{sorted(obj)[:20]}. Pass {options}"
    )


def checked_text(path: Path, line: int, text: object, text_col: str) -> str:
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
    return text
