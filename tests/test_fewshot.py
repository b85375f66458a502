"""Few-shot: `--shots K` sets and their record, the step minimum, `lowres --shots` resuming,
and the SetFit peer's record read by `bench report` (tiny random encoder, toy data)."""

from __future__ import annotations

import argparse
import importlib.util
import json

import numpy as np
import pytest

from bench.cli import main
from bench.config import FEW_SHOT_MIN_STEPS, RunConfig
from bench.data.shots import GREEDY_RULE, NO_LABEL, SINGLE_RULE, shots_index
from bench.errors import DataError
from bench.peers.setfit_builtin import contrastive_pairs
from bench.train import passes_per_epoch
from tests.helpers import write_csv

RECORD = ("config.json", "env.json", "metrics.json", "status.json",
          "objective_state.safetensors", "test_predictions.npz")


def test_single_label_shots_are_exactly_k_per_class_and_seeded():
    labels = np.repeat(np.arange(4), [50, 9, 30, 12])
    idx = shots_index(labels, list("abcd"), shots=9, seed=3)
    assert np.array_equal(np.bincount(labels[idx]), [9, 9, 9, 9])
    assert np.array_equal(idx, np.unique(idx))  # sorted, no repeats
    assert np.array_equal(idx, shots_index(labels, list("abcd"), shots=9, seed=3))
    assert not np.array_equal(idx, shots_index(labels, list("abcd"), shots=9, seed=4))


def test_multi_label_greedy_gives_every_class_at_least_k():
    rng = np.random.default_rng(0)
    labels = (rng.random((400, 5)) < [0.5, 0.3, 0.1, 0.04, 0.2]).astype(np.uint8)
    labels[:40] = 0  # rows with no label: a pool of their own
    k = 4
    idx = shots_index(labels, list("abcde"), shots=k, seed=1)
    per_class = labels[idx].sum(0)
    assert per_class.min() >= k
    assert per_class.max() > k  # frequent classes ride along on rarer classes' rows
    assert int((labels[idx].sum(1) == 0).sum()) == k
    assert len(idx) < 5 * k + k  # rows carry several labels: fewer rows than classes x k


@pytest.mark.parametrize("multi", [False, True])
def test_too_few_examples_names_the_class_count_and_k(multi):
    labels = np.repeat(np.arange(3), [10, 3, 10])
    if multi:
        labels = np.eye(3, dtype=np.uint8)[labels]
    with pytest.raises(DataError, match=r"--shots 5 .* 'fear' has 3"):
        shots_index(labels, ["joy", "fear", "anger"], shots=5, seed=0)


def test_shots_excludes_other_limits_and_defaults_its_step_minimum():
    with pytest.raises(ValueError, match="shots cannot be combined"):
        RunConfig(loss="softmax", dataset="d", shots=8, max_train=100)
    assert RunConfig(loss="softmax", dataset="d", shots=8).resolved().min_steps == FEW_SHOT_MIN_STEPS
    assert RunConfig(loss="softmax", dataset="d").resolved().min_steps is None  # old identities
    assert RunConfig(loss="softmax", dataset="d", mode="frozen", shots=8).resolved().min_steps is None
    assert passes_per_epoch(None, 10, 2) == 1 and passes_per_epoch(200, 10, 2) == 10
    assert passes_per_epoch(200, 10, 12) == 2 and passes_per_epoch(50, 10, 12) == 1


def test_run_with_shots_trains_on_k_per_class_and_records_it(tmp_path, tiny_encoder):
    data = write_csv(tmp_path / "toy.csv")
    code = main(["run", "--loss", "softmax", "--dataset", str(data), "--encoder", tiny_encoder,
                 "--shots", "4", "--epochs", "2", "--min-steps", "6", "--max-length", "32",
                 "--device", "cpu", "--no-save-model", "--quiet", "--output-dir", str(tmp_path / "r")])
    assert code == 0
    run_dir = next((tmp_path / "r").iterdir())
    metrics = json.loads((run_dir / "metrics.json").read_text())
    shots = metrics["dataset"]["shots"]
    assert shots == {"shots": 4, "rule": SINGLE_RULE, "train_rows": 12,
                     "per_class": {"joy": 4, "anger": 4, "fear": 4}}
    assert metrics["dataset"]["sizes"]["train"] == 12
    # 12 rows = one batch of 32 per pass; 6 steps over 2 epochs = 3 passes per epoch
    training = metrics["training"]
    assert training["passes_per_epoch"] == 3 and training["examples"] == 2 * 3 * 12
    assert [c["step"] for c in training["curve"]] == [3, 6]


def test_multi_label_run_records_greedy_counts(tmp_path, tiny_encoder):
    data = write_csv(tmp_path / "multi.csv", multi_label=True)
    assert main(["run", "--loss", "softmax", "--dataset", str(data), "--label-sep", ",",
                 "--mode", "frozen", "--encoder", tiny_encoder, "--shots", "3", "--epochs", "1",
                 "--device", "cpu", "--no-save-model", "--quiet",
                 "--output-dir", str(tmp_path / "r")]) == 0
    metrics = json.loads(next((tmp_path / "r").glob("*/metrics.json")).read_text())
    shots = metrics["dataset"]["shots"]
    assert shots["rule"] == GREEDY_RULE and NO_LABEL not in shots["per_class"]
    assert min(shots["per_class"].values()) >= 3 and shots["train_rows"] <= 9
    assert metrics["dataset"]["sizes"]["train"] == shots["train_rows"]


