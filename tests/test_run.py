"""`bench run` end to end with a tiny random encoder: records, reproducibility, errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

import losses
from bench.cli import main
from bench.config import RunConfig
from bench.runner import run
from tests.helpers import quick_config, write_csv

REQUIRED_METRICS = ("macro_f1", "micro_f1", "per_class")


@pytest.fixture(scope="module")
def toy_csv(tmp_path_factory):
    return write_csv(tmp_path_factory.mktemp("data") / "toy.csv")


@pytest.mark.parametrize("loss", losses.names())
@pytest.mark.parametrize("mode", ["frozen", "finetune"])
def test_every_objective_runs_in_both_modes(loss, mode, toy_csv, tiny_encoder, tmp_path):
    out = run(quick_config(toy_csv, tiny_encoder, tmp_path, loss=loss, mode=mode), progress=False)
    files = {p.name for p in out.run_dir.iterdir()}
    assert {"config.json", "env.json", "metrics.json", "status.json", "model",
            "objective_state.safetensors", "test_predictions.npz"} <= files
    metrics = json.loads((out.run_dir / "metrics.json").read_text())
    assert metrics["schema_version"] == 1
    for split in ("dev", "test"):
        assert all(k in metrics[split] for k in REQUIRED_METRICS)
        assert 0.0 <= metrics[split]["macro_f1"] <= 1.0
    assert set(metrics["test"]["per_class"]) == {"anger", "fear", "joy"}
    assert 0.0 <= metrics["test"]["embedding"]["map_at_r"] <= 1.0
    assert len(metrics["training"]["curve"]) >= 1
    assert json.loads((out.run_dir / "status.json").read_text())["status"] == "complete"
    env = json.loads((out.run_dir / "env.json").read_text())
    assert env["packages"]["torch"] and "git_commit" in env


def test_same_seed_same_metrics_other_seed_differs(toy_csv, tiny_encoder, tmp_path):
    def scores(seed):
        cfg = quick_config(toy_csv, tiny_encoder, tmp_path, loss="proxy_anchor", mode="finetune",
                           seed=seed, save_model=False)
        return run(cfg, progress=False).metrics

    a, b, c = scores(0), scores(0), scores(1)
    assert a["test"] == b["test"] and a["training"]["curve"][0]["train_loss"] == \
        b["training"]["curve"][0]["train_loss"]
    assert a["training"]["curve"][0]["train_loss"] != c["training"]["curve"][0]["train_loss"]


def test_multi_label_run_tunes_thresholds_on_dev(tmp_path, tiny_encoder):
    data = write_csv(tmp_path / "multi.csv", multi_label=True)
    cfg = quick_config(data, tiny_encoder, tmp_path, loss="supcon", label_sep=",")
    metrics = run(cfg, progress=False).metrics
    assert metrics["dataset"]["multi_label"] is True
    assert len(metrics["thresholds"]) == 3 and "exact_match" in metrics["test"]
    assert metrics["test"]["embedding"]["subset"] == "rows with exactly one label"


def test_max_train_limits_training_rows(toy_csv, tiny_encoder, tmp_path):
    metrics = run(quick_config(toy_csv, tiny_encoder, tmp_path, max_train=9, save_model=False),
                  progress=False).metrics
    assert metrics["dataset"]["sizes"]["train"] == 9


def test_cli_run_prints_test_scores(toy_csv, tiny_encoder, tmp_path, capsys):
    code = main(["run", "--loss", "triplet", "--dataset", str(toy_csv), "--mode", "frozen",
                 "--encoder", tiny_encoder, "--epochs", "1", "--output-dir", str(tmp_path),
                 "--hp", "miner=semi_hard", "--quiet", "--no-save-model"])
    out = capsys.readouterr().out
    assert code == 0 and "macro_f1" in out and "run record:" in out
    cfg = json.loads(next(tmp_path.glob("*/config.json")).read_text())
    assert cfg["loss_hparams"] == {"miner": "semi_hard"} and cfg["epochs"] == 1


@pytest.mark.parametrize("argv, message", [
    (["--loss", "proxy_ancor"], "did you mean 'proxy_anchor'"),
    (["--hp", "margn=0.1", "--loss", "proxy_anchor"], "margn"),
    (["--hp", "novalue"], "KEY=VALUE"),
    (["--dataset", "missing.csv"], "missing.csv"),
    (["--encoder", "minilmm"], "did you mean 'minilm'"),
])
def test_cli_errors_are_one_clear_line(argv, message, toy_csv, tmp_path, capsys):
    base = ["run", "--dataset", str(toy_csv), "--mode", "frozen", "--output-dir", str(tmp_path),
            "--quiet"]
    assert main(base + argv) == 2
    err = capsys.readouterr().err
    assert message.lower() in err.lower() and "Traceback" not in err


def test_list_shows_registries(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "proxy_anchor" in out and "goemotions_ekman" in out and "minilm" in out


def test_frozen_cache_is_reused_and_damage_rebuilds(toy_csv, tiny_encoder, tmp_path, capsys):
    from bench import cache

    cfg = quick_config(toy_csv, tiny_encoder, tmp_path, save_model=False)
    first = run(cfg, progress=False).metrics
    files = sorted(cache.cache_dir().glob("*.npy"))
    assert len(files) == 3
    files[0].write_bytes(files[0].read_bytes()[:-40])  # truncate one entry
    second = run(cfg, progress=False).metrics
    assert "ignoring damaged entry" in capsys.readouterr().err
    assert first["test"] == second["test"]
    assert np.load(files[0]).shape[0] > 0


def test_grid_runs_every_combination_once_and_resumes(toy_csv, tiny_encoder, tmp_path, capsys):
    argv = ["grid", "--datasets", str(toy_csv), "--losses", "softmax,supcon", "--seeds", "0-1",
            "--mode", "frozen", "--encoder", tiny_encoder, "--epochs", "1", "--quiet",
            "--no-save-model", "--output-dir", str(tmp_path), "--tag", "demo"]
    assert main(argv) == 0
    assert "4 runs, 0 already complete, 4 to do" in capsys.readouterr().out
    configs = [json.loads(p.read_text()) for p in tmp_path.glob("*/config.json")]
    assert sorted((c["loss"], c["seed"]) for c in configs) == [
        ("softmax", 0), ("softmax", 1), ("supcon", 0), ("supcon", 1)]
    assert all(c["tags"] == ["demo"] for c in configs)
    assert main(argv) == 0
    assert "4 runs, 4 already complete, 0 to do" in capsys.readouterr().out
    assert len(list(tmp_path.glob("*/config.json"))) == 4


@pytest.mark.parametrize("text, seeds", [("0-2", [0, 1, 2]), ("3,5", [3, 5]), ("7", [7])])
def test_grid_seed_syntax(text, seeds):
    from bench.commands.grid import parse_seeds

    assert parse_seeds(text) == seeds


def test_grid_bad_seeds_is_a_clear_error():
    from bench.commands.grid import parse_seeds
    from bench.errors import BenchError

    with pytest.raises(BenchError, match="--seeds expects"):
        parse_seeds("a-b")


def test_cpu_bf16_is_recorded_and_only_then_changes_the_identity(toy_csv, tiny_encoder, tmp_path):
    base = quick_config(toy_csv, tiny_encoder, tmp_path, mode="finetune")
    fast = dataclasses.replace(base, cpu_bf16=True)
    # records written before the option existed lack the key: same identity as the default
    legacy = base.to_dict()
    legacy.pop("cpu_bf16")
    assert RunConfig.from_dict(legacy).identity_hash() == base.identity_hash()
    assert fast.identity_hash() != base.identity_hash()
    out = run(fast, progress=False)
    config = json.loads((Path(out.run_dir) / "config.json").read_text())
    assert config["cpu_bf16"] is True
    assert 0.0 <= out.metrics["test"]["macro_f1"] <= 1.0


def test_quiet_finetune_run_draws_no_progress_bars(toy_csv, tiny_encoder, tmp_path, capsys):
    run(quick_config(toy_csv, tiny_encoder, tmp_path, mode="finetune"), progress=False)
    assert "embed" not in capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "grid", "sweep"])
def test_quiet_means_no_progress_bars_in_frozen_mode(command, toy_csv, tiny_encoder, tmp_path,
                                                     capsys):
    """--quiet draws no bar at all, the frozen encoding of an empty cache included."""
    argv = [command, *([] if command == "grid" else ["--dataset", str(toy_csv)]), "--mode",
            "frozen", "--encoder", tiny_encoder, "--epochs", "1", "--quiet",
            "--output-dir", str(tmp_path / "runs"), "--max-length", "32"]
    argv += {"run": ["--no-save-model"], "grid": ["--datasets", str(toy_csv), "--seeds", "0",
                                                  "--losses", "softmax", "--no-save-model"],
             "sweep": ["--losses", "softmax", "--trials", "1", "--final-seeds", "0",
                       "--sweep-dir", str(tmp_path / "sweeps")]}[command]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "encode" not in err and "\r" not in err and "it/s" not in err and "ex/s" not in err
