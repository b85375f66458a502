"""End to end with texts that carry no emotion: ';'-joined labels with empty cells, and one
0/1 column per emotion with separate dev and test files, in frozen and fine-tune mode; the
run records its prediction rule, and `bench predict` / load_run(...).predict follow it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from bench.api import load_run
from bench.cli import main
from bench.metrics import AT_LEAST_ONE, MAY_BE_EMPTY, predict
from bench.runner import load_data, run
from tests.helpers import quick_config

WORDS = {"anger": "mad angry furious", "fear": "scared afraid worried",
         "joy": "happy glad great"}
NEUTRAL = "the bus left at noon as planned".split()


def rows(n: int, offset: int = 0) -> list[tuple[str, tuple[str, ...]]]:
    """Every 4th text has no emotion; every 5th of the rest has two."""
    names, out = list(WORDS), []
    for i in range(offset, offset + n):
        if i % 4 == 0:
            out.append((f"{NEUTRAL[i % 7]} {NEUTRAL[(i + 3) % 7]} {i}", ()))
            continue
        a, b = names[i % 3], names[(i + 1) % 3]
        labels = (a, b) if i % 5 == 0 else (a,)
        words = " ".join(WORDS[x].split()[i % 3] for x in labels)
        out.append((f"i am {words} {i}", labels))
    return out


def write_joined(path: Path, n: int = 80) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows((t, ";".join(labels)) for t, labels in rows(n))
    return path


def write_columns(folder: Path) -> dict[str, Path]:
    """train/dev/test TSVs with an id column, the text and one 0/1 column per emotion."""
    paths = {}
    for split, n, offset in (("train", 64, 0), ("dev", 24, 64), ("test", 24, 88)):
        paths[split] = folder / f"{split}.tsv"
        with paths[split].open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter="\t")
            w.writerow(["id", "text", *WORDS])
            w.writerows([f"{split}-{i}", t, *(int(e in labels) for e in WORDS)]
                        for i, (t, labels) in enumerate(rows(n, offset)))
    return paths


def check_record(run_dir: Path) -> dict:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["dataset"]["multi_label"] and metrics["multi_label_rule"] == MAY_BE_EMPTY
    assert "no class predicted" in metrics["prediction_rule"]
    for split in ("dev", "test"):
        m = metrics[split]
        assert 0 <= m["jaccard"] <= 1 and 0 <= m["samples_f1"] <= 1 and m["rows_without_label"] > 0
    return metrics


@pytest.mark.parametrize("mode, loss", [("frozen", "triplet"), ("finetune", "proxy_nca")])
def test_joined_labels_with_empty_cells(mode, loss, tiny_encoder, tmp_path):
    data = write_joined(tmp_path / "joined.csv")
    cfg = quick_config(data, tiny_encoder, tmp_path / "runs", loss=loss, mode=mode,
                       label_sep=";")
    out = run(cfg, progress=False)
    check_record(out.run_dir)
    ds = load_data(cfg)
    assert (ds.train.labels.sum(1) == 0).any() and (ds.test.labels.sum(1) == 0).any()
    # reloaded, the run predicts exactly its recorded test predictions (same rule)
    model = load_run(out.run_dir, device="cpu",
                     encoder=tiny_encoder if mode == "frozen" else None)
    saved = np.load(out.run_dir / "test_predictions.npz")["predictions"]
    np.testing.assert_array_equal(model.predict_ids(list(ds.test.texts)), saved)


@pytest.mark.parametrize("mode, loss", [("frozen", "supcon"), ("finetune", "proxy_anchor")])
def test_one_column_per_emotion_through_the_cli(mode, loss, tiny_encoder, tmp_path, capsys):
    files = write_columns(tmp_path)
    out_dir = tmp_path / "runs"
    code = main(["run", "--loss", loss, "--mode", mode, "--dataset", str(files["train"]),
                 "--dev-file", str(files["dev"]), "--test-file", str(files["test"]),
                 "--label-columns", "all", "--ignore-columns", "id", "--encoder", tiny_encoder,
                 "--epochs", "2", "--batch-size", "8", "--max-length", "32", "--quiet",
                 "--output-dir", str(out_dir)])
    printed = capsys.readouterr().out
    assert code == 0
    run_dir = next(out_dir.iterdir())
    metrics = check_record(run_dir)
    for key in ("jaccard", "samples_f1"):
        assert f"{key:<16}{metrics['test'][key]:.4f}" in printed
    config = json.loads((run_dir / "config.json").read_text())
    assert config["label_columns"] == "all" and config["ignore_columns"] == "id"
    assert metrics["dataset"]["sizes"] == {"train": 64, "dev": 24, "test": 24}
    assert metrics["dataset"]["label_names"] == list(WORDS)


def test_saved_rule_decides_empty_predictions(tiny_encoder, tmp_path):
    """Thresholds above every score: the may-be-empty run predicts nothing, a run whose
    training rows all carry a label still predicts its top class (the old rule)."""
    empty_ok = write_joined(tmp_path / "joined.csv")
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("\n".join(line for line in empty_ok.read_text().splitlines()
                                  if not line.endswith(",")) + "\n", encoding="utf-8")
    texts = ["i am happy", "the bus left"]
    for data, rule in ((empty_ok, MAY_BE_EMPTY), (labelled, AT_LEAST_ONE)):
        cfg = quick_config(data, tiny_encoder, tmp_path / rule, loss="softmax", epochs=1,
                           label_sep=";")
        run_dir = run(cfg, progress=False).run_dir
        assert json.loads((run_dir / "model" / "run.json").read_text())["multi_label_rule"] == rule
        model = load_run(run_dir, device="cpu", encoder=tiny_encoder)
        assert model.multi_label_rule == rule
        model.thresholds = np.full(3, np.inf, np.float32)
        scores = model.scores(texts)
        got = [p["labels"] for p in model.predict(texts)]
        if rule == MAY_BE_EMPTY:
            assert got == [[], []]
        else:
            assert got == [[model.label_names[int(i)]] for i in scores.argmax(1)]
        np.testing.assert_array_equal(model.predict_ids(texts),
                                      predict(scores, model.thresholds,
                                              allow_empty=rule == MAY_BE_EMPTY))
    # an old manifest without the field keeps the at-least-one rule
    legacy = json.loads((run_dir / "model" / "run.json").read_text())
    del legacy["multi_label_rule"]
    (run_dir / "model" / "run.json").write_text(json.dumps(legacy))
    assert load_run(run_dir, device="cpu", encoder=tiny_encoder).multi_label_rule == AT_LEAST_ONE


def test_predict_table_shows_no_label(tiny_encoder, tmp_path, capsys):
    cfg = quick_config(write_joined(tmp_path / "joined.csv"), tiny_encoder, tmp_path / "runs",
                       loss="proxy_anchor", epochs=1, label_sep=";")
    run_dir = run(cfg, progress=False).run_dir
    manifest = json.loads((run_dir / "model" / "run.json").read_text())
    manifest["thresholds"] = [1e9] * 3  # nothing clears its threshold
    (run_dir / "model" / "run.json").write_text(json.dumps(manifest))
    argv = ["predict", "--run", str(run_dir), "--encoder", tiny_encoder, "--device", "cpu"]
    assert main([*argv, "i am happy"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "may predict no label" in out[0] and "(none)" in out[2]
    assert main([*argv, "--format", "json", "i am happy"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["labels"] == []
