"""`bench perf` end to end on the tiny encoder, plus its formulas and option checks."""

from __future__ import annotations

import argparse
import importlib.util
import json

import pytest

from bench.cli import main
from bench.errors import BenchError, DataError
from bench.perf.common import PerfConfig, alternate, load_texts
from bench.perf.flops import train_flops
from tests.helpers import write_csv

HAS_ACCELERATE = importlib.util.find_spec("accelerate") is not None


def tiny_args(csv, encoder, out, *extra) -> list[str]:
    return ["perf", "--dataset", str(csv), "--encoder", encoder, "--texts", "64", "--steps", "2",
            "--warmup", "1", "--rounds", "2", "--batch-size", "8", "--max-length", "32",
            "--encode-texts", "32", "--frozen-epochs", "1", "--frozen-losses",
            "softmax", "--json", str(out), *extra]


def test_perf_end_to_end_writes_every_section(tmp_path, tiny_encoder, capsys):
    csv = write_csv(tmp_path / "toy.csv", 30)
    out = tmp_path / "perf" / "record.json"
    skip = [] if HAS_ACCELERATE else ["--skip", "trainer,quality"]
    assert main(tiny_args(csv, tiny_encoder, out, "--levers", "foreach", *skip)) == 0
    record = json.loads(out.read_text())
    assert record["schema_version"] == 1
    assert {"cpu_model", "cpu_count", "torch_threads", "torch", "load_average"} <= set(
        record["machine"])
    bench = record["training"]["bench"]
    assert bench["steps"] == 4 and bench["examples"] == 32  # 2 rounds x 2 steps x 8 rows
    assert bench["examples_per_second"] > 0 and 0 <= bench["padding_share"] < 1
    if HAS_ACCELERATE:
        trainer = record["training"]["trainer"]
        assert trainer["steps"] == 4 and trainer["examples"] == 32
        assert record["training"]["ratio"] == pytest.approx(
            bench["examples_per_second"] / trainer["examples_per_second"])
        assert record["flops"]["trainer"]["gflops"] > 0
        q = record["quality"]  # one epoch of 64 texts in batches of 8, both sides
        assert q["train_texts"] == 64 and q["steps"] == 8 and q["dev_texts"] >= 1
        assert q["hyperparameters"]["learning_rate"] == 3e-5
        for side in ("bench", "trainer"):
            assert 0 <= q[side]["dev_macro_f1"] <= 1 and q[side]["examples_per_second"] > 0
        lo, hi = q["difference_ci95"]
        assert lo <= hi and q["difference"] == pytest.approx(
            q["bench"]["dev_macro_f1"] - q["trainer"]["dev_macro_f1"])
    # the foreach optimiser is a lever only if it trains exactly like the baseline
    assert record["levers"]["foreach"]["max_loss_diff"] < 1e-5
    assert record["levers"]["baseline"]["ratio"] == 1.0
    enc = record["encoding"]
    assert enc["texts"] == 32 and enc["max_abs_diff"] < 1e-4 and enc["ratio"] > 0
    assert enc["bench"]["padded_tokens"] <= enc["naive"]["padded_tokens"] == 32 * 32
    assert record["flops"]["peak"]["gflops"] > 0
    assert 0 < record["flops"]["bench"]["share_of_peak"] < 1
    trials = record["frozen"]["trials"]
    assert set(trials) == {"softmax"}
    assert all(t["epochs"] == 1 and t["total_seconds"] >= t["train_seconds"] > 0
               for t in trials.values())
    printed = capsys.readouterr().out
    assert "fine-tune step, bench" in printed and f"wrote {out}" in printed
    assert "precision: float32" in printed


def test_perf_skips_sections(tmp_path, tiny_encoder):
    csv = write_csv(tmp_path / "toy.csv", 30)
    out = tmp_path / "r.json"
    assert main(tiny_args(csv, tiny_encoder, out, "--rounds", "1", "--skip",
                          "trainer,encode,frozen,flops,levers")) == 0
    record = json.loads(out.read_text())
    assert record["training"]["bench"]["steps"] == 2
    assert "bench" in record["training"] and "trainer" not in record["training"]
    assert not {"encoding", "frozen", "flops", "levers"} & set(record)


def test_train_flops_formula():
    dims = {"linear_params": 100, "layers": 2, "hidden": 4}
    # 6 * 100 * (2*3 + 1*5) + 12 * 2 * 4 * (2*9 + 1*25)
    assert train_flops(dims, [(2, 3, 5), (1, 5, 5)]) == 6 * 100 * 11 + 12 * 2 * 4 * 43


def test_alternate_flips_order_each_round():
    seen = []
    out = alternate({"a": lambda r: seen.append(("a", r)) or {"r": r},
                     "b": lambda r: seen.append(("b", r)) or {"r": r}}, 3)
    assert seen == [("a", 0), ("b", 0), ("b", 1), ("a", 1), ("a", 2), ("b", 2)]
    assert out["a"] == [{"r": 0}, {"r": 1}, {"r": 2}]
    seen.clear()  # a warm-up round runs every variant once and is not recorded
    out = alternate({"a": lambda r: seen.append(("a", r)) or {"r": r},
                     "b": lambda r: seen.append(("b", r)) or {"r": r}}, 1, warm=True)
    assert seen == [("a", -1), ("b", -1), ("a", 0), ("b", 0)] and out["b"] == [{"r": 0}]


@pytest.mark.parametrize("option, value, message", [
    ("--skip", "trainer,gpu", "skip names must be among"),
    ("--warmup", "0", "warmup must be >= 1"),
    ("--steps", "0", "steps must be >= 1"),
])
def test_perf_rejects_bad_options(tmp_path, tiny_encoder, capsys, option, value, message):
    csv = write_csv(tmp_path / "toy.csv", 5)
    assert main(tiny_args(csv, tiny_encoder, tmp_path / "x.json", option, value)) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("lever", ["turbo", "threads=0", "threads=x"])
def test_unknown_lever_is_an_error(tmp_path, lever):
    from bench.commands import perf

    parser = argparse.ArgumentParser()
    perf.add_arguments(parser)
    args = parser.parse_args(["--levers", lever, "--json", str(tmp_path / "x.json")])
    with pytest.raises(BenchError, match=f"unknown lever {lever!r}"):
        perf.handle(args)
    assert not (tmp_path / "x.json").exists()


def test_builtin_dataset_without_data_folder_says_what_to_do(monkeypatch):
    monkeypatch.delenv("BENCH_DATA_DIR", raising=False)
    with pytest.raises(DataError, match="export BENCH_DATA_DIR"):
        load_texts(PerfConfig(dataset="goemotions"))


def test_quality_macro_f1_equals_sklearn():
    import numpy as np
    from sklearn.metrics import f1_score

    from bench.perf.quality import macro_f1, paired_bootstrap

    rng = np.random.default_rng(0)
    gold, pred = rng.integers(0, 5, 300), rng.integers(0, 4, 300)
    assert macro_f1(pred, gold, 6) == pytest.approx(f1_score(gold, pred, average="macro"))
    point = 1 - f1_score(gold, pred, average="macro")  # perfect predictions minus random ones
    lo, hi = paired_bootstrap(gold, pred, gold, 6, reps=200)
    assert lo < point < hi and hi - lo < 0.2
