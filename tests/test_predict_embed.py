"""`bench predict` / `bench embed` through bench.cli.main, and bench.textinput's bad-line rules."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from pathlib import Path

import numpy as np
import pytest

from bench.api import load_run
from bench.cli import main
from bench.config import RunConfig
from bench.runner import run
from bench.textinput import read_texts

LABELS = ("anger", "fear", "joy")


@pytest.fixture(scope="module")
def run_dir(tiny_encoder, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pe-runs")
    rows = ["text,label"] + [f"text number {i} {LABELS[i % 3]},{LABELS[i % 3]}" for i in range(45)]
    (root / "tiny_emotions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    cfg = RunConfig(loss="softmax", dataset=str(root / "tiny_emotions.csv"), mode="finetune",
                    encoder=tiny_encoder, epochs=1, batch_size=8, device="cpu",
                    output_dir=str(root / "runs"))
    return Path(run(cfg, progress=False).run_dir)


def test_predict_table_names_the_training_dataset(run_dir, capsys):
    assert main(["predict", "--run", str(run_dir), "so happy", "", "line\nbreak"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "trained on 'tiny_emotions'" in out[0] and "anger, fear, joy" in out[0]
    assert len(out) == 2 + 3 and out[4].rstrip().endswith("line\\nbreak")


def test_predict_json_and_csv_agree_with_the_api(run_dir, capsys):
    texts = ["so happy", "", "😀 مرحبا"]
    expected = load_run(run_dir, device="cpu").predict(texts)
    cli = ["predict", "--run", str(run_dir), "--device", "cpu"]
    assert main([*cli, "--format", "json", *texts]) == 0
    got = json.loads(capsys.readouterr().out)
    assert [g["line"] for g in got] == [1, 2, 3]
    assert [{k: g[k] for k in ("text", "labels", "scores")} for g in got] == expected
    assert main([*cli, "--format", "csv", *texts]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["line", "text", "labels", *LABELS]
    assert [r[1] for r in rows[1:]] == texts
    assert [r[2] for r in rows[1:]] == [e["labels"][0] for e in expected]
    np.testing.assert_allclose([float(x) for x in rows[1][3:]],
                               list(expected[0]["scores"].values()), rtol=1e-5)


@pytest.mark.parametrize("name, content, bad_line, kept_lines", [
    ("in.txt", b"first\nsecond\xff\n\nfourth\r\n", 2, [1, 3, 4]),
    ("in.csv", b"id,text\n1,hello\n2,a,b\n3,\"multi\nline\"\n4,bad\xfe\n5,ok\n", 3, [2, 4, 7]),
    ("in.tsv", b"text\tx\nhi\t1\nextra\t1\t2\n", 3, [2]),
    ("in.jsonl", b'{"text": "a"}\n{"text": \n\n{"text": 3}\n{"text": "\xc3\xa9"}\n', 2, [1, 5]),
])
def test_bad_lines_are_reported_and_skipped(tmp_path, capsys, name, content, bad_line, kept_lines):
    path = tmp_path / name
    path.write_bytes(content)
    inp = read_texts(path)
    assert inp.lines == kept_lines and len(inp.texts) == len(kept_lines)
    assert bad_line in [line for line, _ in inp.skipped]
    from bench.textinput import report_skipped

    report_skipped(inp)
    assert f"{path}, line {bad_line}:" in capsys.readouterr().err


def test_predict_input_file_skips_bad_lines(run_dir, tmp_path, capsys):
    path = tmp_path / "in.csv"
    path.write_bytes(b"text,id\nhappy,1\nbroken,2,3\nok \xe2\x9c\x93,3\nbad \xff,4\n\"open,5\nx,6\n")
    code = main(["predict", "--run", str(run_dir), "--input", str(path), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0
    assert [(r["line"], r["text"]) for r in json.loads(captured.out)] == [(2, "happy"),
                                                                       (4, "ok \u2713")]
    for line in (3, 5, 6):
        assert f"{path}, line {line}:" in captured.err
    assert "unclosed quote" in captured.err and "skipped 3 bad line(s)" in captured.err


def test_embed_writes_float32_rows_of_kept_lines(run_dir, tmp_path, capsys):
    path = tmp_path / "texts.txt"
    path.write_bytes(b"one\n\xff\xfe\n\nthree " + b"word " * 300 + b"\n")
    out = tmp_path / "emb.npy"
    assert main(["embed", "--run", str(run_dir), "--input", str(path), "--output", str(out),
                 "--quiet", "--batch-size", "2", "--device", "cpu"]) == 0
    captured = capsys.readouterr()
    emb = np.load(out)
    assert emb.dtype == np.float32 and emb.shape == (3, 32)
    assert "wrote 3 embeddings" in captured.out
    assert "line 2:" in captured.err and "1 text was truncated to 128 tokens" in captured.err
    expected = load_run(run_dir, device="cpu").embed(["one", "", "three " + "word " * 300])
    np.testing.assert_allclose(emb, expected, atol=1e-5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["emb.npy", "texts.txt"]  # no temp left


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is not None, reason="pyarrow installed")
def test_parquet_without_pyarrow_says_how_to_fix(run_dir, tmp_path, capsys):
    (tmp_path / "t.txt").write_text("x\n")
    code = main(["embed", "--run", str(run_dir), "--input", str(tmp_path / "t.txt"),
                 "--output", str(tmp_path / "e.parquet")])
    assert code == 2 and "pip install pyarrow" in capsys.readouterr().err
    assert not (tmp_path / "e.parquet").exists()


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="pyarrow not installed")
def test_parquet_output(run_dir, tmp_path):
    import pyarrow.parquet as pq

    (tmp_path / "t.txt").write_text("x\ny\n")
    assert main(["embed", "--run", str(run_dir), "--input", str(tmp_path / "t.txt"),
                 "--output", str(tmp_path / "e.parquet"), "--quiet"]) == 0
    table = pq.read_table(tmp_path / "e.parquet")
    assert table.column("line").to_pylist() == [1, 2] and table.num_rows == 2


@pytest.mark.parametrize("argv, message", [
    (["predict", "--run", "RUN"], "give texts as arguments or --input"),
    (["predict", "--run", "RUN", "--input", "IN", "also a text"], "one of the two"),
    (["predict", "--run", "RUN", "--input", "missing.txt"], "input file not found"),
    (["predict", "--run", "RUN", "--input", "IN.csv", "--text-column", "body"], "'body'"),
    (["predict", "--run", "RUN", "--batch-size", "0", "x"], "--batch-size must be >= 1"),
    (["predict", "--run", "nowhere", "x"], "run folder not found"),
    (["predict", "--run", "RUN", "--device", "tpu:x", "x"], "device must be auto, cpu"),
    (["embed", "--run", "RUN", "--input", "IN", "--output", "e.txt"], "must end in .npy"),
    (["embed", "--run", "RUN", "--output", "e.npy"], "needs --input"),
])
def test_usage_errors_exit_2_with_one_line(run_dir, tmp_path, capsys, argv, message):
    (tmp_path / "in.txt").write_text("hello\n")
    (tmp_path / "in.csv").write_text("text\nhello\n")
    subs = {"RUN": str(run_dir), "IN": str(tmp_path / "in.txt"), "IN.csv": str(tmp_path / "in.csv"),
            "missing.txt": str(tmp_path / "missing.txt")}
    assert main([subs.get(a, a) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
