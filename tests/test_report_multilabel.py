"""`bench report` shows samples Jaccard / F1 for multi-label runs that recorded them, and
leaves the tables of older records (without them) as they were."""

from __future__ import annotations

import json
import shutil

from bench.cli import main
from bench.runner import run
from tests.helpers import quick_config
from tests.test_run_unlabelled import write_joined


def header(md: str) -> list[str]:
    line = next(x for x in md.splitlines() if x.startswith("| Objective"))
    return [c.strip() for c in line.strip("|").split("|")]


def test_jaccard_columns_only_where_every_run_has_them(tiny_encoder, tmp_path, capsys):
    data = write_joined(tmp_path / "joined.csv")
    runs = tmp_path / "runs"
    for loss in ("softmax", "proxy_anchor"):
        run(quick_config(data, tiny_encoder, runs, loss=loss, epochs=1, label_sep=";",
                         save_model=False), progress=False)
    assert main(["report", "--runs", str(runs), "--out", str(tmp_path / "t1"),
                 "--allow-missing"]) == 0
    table = next((tmp_path / "t1").glob("joined-*.md")).read_text()
    assert {"Jaccard", "Samples-F1"} <= set(header(table))
    jaccards = sorted(json.loads(p.read_text())["test"]["jaccard"]
                      for p in runs.glob("*/metrics.json"))
    for value in jaccards:
        assert f"{100 * value:.1f}" in table
    # one record from before the metrics existed: no such column
    old = tmp_path / "old"
    shutil.copytree(runs, old)
    record = next(old.glob("*/metrics.json"))
    metrics = json.loads(record.read_text())
    for key in ("jaccard", "samples_f1", "rows_without_label"):
        del metrics["test"][key]
    record.write_text(json.dumps(metrics))
    assert main(["report", "--runs", str(old), "--out", str(tmp_path / "t2"),
                 "--allow-missing"]) == 0
    columns = header(next((tmp_path / "t2").glob("joined-*.md")).read_text())
    assert "Jaccard" not in columns and "Macro-F1" in columns
    capsys.readouterr()
