"""`bench report` writes cost.md / cost.csv: training and evaluation hours per row of every
table, from the records' own timings, with where each run ran; totals per table and overall."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pytest

from bench.commands import report as report_cmd
from bench.report.cells import group_cells
from bench.report.collect import scan_runs
from bench.report.cost import cost_rows
from bench.report.tables import build_tables
from tests.test_report import write_run


@pytest.fixture(autouse=True)
def _no_real_data(monkeypatch):
    monkeypatch.delenv("BENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def timed(root: Path, loss: str, seed: int, timings: dict | None, env: dict) -> None:
    run = write_run(root, dataset="dair_emotion", loss=loss, seed=seed, multi_label=False,
                    extra={"timings": timings} if timings is not None else None)
    if timings is None:
        metrics = json.loads((run / "metrics.json").read_text())
        del metrics["timings"]
        (run / "metrics.json").write_text(json.dumps(metrics))
    (run / "env.json").write_text(json.dumps({"git_commit": "abc", **env}))


CPU1 = {"device": "cpu", "torch_threads": 1}
CPU2 = {"device": "cpu", "torch_threads": 2}
GPU = {"device": "cuda", "cuda_device": "NVIDIA H100 80GB HBM3", "torch_threads": 16}


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "runs"
    timed(root, "softmax", 0, {"train": 3600.0, "evaluate": 36.0, "total": 1.0}, CPU2)
    timed(root, "softmax", 1, {"train": 1800.0, "evaluate": 18.0, "total": 1.0}, CPU1)
    timed(root, "softmax", 2, {"train": 900.0, "total": 1.0}, CPU1)  # no evaluate time
    timed(root, "proxy_anchor", 0, {"train": 7.5, "evaluate": 1.0}, GPU)
    timed(root, "proxy_anchor", 1, None, CPU2)  # no timings at all: untimed
    return root


def test_rows_sum_the_records_timings(tree):
    rows = {r.objective: r for r in cost_rows(build_tables(group_cells(scan_runs(tree)[0])))}
    soft, pa = rows["softmax"], rows["proxy_anchor"]
    assert (soft.runs, soft.timed, soft.train, soft.evaluate) == (3, 3, 6300.0, 54.0)
    assert soft.median_train == 1800.0 and soft.devices == ("cpu ×1", "cpu ×2")
    assert (pa.runs, pa.timed, pa.train, pa.evaluate, pa.median_train) == (2, 1, 7.5, 1.0, 7.5)
    assert pa.devices == ("NVIDIA H100 80GB HBM3", "cpu ×2")


def test_report_writes_cost_files_with_totals(tree, tmp_path):
    out = tmp_path / "tables"
    args = argparse.Namespace(runs=str(tree), out=str(out), readme=None, answer=None,
                              allow_missing=False, data_dir=None)
    assert report_cmd.handle(args) == 0
    md = (out / "cost.md").read_text()
    setting = "dair_emotion · frozen · minilm · full"
    assert f"| {setting} | softmax | 3 | 1.75 | 0.01 | 1800 | cpu ×1, cpu ×2 |" in md
    assert (f"| {setting} | proxy_anchor | 2 (1 untimed) | 0.00 | 0.00 | 7.5 | "
            "NVIDIA H100 80GB HBM3, cpu ×2 |") in md
    assert f"| {setting} | all rows | 5 (1 untimed) | 1.75 | 0.02 |  |  |" in md
    assert "| **All tables** | **all rows** | **5 (1 untimed)** | **1.75** | **0.02** |" in md
    rows = list(csv.DictReader((out / "cost.csv").open()))
    assert [(r["objective"], r["runs"], r["timed_runs"], r["train_seconds"]) for r in rows] == [
        ("softmax", "3", "3", "6300.0"), ("proxy_anchor", "2", "1", "7.5")]
    assert "[What every cell cost to compute](cost.md)" in (out / "index.md").read_text()
    before = md
    assert report_cmd.handle(args) == 0
    assert (out / "cost.md").read_text() == before  # byte-identical on regeneration


def test_results_readme_links_the_cost_and_never_shows_it_as_a_score_table(tree, tmp_path):
    from bench.report.readme import update_readme

    out = tmp_path / "tables"
    args = argparse.Namespace(runs=str(tree), out=str(out), allow_missing=False, data_dir=None)
    assert report_cmd.handle(args) == 0
    readme = tmp_path / "README.md"
    update_readme(readme, out)
    text = readme.read_text()
    assert ("## What every cell cost to compute\n\nToo long to show here (a row per objective "
            "of every table): [cost.md](tables/cost.md) ([CSV](tables/cost.csv))") in text
    assert "cost.tex" not in text and "| all rows |" not in text


def test_a_record_naming_its_cpu_shows_it_where_it_ran():
    from types import SimpleNamespace

    from bench.report.cost import device

    def ran(**env):
        return device(SimpleNamespace(env=env))
    assert ran(device="cpu", torch_threads=1, cpu_model="AMD EPYC") == "cpu ×1 (AMD EPYC)"
    assert ran(device="cpu", torch_threads=2, cpu_model=None) == "cpu ×2"
    assert ran(device="cuda", cuda_device="NVIDIA H200", cpu_model="x") == "NVIDIA H200"
