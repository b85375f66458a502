"""Bring-your-own data files: happy paths and every documented error, with file and line."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from bench.data import load_dataset
from bench.errors import DataError

LABELS = ["joy", "anger", "fear"]


def _rows(n=60):
    return [(f"text number {i}, with a comma", LABELS[i % 3]) for i in range(n)]


def _write_csv(path, rows, header=("text", "label"), delimiter=","):
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def _write(path, text: str | bytes):
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


# --- happy paths -------------------------------------------------------------------------------


@pytest.mark.parametrize("ext, delim", [(".csv", ","), (".tsv", "\t")])
def test_csv_tsv_single_label(tmp_path, ext, delim):
    path = _write_csv(tmp_path / f"mine{ext}", _rows(), delimiter=delim)
    ds = load_dataset(str(path))
    assert ds.name == "mine" and not ds.multi_label
    assert ds.label_names == ("anger", "fear", "joy")  # sorted
    assert (len(ds.train), len(ds.dev), len(ds.test)) == (48, 6, 6)
    assert ds.train.labels.dtype == np.int64
    assert set(ds.train.texts) | set(ds.dev.texts) | set(ds.test.texts) == {t for t, _ in _rows()}
    for split in ds.splits().values():  # stratified: every class in every split
        assert set(split.labels.tolist()) == {0, 1, 2}


def test_jsonl_with_bom_other_columns_and_int_labels(tmp_path):
    lines = [json.dumps({"sentence": f"s{i}", "y": i % 2, "extra": [1]}) for i in range(30)]
    path = _write(tmp_path / "d.jsonl", b"\xef\xbb\xbf" + "\n\n".join(lines).encode() + b"\n")
    ds = load_dataset(path, text_column="sentence", label_column="y")
    assert ds.label_names == ("0", "1") and len(ds.train) + len(ds.dev) + len(ds.test) == 30


def test_numeric_label_names_sort_numerically(tmp_path):
    rows = [(f"t{i}", str(i % 12)) for i in range(120)]
    ds = load_dataset(_write_csv(tmp_path / "n.csv", rows))
    assert ds.label_names[:3] == ("0", "1", "2") and ds.label_names[-1] == "11"


def test_multi_label_with_separator_and_files(tmp_path):
    train = [("a", "joy, fear"), ("b", "anger"), ("c", "joy"), ("d", "joy,joy")]
    dev = [("e", "fear")]
    test = [("f", "anger,joy")]
    ds = load_dataset(
        str(_write_csv(tmp_path / "tr.csv", train)),
        label_sep=",",
        dev_file=_write_csv(tmp_path / "dv.csv", dev),
        test_file=_write_csv(tmp_path / "te.csv", test),
    )
    assert ds.multi_label and ds.label_names == ("anger", "fear", "joy")
    assert ds.train.labels.dtype == np.uint8
    assert ds.train.labels.tolist() == [[0, 1, 1], [1, 0, 0], [0, 0, 1], [0, 0, 1]]
    assert ds.dev.labels.tolist() == [[0, 1, 0]] and ds.test.labels.tolist() == [[1, 0, 1]]


def test_jsonl_list_labels_are_multi_label(tmp_path):
    lines = [{"text": f"t{i}", "label": ["x", "y"][: 1 + i % 2]} for i in range(40)]
    path = _write(tmp_path / "m.jsonl", "\n".join(json.dumps(x) for x in lines))
    ds = load_dataset(path)
    assert ds.multi_label and ds.label_names == ("x", "y")


def test_only_dev_file_cuts_test_from_train(tmp_path):
    ds = load_dataset(
        _write_csv(tmp_path / "tr.csv", _rows()), dev_file=_write_csv(tmp_path / "dv.csv", _rows(6))
    )
    assert (len(ds.train), len(ds.dev), len(ds.test)) == (54, 6, 6)


def test_seeded_split_is_reproducible(tmp_path):
    path = _write_csv(tmp_path / "s.csv", _rows(100))
    a, b = load_dataset(path, split_seed=7), load_dataset(path, split_seed=7)
    assert a.test.texts == b.test.texts and a.fingerprint() == b.fingerprint()
    assert load_dataset(path, split_seed=8).test.texts != a.test.texts


def test_rare_classes_stay_in_train(tmp_path):
    rows = [*_rows(30), ("only once", "rare"), ("twice 1", "pair"), ("twice 2", "pair")]
    ds = load_dataset(_write_csv(tmp_path / "r.csv", rows))
    rare, pair = ds.label_names.index("rare"), ds.label_names.index("pair")
    assert rare in ds.train.labels and rare not in ds.dev.labels and rare not in ds.test.labels
    assert pair in ds.train.labels and pair in ds.test.labels


def test_quoted_multiline_text_kept_exactly(tmp_path):
    text = '  He said "hi",\nthen left  '
    ds = load_dataset(_write_csv(tmp_path / "q.csv", [(text, "a"), ("x", "b")] * 10))
    assert text in ds.train.texts


# --- errors: file name and 1-based line number in the message ---------------------------------


def _error(path, **kwargs) -> str:
    with pytest.raises(DataError) as e:
        load_dataset(str(path), **kwargs)
    assert path.name in str(e.value)
    return str(e.value)


def test_file_not_found(tmp_path):
    assert "not found" in _error(tmp_path / "nope.csv")


def test_unknown_extension(tmp_path):
    assert ".xlsx" in _error(_write(tmp_path / "d.xlsx", "text,label\n"))


def test_empty_and_header_only(tmp_path):
    assert "empty" in _error(_write(tmp_path / "e.csv", ""))
    assert "no data rows" in _error(_write(tmp_path / "h.csv", "text,label\n\n"))
    assert "no data rows" in _error(_write(tmp_path / "e.jsonl", "\n  \n"))


def test_missing_column_lists_columns(tmp_path):
    msg = _error(_write(tmp_path / "c.csv", "sentence,label\nhi,a\n"))
    assert "line 1" in msg and "'text'" in msg and "['sentence', 'label']" in msg
    msg = _error(_write(tmp_path / "c.jsonl", '{"text": "a", "label": "x"}\n{"text": "b"}\n'))
    assert "line 2" in msg and "'label'" in msg


@pytest.mark.parametrize(
    "body, line, words",
    [
        ("text,label\na,x\n,y\n", 3, "empty"),  # empty text
        ("text,label\na,x\n   ,y\n", 3, "empty"),  # whitespace-only text
        ("text,label\na,x\nb,\n", 3, "empty label"),
        ("text,label\na,x\nb,y,z\n", 3, "3 fields"),
        ("text,label\na,x\nb\n", 3, "1 fields"),
        ('text,label\n"a\nb",x\nc,y\n"d,z\n', 5, "fields"),  # line counts span multi-line quotes
    ],
)
def test_row_errors_name_line(tmp_path, body, line, words):
    msg = _error(_write(tmp_path / "rows.csv", body))
    assert f"line {line}" in msg and words in msg


def test_empty_label_piece_with_separator(tmp_path):
    msg = _error(_write(tmp_path / "m.csv", 'text,label\na,x\nb,"x,,y"\n'), label_sep=",")
    assert "line 3" in msg and "empty label" in msg


def test_invalid_utf8_names_line(tmp_path):
    msg = _error(_write(tmp_path / "u.tsv", b"text\tlabel\na\tx\nb\xff\ty\n"))
    assert "line 3" in msg and "UTF-8" in msg


@pytest.mark.parametrize(
    "line2, words",
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "got list"),
        ('{"text": 3, "label": "x"}', "not a string"),
        ('{"text": "a", "label": null}', "label must be"),
        ('{"text": "\\ud800", "label": "x"}', "surrogate"),
        ("[" * 100000, "invalid JSON"),  # deep nesting: RecursionError inside json
    ],
)
def test_jsonl_errors_name_line(tmp_path, line2, words):
    body = '{"text": "a", "label": "x"}\n' + line2 + "\n"
    msg = _error(_write(tmp_path / "j.jsonl", body))
    assert "line 2" in msg and words in msg


def test_dev_label_unseen_in_train(tmp_path):
    dev = _write_csv(tmp_path / "dev.csv", [("a", "joy"), ("b", "surprise")])
    with pytest.raises(DataError) as e:
        load_dataset(_write_csv(tmp_path / "tr.csv", _rows()), dev_file=dev)
    assert "dev.csv, line 3" in str(e.value) and "'surprise'" in str(e.value)


def test_fewer_than_two_classes(tmp_path):
    assert "at least 2" in _error(_write_csv(tmp_path / "one.csv", [("a", "x"), ("b", "x")]))


def test_too_few_examples_to_split(tmp_path):
    msg = _error(_write_csv(tmp_path / "tiny.csv", [("a", "x"), ("b", "y"), ("c", "y")]))
    assert "too few examples" in msg and "dev_file/test_file" in msg


def test_duplicate_column_and_bad_separator(tmp_path):
    assert "more than once" in _error(_write(tmp_path / "d.csv", "text,text,label\na,b,c\n"))
    with pytest.raises(DataError, match="label_sep"):
        load_dataset(str(_write_csv(tmp_path / "ok.csv", _rows())), label_sep="")


def test_dev_file_on_builtin_is_an_error():
    with pytest.raises(DataError, match="only apply to custom files"):
        load_dataset("goemotions", dev_file="x.csv")
