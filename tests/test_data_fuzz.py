"""Fuzz the custom-file reader: any bytes either load or raise DataError naming the file."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.data import load_dataset
from bench.errors import DataError

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces that stress the parsers: delimiters, quotes, line breaks, BOM, NUL, invalid UTF-8.
TOKENS = [
    b",",
    b"\t",
    b'"',
    b"'",
    b"\n",
    b"\r\n",
    b"\r",
    b"\\",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xe2\x80\xa8",
    b"text",
    b"label",
    b"joy",
    b"anger",
    b" ",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"null",
    b"1",
    b"\\ud800",
    b"\xf0\x9f\x98\x80",
]
token_soup = st.lists(st.sampled_from(TOKENS), max_size=60).map(b"".join)
noise = st.one_of(st.binary(max_size=200), token_soup)
cell = st.one_of(st.text(max_size=8), st.sampled_from(["", " ", '"', '""', "a,b", "a\tb", "x\ny"]))


def _check(data: bytes, suffix: str, **kwargs) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            ds = load_dataset(str(path), **kwargs)
        except DataError as e:
            assert "fuzz" in str(e), str(e)
            return
        assert ds.num_classes >= 2 and len(ds.train) >= 1 and len(ds.test) >= 1
        assert ds.fingerprint()


def _with_header(body: bytes, sep: bytes) -> bytes:
    return b"text" + sep + b"label\n" + body


@FUZZ
@given(body=noise, header=st.booleans(), multi=st.booleans())
def test_csv_fuzz(body, header, multi):
    _check(_with_header(body, b",") if header else body, ".csv", label_sep="," if multi else None)


label_cell = st.sampled_from(["a", "b", "c", "a,b", " b ", ""])
row = st.one_of(
    st.tuples(cell | st.sampled_from(["hi", "x y"]), label_cell).map(list),
    st.lists(cell, max_size=4),  # missing or extra fields
)


@FUZZ
@given(rows=st.lists(row, max_size=30), quote=st.booleans(), multi=st.booleans())
def test_tsv_fuzz_structured(rows, quote, multi):
    lines = ["text\tlabel"] + ["\t".join(f'"{c}"' if quote else c for c in r) for r in rows]
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    _check(data, ".tsv", label_sep="," if multi else None)


def _valid_csv(n: int) -> bytes:
    return b"text,label\n" + b"".join(
        b'"t %d, ok",%s\n' % (i, b"abc"[i % 3 : i % 3 + 1]) for i in range(n)
    )


@FUZZ
@given(n=st.integers(0, 30), edits=st.lists(st.tuples(st.integers(0, 10**6), noise), max_size=4))
def test_csv_fuzz_mutated(n, edits):
    data = _valid_csv(n)
    for pos, junk in edits:  # splice junk into a valid file at random places
        pos %= len(data) + 1
        data = data[:pos] + junk + data[pos:]
    _check(data, ".csv")


@FUZZ
@given(body=noise)
def test_tsv_fuzz_bytes(body):
    _check(_with_header(body, b"\t"), ".tsv")


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3)
    ),
    max_leaves=8,
)
json_text = st.text(min_size=1, max_size=10) | json_value
json_label = st.sampled_from(["a", "b", "c", "a,b"]) | st.lists(st.sampled_from("abc")) | json_value
json_line = st.one_of(
    st.fixed_dictionaries({"text": json_text, "label": json_label}).map(json.dumps),
    st.fixed_dictionaries({"text": json_text, "label": json_label}).map(json.dumps),
    json_value.map(json.dumps),
    st.text(max_size=30),
)


@FUZZ
@given(
    lines=st.lists(json_line, max_size=30),
    junk=st.just(b"") | noise,
    sep=st.sampled_from([None, ","]),
)
def test_jsonl_fuzz(lines, junk, sep):
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n" + junk
    _check(data, ".jsonl", label_sep=sep)


@FUZZ
@given(
    n=st.integers(min_value=0, max_value=40), labels=st.lists(st.sampled_from("abc"), max_size=40)
)
def test_valid_csv_loads_or_explains(n, labels):
    rows = "".join(f"t{i},{lab}\n" for i, lab in enumerate(labels[:n]))
    _check(b"text,label\n" + rows.encode(), ".csv")
