"""`bench report` writes progress.md / progress.csv: the seeds of every cell of the current
tables, a column per objective, so how far a campaign got is read off the records."""

from __future__ import annotations

import argparse
import csv

import pytest

from bench.commands import report as report_cmd
from bench.report.progress import seed_ranges
from tests.test_report import write_run


@pytest.fixture(autouse=True)
def _no_real_data(monkeypatch):
    monkeypatch.delenv("BENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.mark.parametrize(("seeds", "text"), [
    ((0,), "0"), ((1, 0), "0, 1"), ((0, 1, 2), "0–2"), ((4, 0, 1, 2), "0–2, 4"),
    ((0, 2, 3, 5, 6, 7, 9), "0, 2, 3, 5–7, 9"), ((), "")])
def test_seed_ranges(seeds, text):
    assert seed_ranges(seeds) == text


def test_report_writes_seeds_per_cell(tmp_path):
    root = tmp_path / "runs"
    for seed in (0, 1, 2):
        write_run(root, dataset="dair_emotion", loss="softmax", seed=seed, multi_label=False)
    for seed in (0, 2):
        write_run(root, dataset="dair_emotion", loss="proxy_anchor", seed=seed,
                  multi_label=False)
    write_run(root, dataset="dair_emotion", loss="proxy_anchor", seed=1, multi_label=False,
              status="running", name="still-running")  # not complete: not counted
    write_run(root, dataset="tweeteval_emotion", loss="proxy_anchor", seed=0,
              multi_label=False)
    write_run(root, dataset="tweeteval_emotion", loss="softmax", seed=3, multi_label=False,
              head_lr_multiplier="objective", name="legacy")  # before the shared head lr
    out = tmp_path / "tables"
    args = argparse.Namespace(runs=str(root), out=str(out), readme=None, answer=None,
                              allow_missing=False, data_dir=None)
    assert report_cmd.handle(args) == 0
    md = (out / "progress.md").read_text()
    assert "| Setting | Settings | softmax | proxy_anchor |" in md
    assert ("| dair_emotion · frozen · minilm · full | defaults | 0–2 (n=3) | 0, 2 (n=2) |"
            in md)
    assert "| tweeteval_emotion · frozen · minilm · full | defaults | – | 0 (n=1) |" in md
    legacy = [line for line in md.splitlines() if line.startswith("| legacy · ")]
    assert legacy == [md.splitlines()[-3]]  # last row: legacy tables come after the others
    assert legacy[0].startswith("| legacy · tweeteval_emotion · frozen · minilm · full | ")
    assert legacy[0].endswith(" | 3 (n=1) | – |")
    rows = list(csv.DictReader((out / "progress.csv").open()))
    assert [(r["dataset"], r["legacy"], r["objective"], r["runs"], r["seeds"])
            for r in rows] == [
        ("dair_emotion", "0", "softmax", "3", "0 1 2"),
        ("dair_emotion", "0", "proxy_anchor", "2", "0 2"),
        ("tweeteval_emotion", "0", "proxy_anchor", "1", "0"),
        ("tweeteval_emotion", "1", "softmax", "1", "3")]
    assert "(progress.md)" in (out / "index.md").read_text()
    assert report_cmd.handle(args) == 0
    assert (out / "progress.md").read_text() == md  # byte for byte


def test_swept_cells_share_one_row(tmp_path):
    """A +sweep table's rows each carry their own best configuration; progress shows their
    seeds on one row instead of one row per objective."""
    root = tmp_path / "runs"
    tags = ("sweep-final", "budget=8 trials")
    for seed in (0, 1):
        write_run(root, dataset="dair_emotion", loss="softmax", seed=seed, multi_label=False,
                  tags=tags, name=f"soft-{seed}", lr=0.01)
        write_run(root, dataset="dair_emotion", loss="proxy_anchor", seed=seed,
                  multi_label=False, tags=tags, name=f"pa-{seed}", lr=0.02)
    out = tmp_path / "tables"
    args = argparse.Namespace(runs=str(root), out=str(out), readme=None, answer=None,
                              allow_missing=False, data_dir=None)
    assert report_cmd.handle(args) == 0
    rows = [line for line in (out / "progress.md").read_text().splitlines()
            if line.startswith("| dair_emotion")]
    assert rows == ["| dair_emotion · frozen · minilm · full+sweep | each objective's best swept "
                    "configuration | 0, 1 (n=2) | 0, 1 (n=2) |"]
