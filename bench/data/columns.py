"""Reading a file with one 0/1 column per label (`--label-columns`): a multi-label dataset.

`label_columns` is a tuple of column names, or "all": every column except the text column
and `ignore_columns` (JSONL: every key of the first object). A cell holds 0/1 or true/false
(any case, surrounding spaces ignored; JSON true/false or 0/1 too); a row of zeros is a text
with none of the labels. Anything else is a DataError naming the file, line and column.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.data.fileformat import (
    checked_text,
    column,
    csv_header,
    csv_rows,
    file_content,
    jsonl_objects,
    missing_key,
)
from bench.errors import DataError

ALL = "all"
TRUE, FALSE = ("1", "true"), ("0", "false")
OPTIONS = "--label-columns/--ignore-columns"


def parse_columns(spec: str | Sequence[str] | None, option: str) -> tuple[str, ...] | None:
    """'anger, joy' or ['anger', 'joy'] -> ('anger', 'joy'); 'all' -> ('all',); None -> None."""
    if spec is None:
        return None
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    names = [n.strip() if isinstance(n, str) else n for n in names]
    if not names or any(not isinstance(n, str) or not n for n in names) or \
            len(set(names)) != len(names):
        raise DataError(f"{option} must be distinct, non-empty column names separated by ',' "
                        f"(or 'all'), but got {spec!r}")
    return tuple(names)


def label_names(path: Path, found: Sequence[str], text_column: str,
                spec: tuple[str, ...], ignore: tuple[str, ...]) -> tuple[str, ...]:
    """The label columns of a file whose columns (or first object's keys) are `found`."""
    unknown = [c for c in ignore if c not in found]
    if unknown:
        raise DataError(f"{path}, line 1: --ignore-columns names {unknown[0]!r}, which the file "
                        f"does not have; columns found: {list(found)}")
    if spec == (ALL,):
        names = tuple(c for c in found if c != text_column and c not in ignore)
    else:
        names = spec
        if text_column in names:
            raise DataError(f"--label-columns must not include the text column, but got "
                            f"{text_column!r} in {list(spec)}")
    if len(names) < 2:
        raise DataError(f"{path}: a classifier needs at least 2 label columns, but got "
                        f"{list(names)} from --label-columns {','.join(spec)}; columns found: "
                        f"{list(found)}")
    return names


def _normalise(value: object) -> str:
    """The lower-case text of a flag; anything else becomes a string no flag equals."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and value in (0, 1):
        return str(value)
    return value.strip().lower() if isinstance(value, str) else "\0"


def _flags(path: Path, lines: list[int], names: tuple[str, ...], cells: list[list[object]],
           positions: list[int] | None = None) -> np.ndarray:
    """uint8 (N, C) flags of the raw cells; the first invalid cell is an error."""
    # normalised before numpy sees them: a JSON list in a cell must not become an axis
    text = np.array([[_normalise(v) for v in row] for row in cells], dtype=str)
    valid = np.isin(text, TRUE + FALSE)
    if not valid.all():
        r, c = np.argwhere(~valid)[0]
        where = f"column {names[c]!r}" + ("" if positions is None else f" (field {positions[c] + 1})")
        raise DataError(f"{path}, line {lines[r]}, {where}: {cells[r][c]!r:.40} is not 0/1 or "
                        "true/false; each label column holds one 0/1 flag per text")
    return np.isin(text, TRUE).astype(np.uint8)


def read_columns(path: Path, *, text_column: str, spec: tuple[str, ...], ignore: tuple[str, ...],
                 names: tuple[str, ...] | None = None
                 ) -> tuple[tuple[str, ...], tuple[str, ...], np.ndarray]:
    """(label names, texts, uint8 (N, C) flags); `names` (train's) must match this file's."""
    ext, content = file_content(path)
    lines: list[int] = []
    texts: list[str] = []
    cells: list[list[object]] = []
    if ext == ".jsonl":
        positions, found = None, None
        for line, obj in jsonl_objects(path, content):
            if found is None:
                found = label_names(path, list(obj), text_column, spec, ignore)
            for key in (text_column, *found):
                if key not in obj:
                    raise missing_key(path, line, obj, key, f"--text-column/{OPTIONS}")
            lines.append(line)
            texts.append(checked_text(path, line, obj[text_column], text_column))
            cells.append([obj[k] for k in found])
    else:
        delimiter = "\t" if ext == ".tsv" else ","
        header = csv_header(path, content, delimiter)
        found = label_names(path, header, text_column, spec, ignore)
        text_pos = column(path, header, text_column)
        positions = [column(path, header, n, OPTIONS) for n in found]
        for line, _, row in csv_rows(path, content, delimiter):
            lines.append(line)
            texts.append(checked_text(path, line, row[text_pos], text_column))
            cells.append([row[j] for j in positions])
    if not lines or found is None:
        raise DataError(f"{path}: no data rows (only a header or blank lines); add examples")
    if names is not None and set(found) != set(names):
        raise DataError(f"{path}: label columns {list(found)} differ from the train file's "
                        f"{list(names)}; every file needs the same label columns")
    flags = _flags(path, lines, found, cells, positions)
    if names is not None:  # train's column order
        flags = flags[:, [found.index(n) for n in names]]
    return names or found, tuple(texts), flags
