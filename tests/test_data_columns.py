"""Multi-label files with rows that carry no label: ';'-joined names with empty cells, and
one 0/1 column per label (`label_columns`), in CSV, TSV and JSONL, with their errors."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from bench.data import load_dataset
from bench.errors import DataError

EMOTIONS = ("anger", "joy", "fear")


def flag_rows(n: int = 40) -> list[dict]:
    """id, text and one 0/1 column per emotion; every 5th row has none, every 7th has two."""
    rows = []
    for i in range(n):
        flags = dict.fromkeys(EMOTIONS, 0)
        if i % 5:
            flags[EMOTIONS[i % 3]] = 1
            if i % 7 == 0:
                flags[EMOTIONS[(i + 1) % 3]] = 1
        rows.append({"id": f"2018-{i}", "text": f"text {i}, with a comma", **flags})
    return rows


def write(path, rows: list[dict], *, header=None):
    header = header or list(rows[0])
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        return path
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, delimiter="\t" if path.suffix == ".tsv" else ",")
        w.writeheader()
        w.writerows(rows)
    return path


def expected(rows: list[dict], names=EMOTIONS) -> np.ndarray:
    return np.array([[r[n] for n in names] for r in rows], np.uint8)


@pytest.mark.parametrize("ext", [".csv", ".tsv", ".jsonl"])
@pytest.mark.parametrize("spec", ["anger,joy,fear", " anger , joy,fear", "all"])
def test_one_column_per_emotion_with_dev_and_test_files(tmp_path, ext, spec):
    rows = flag_rows()
    train, dev, test = (write(tmp_path / f"{k}{ext}", rows[a:b])
                        for k, a, b in (("train", 0, 30), ("dev", 30, 35), ("test", 35, 40)))
    ds = load_dataset(str(train), label_columns=spec, dev_file=dev, test_file=test,
                      ignore_columns="id" if spec == "all" else None)
    assert ds.multi_label and ds.label_names == EMOTIONS  # the order given / of the header
    assert ds.train.labels.dtype == np.uint8
    for split, part in ((ds.train, rows[:30]), (ds.dev, rows[30:35]), (ds.test, rows[35:])):
        assert split.texts == tuple(r["text"] for r in part)
        np.testing.assert_array_equal(split.labels, expected(part))
    assert (ds.train.labels.sum(1) == 0).sum() == 6 and (ds.train.labels.sum(1) == 2).sum() == 4


def test_label_order_follows_the_list_and_dev_columns_may_be_reordered(tmp_path):
    rows = flag_rows()
    train = write(tmp_path / "train.csv", rows[:30])
    dev = write(tmp_path / "dev.csv", rows[30:], header=["fear", "text", "joy", "id", "anger"])
    ds = load_dataset(str(train), label_columns="all", ignore_columns=["id"], dev_file=dev)
    np.testing.assert_array_equal(ds.dev.labels[:, :3], expected(rows[30:]))
    ds = load_dataset(str(train), label_columns=["fear", "anger"], dev_file=dev)
    assert ds.label_names == ("fear", "anger")
    np.testing.assert_array_equal(ds.dev.labels, expected(rows[30:], ("fear", "anger")))


@pytest.mark.parametrize("value", ["true", " TRUE ", "False", "1", "0"])
def test_true_false_spellings(tmp_path, value):
    rows = flag_rows()
    rows[3]["anger"] = value
    ds = load_dataset(str(write(tmp_path / "t.csv", rows)), label_columns="anger,joy,fear",
                      dev_file=write(tmp_path / "d.csv", rows[:5]),
                      test_file=write(tmp_path / "e.csv", rows[:5]))
    assert ds.train.labels[3, 0] == (value.strip().lower() in ("1", "true"))


def test_json_booleans_and_cut_splits_keep_the_empty_rows(tmp_path):
    rows = [{**r, "joy": bool(r["joy"])} for r in flag_rows(100)]
    ds = load_dataset(str(write(tmp_path / "b.jsonl", rows)), label_columns="anger,joy,fear")
    assert sum(len(s) for s in ds.splits().values()) == 100
    for split in ds.splits().values():  # rows with no label are a stratum of their own
        assert (split.labels.sum(1) == 0).any()


@pytest.mark.parametrize("ext, bad, shown", [
    (".csv", "2", "'2'"), (".tsv", "yes", "'yes'"), (".csv", "", "''"), (".csv", "0.5", "'0.5'"),
    (".jsonl", 2, "2"), (".jsonl", None, "None"), (".jsonl", [1], "[1]"), (".jsonl", "x", "'x'"),
])
def test_a_value_other_than_0_1_names_file_line_and_column(tmp_path, ext, bad, shown):
    rows = flag_rows()
    rows[6]["fear"] = bad
    path = write(tmp_path / f"bad{ext}", rows)
    with pytest.raises(DataError) as e:
        load_dataset(str(path), label_columns="anger,joy,fear")
    msg = str(e.value)
    line = 8 if ext != ".jsonl" else 7  # the CSV header is line 1
    assert msg.startswith(f"{path}, line {line}, column 'fear'") and shown in msg
    assert "0/1" in msg and "\n" not in msg
    if ext != ".jsonl":
        assert "(field 5)" in msg


def test_bad_value_in_the_dev_file_names_the_dev_file(tmp_path):
    rows = flag_rows()
    dev = rows[30:]
    dev[2] = {**dev[2], "joy": "-1"}
    dev_path = write(tmp_path / "dev.tsv", dev)
    with pytest.raises(DataError, match=rf"^{dev_path}, line 4, column 'joy'"):
        load_dataset(str(write(tmp_path / "train.tsv", rows[:30])), label_columns="all",
                     ignore_columns="id", dev_file=dev_path)


@pytest.mark.parametrize("kwargs, words", [
    ({"label_columns": "anger,sadness"}, "column 'sadness' is missing"),
    ({"label_columns": "anger"}, "at least 2 label columns"),
    ({"label_columns": "anger,,joy"}, "but got 'anger,,joy'"),
    ({"label_columns": "anger,anger"}, "distinct"),
    ({"label_columns": "text,joy"}, "must not include the text column"),
    ({"label_columns": "all"}, "'2018-0' is not 0/1"),  # the id column was not ignored
    ({"label_columns": "all", "ignore_columns": "idx"}, "'idx'"),
    ({"label_columns": "anger,joy", "ignore_columns": "id"}, "only applies with"),
    ({"label_columns": "anger,joy", "label_sep": ";"}, "label_sep applies to one label column"),
])
def test_option_errors(tmp_path, kwargs, words):
    with pytest.raises(DataError) as e:
        load_dataset(str(write(tmp_path / "o.csv", flag_rows())), **kwargs)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_dev_file_with_other_label_columns(tmp_path):
    rows = flag_rows()
    dev = write(tmp_path / "dev.csv", [{k: v for k, v in r.items() if k != "fear"}
                                        for r in rows[30:]])
    with pytest.raises(DataError, match="dev.csv: label columns"):
        load_dataset(str(write(tmp_path / "t.csv", rows)), label_columns="all",
                     ignore_columns="id", dev_file=dev)
    with pytest.raises(DataError, match="dev.csv, line 1: column 'fear' is missing"):
        load_dataset(str(write(tmp_path / "t.csv", rows)), label_columns="anger,joy,fear",
                     dev_file=dev)


def test_jsonl_row_without_a_label_key(tmp_path):
    rows = flag_rows()
    del rows[4]["joy"]
    with pytest.raises(DataError, match=r"line 5: key 'joy' is missing.*--label-columns"):
        load_dataset(str(write(tmp_path / "k.jsonl", rows)), label_columns="all",
                     ignore_columns="id")


def test_label_columns_on_a_builtin_dataset_is_an_error():
    with pytest.raises(DataError, match="only apply to custom files"):
        load_dataset("goemotions", label_columns="all")


# --- one label column: an empty cell is "no label" in multi-label data only ---------------------


def test_separator_with_empty_cells_gives_all_zero_rows(tmp_path):
    path = tmp_path / "sep.csv"
    path.write_text("text,label\na,joy;fear\nb,\nc,anger\nd,  \ne,joy\n", encoding="utf-8")
    dev = tmp_path / "dev.csv"
    dev.write_text("text,label\nf,\ng,joy\n", encoding="utf-8")
    ds = load_dataset(str(path), label_sep=";", dev_file=dev, test_file=dev)
    assert ds.label_names == ("anger", "fear", "joy")
    assert ds.train.labels.tolist() == [[0, 1, 1], [0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]]
    assert ds.dev.labels.tolist() == [[0, 0, 0], [0, 0, 1]]


def test_jsonl_empty_list_is_a_row_with_no_label(tmp_path):
    lines = [{"text": f"t{i}", "label": [["x"], ["y"], ["x", "y"], []][i % 4]} for i in range(40)]
    path = tmp_path / "l.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    ds = load_dataset(str(path))
    labels = np.concatenate([s.labels for s in ds.splits().values()])
    assert ds.multi_label and (labels.sum(1) == 0).sum() == 10


@pytest.mark.parametrize("body, sep, words", [
    ("text,label\na,x\nb,\nc,y\n", None, "pass --label-sep"),  # single-label: still an error
    ("text,label\na,x\nb,x;\nc,y\n", ";", "must be non-empty"),  # a piece, not the cell
])
def test_empty_label_errors_that_stay(tmp_path, body, sep, words):
    path = tmp_path / "e.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_dataset(str(path), label_sep=sep)
    assert str(e.value).startswith(f"{path}, line 3: empty label") and words in str(e.value)