def test_lowres_shots_skips_complete_runs_and_redoes_interrupted(tmp_path, tiny_encoder, capsys):
    data = write_csv(tmp_path / "toy.csv")
    runs = tmp_path / "runs"
    argv = ["lowres", "--dataset", str(data), "--mode", "frozen", "--encoder", tiny_encoder,
            "--shots", "2,4", "--losses", "softmax,proxy_anchor", "--seeds", "1", "--epochs", "1",
            "--device", "cpu", "--output-dir", str(runs), "--quiet"]
    assert main(argv) == 0
    assert "4 runs planned, 0 already complete" in capsys.readouterr().out
    # an interrupted run is not complete: only it is run again
    status = sorted(runs.glob("*proxy_anchor*/status.json"))[0]
    redone = json.loads((status.parent / "metrics.json").read_text())["dataset"]["sizes"]["train"]
    status.write_text(json.dumps({"status": "interrupted"}))
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "4 runs planned, 3 already complete" in out and out.count("done:") == 1
    sizes = sorted(json.loads(p.read_text())["dataset"]["sizes"]["train"]
                   for p in runs.glob("*/metrics.json"))
    assert sizes == sorted([6, 6, 12, 12, redone])  # 2 and 4 shots x 3 classes; one run twice


def test_lowres_shots_and_fractions_are_exclusive(tmp_path, capsys):
    assert main(["lowres", "--dataset", "x.csv", "--shots", "8", "--fractions", "0.5"]) == 2
    assert "--shots and --fractions" in capsys.readouterr().err


def test_contrastive_pairs_follow_setfits_sampling():
    labels = np.repeat(np.arange(3), 4)
    left, right, target = contrastive_pairs(labels, iterations=5, seed=0)
    assert len(left) == 2 * 5 * 12 and np.array_equal(target, np.tile([1.0, 0.0], 60))
    assert np.array_equal(labels[left] == labels[right], target == 1)
    assert (left <= right).all()


def _peer(tmp_path, tiny_encoder, backend: str) -> list[str]:
    data = write_csv(tmp_path / "toy.csv")
    return ["peer", "setfit", "--backend", backend, "--dataset", str(data), "--encoder",
            tiny_encoder, "--shots", "4", "--max-length", "32",
            "--device", "cpu", "--quiet", "--output-dir", str(tmp_path / "runs")]


def _check_peer_record(tmp_path, hparams: tuple) -> None:
    from bench.commands import report as report_cmd
    from bench.report.cells import group_cells
    from bench.report.collect import find_runs
    from bench.report.plots import lowres
    from bench.report.settings import Settings

    run_dir = next((tmp_path / "runs").iterdir())
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(RECORD)
    config = json.loads((run_dir / "config.json").read_text())
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert config["peer"] is True and config["loss"] == "setfit" and config["lr"] == 2e-5
    assert config["weight_decay"] == 0.01 and config["peer_options"]["iterations"] == 20
    assert metrics["peer"] is True and metrics["objective"]["name"] == "setfit"
    assert metrics["dataset"]["shots"]["per_class"] == {"joy": 4, "anger": 4, "fear": 4}
    assert metrics["training"]["pairs"] == 2 * 20 * 12  # R = 20 positive + negative per row
    cells = group_cells(find_runs(tmp_path / "runs"))
    (key,) = cells
    # SetFit's own lr/batch/epochs are not settings; only options off its defaults are
    assert key.loss == "setfit" and key.budget == "shots=4" and key.settings.pairs == hparams
    out = tmp_path / "tables"
    assert report_cmd.handle(argparse.Namespace(runs=str(tmp_path / "runs"), out=str(out),
                                                data_dir=None, allow_missing=True)) == 0
    table = next(out.glob("*shots=4.md")).read_text()
    assert "| setfit" in table and "not converged" not in table
    # the low-resource figure draws default-settings rows: a shots panel with the peer
    assert lowres({key._replace(settings=Settings()): cells[key]}, tmp_path / "fig")


def test_peer_builtin_writes_a_record_report_reads(tmp_path, tiny_encoder, capsys):
    argv = _peer(tmp_path, tiny_encoder, "builtin")
    assert main(argv) == 0
    _check_peer_record(tmp_path, (("hp.backend", "builtin"),))
    assert main(argv) == 0 and "nothing to do" in capsys.readouterr().out  # resumable


@pytest.mark.skipif(importlib.util.find_spec("setfit") is None,
                    reason="the setfit package is not installed (pip install '.[peers]')")
def test_peer_setfit_package_writes_a_record_report_reads(tmp_path, tiny_encoder, capsys):
    assert main(_peer(tmp_path, tiny_encoder, "setfit")) == 0
    _check_peer_record(tmp_path, ())


@pytest.mark.skipif(importlib.util.find_spec("setfit") is not None, reason="setfit installed")
def test_peer_without_the_package_says_how_to_install(tmp_path, tiny_encoder, capsys):
    assert main(_peer(tmp_path, tiny_encoder, "setfit")) == 2
    assert "pip install '.[peers]'" in capsys.readouterr().err


def test_peer_refuses_multi_label_data(tmp_path, tiny_encoder, capsys):
    data = write_csv(tmp_path / "multi.csv", multi_label=True)
    assert main(["peer", "setfit", "--backend", "builtin", "--dataset", str(data), "--label-sep",
                 ",", "--encoder", tiny_encoder, "--output-dir", str(tmp_path / "r")]) == 2
    assert "single-label data only" in capsys.readouterr().err
