"""Read texts to predict or embed from a file, skipping (and reporting) bad lines.

* .csv / .tsv: a header row, normal CSV quoting, the text in `text_column`; blank rows are
  skipped silently, a row with the wrong number of fields is reported and skipped.
* .jsonl: one JSON object per line with a string under `text_column`.
* anything else: plain text, one text per line (an empty line is an empty text).
Undecodable (non UTF-8) bytes only cost the line that holds them.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.errors import DataError

MAX_REPORTED = 20  # per-line messages; the rest are only counted
_BAD_UTF8 = "bytes are not valid UTF-8; re-save the file as UTF-8"


@dataclass(frozen=True)
class TextInput:
    path: Path
    lines: list[int] = field(default_factory=list)  # 1-based line of each kept text
    texts: list[str] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why)


def _valid_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _plain(raw: bytes, out: TextInput) -> None:
    parts = raw.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()  # the final newline does not start another text
    for line, part in enumerate(parts, start=1):
        try:
            out.texts.append(part.removesuffix(b"\r").decode("utf-8"))
            out.lines.append(line)
        except UnicodeDecodeError:
            out.skipped.append((line, _BAD_UTF8))


def _jsonl(raw: bytes, column: str, out: TextInput) -> None:
    for line, part in enumerate(raw.split(b"\n"), start=1):
        if not part.strip():
            continue
        try:
            obj = json.loads(part.decode("utf-8"))
        except UnicodeDecodeError:
            out.skipped.append((line, _BAD_UTF8))
            continue
        except (ValueError, RecursionError) as exc:
            out.skipped.append((line, f"invalid JSON ({exc})"))
            continue
        text = obj.get(column) if isinstance(obj, dict) else None
        if not isinstance(text, str) or not _valid_utf8(text):
            why = (f"expected a JSON object, got {type(obj).__name__}" if not isinstance(obj, dict)
                   else f"key {column!r} is missing" if column not in obj
                   else f"{column!r} must be a valid string, but got {text!r:.40}")
            out.skipped.append((line, why))
            continue
        out.lines.append(line)
        out.texts.append(text)


def _table(raw: bytes, column: str, delimiter: str, out: TextInput) -> None:
    # surrogateescape keeps bad bytes inside their own row, where they are detected and skipped
    content = raw.decode("utf-8", "surrogateescape")
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    pos, prev = 0, 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # the reader resets itself; go on with the next record
            out.skipped.append((prev + 1, f"cannot parse ({exc}); check the quoting"))
            prev = reader.line_num
            continue
        line, prev = prev + 1, reader.line_num
        if not row:
            continue
        if header is None:
            header = row
            if header.count(column) != 1:
                raise DataError(f"{out.path}, line {line}: needs exactly one column {column!r}, "
                                f"but got columns {header}; pass --text-column NAME")
            pos = header.index(column)
        elif len(row) != len(header):
            span = f" (the record runs to line {prev}: an unclosed quote?)" if prev > line else ""
            out.skipped.append((line, f"{len(row)} fields but the header has {len(header)}{span}"))
        elif not _valid_utf8(row[pos]):
            out.skipped.append((line, _BAD_UTF8))
        else:
            out.lines.append(line)
            out.texts.append(row[pos])


def read_texts(path: str | Path, *, text_column: str = "text") -> TextInput:
    """Every readable text of the file, in order; bad lines land in `.skipped`."""
    path = Path(path)
    try:
        raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    except FileNotFoundError:
        raise DataError(f"{path}: input file not found; check the path") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the input file ({exc.strerror or exc})") from None
    out = TextInput(path)
    ext = path.suffix.lower()
    if ext in (".csv", ".tsv"):
        _table(raw, text_column, "\t" if ext == ".tsv" else ",", out)
    elif ext == ".jsonl":
        _jsonl(raw, text_column, out)
    else:
        _plain(raw, out)
    return out


def report_skipped(inp: TextInput, file=None) -> None:
    """One stderr line per skipped line (up to MAX_REPORTED), then a count."""
    file = file or sys.stderr
    for line, why in inp.skipped[:MAX_REPORTED]:
        print(f"warning: {inp.path}, line {line}: {why}; skipped", file=file)
    if inp.skipped:
        more = len(inp.skipped) - MAX_REPORTED
        tail = f" ({more} not listed)" if more > 0 else ""
        print(f"warning: skipped {len(inp.skipped)} bad line(s) of {inp.path}{tail}; "
              f"kept {len(inp.texts)}", file=file)
