"""benchmarks/campaign_v2.py: the plan it prints and the epoch lines it reads from checkpoints."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "campaign_v2.py"


def load_driver():
    spec = importlib.util.spec_from_file_location("campaign_v2", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_run(out: Path, driver, cell: tuple, *, complete: bool, curve: list[dict] = ()):
    folder = out / f"{cell[0]}-{cell[1]}-finetune-s{cell[2]}-20261127-000000-abcdef"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"identity": driver.identity(*cell)}))
    (folder / "status.json").write_text(json.dumps({"status": "complete" if complete
                                                    else "running"}))
    if complete:
        (folder / "metrics.json").write_text(json.dumps({"timings": {"total": 600.0, "train": 550.0}}))
    else:
        (folder / "checkpoint").mkdir()
        (folder / "checkpoint" / "state.json").write_text(json.dumps({"result": {"curve": curve}}))
    return folder


def test_plan_counts_complete_resumable_and_left(tmp_path):
    driver = load_driver()
    fake_run(tmp_path, driver, ("dair_emotion", "softmax", 0), complete=True)
    fake_run(tmp_path, driver, ("dair_emotion", "triplet", 0), complete=False)
    out = subprocess.run([sys.executable, str(SCRIPT), "--plan", "--out", str(tmp_path),
                          "--datasets", "dair_emotion", "--seeds", "2"],
                         capture_output=True, text=True, check=True).stdout
    assert "campaign v2: 10 cells, 1 complete, 9 to run (1 resumable)" in out
    # 9 left at the median 600 s of the one finished run
    assert "dair_emotion: 1 complete, 1 resumable, 9 to run; ~1.5 h at the median 600 s" in out
    assert "seed 0: proxy_anchor, proxy_nca, triplet*, supcon" in out
    assert "seed 1: softmax, proxy_anchor, proxy_nca, triplet, supcon" in out


def test_epoch_lines_come_from_the_checkpoint_curve(tmp_path):
    driver = load_driver()
    cell = ("tweeteval_emotion", "supcon", 1)
    rows = [{"epoch": 1, "dev_macro_f1": 0.5, "train_loss": 2.0, "seconds": 10.0},
            {"epoch": 2, "dev_macro_f1": 0.6, "train_loss": 1.5, "seconds": 11.0}]
    folder = fake_run(tmp_path, driver, cell, complete=False, curve=rows)
    assert driver.run_folder(tmp_path, cell, driver.identity(*cell)) == folder
    assert driver.run_folder(tmp_path, cell, "another identity") is None
    assert driver.new_epochs(folder, 0) == rows
    assert driver.new_epochs(folder, 1) == rows[1:]
    assert driver.new_epochs(None, 0) == []  # the run has not made its folder yet
    (folder / "checkpoint" / "state.json").write_text("{not json")  # mid-swap or damaged
    assert driver.new_epochs(folder, 0) == []
