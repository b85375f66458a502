"""Fault injection: kill -9 mid-run and resume, damaged files, untrusted input, NaN, races."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.errors import RunFolderError, TrainingError
from bench.runner import config_to_resume, run
from tests.helpers import quick_config, write_csv

pytestmark = pytest.mark.faults


@pytest.fixture(scope="module")
def toy_csv(tmp_path_factory):
    return write_csv(tmp_path_factory.mktemp("data") / "toy.csv")


def _cli(args, env_extra=None, cwd=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "bench", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def test_kill_mid_epoch_then_resume_equals_uninterrupted(toy_csv, tiny_encoder, tmp_path):
    common = ["run", "--loss", "proxy_anchor", "--dataset", str(toy_csv), "--mode", "finetune",
              "--encoder", tiny_encoder, "--epochs", "3", "--batch-size", "8", "--max-length",
              "32", "--quiet", "--no-save-model", "--patience", "5"]
    ref = _cli(common + ["--output-dir", str(tmp_path / "ref")])
    assert ref.returncode == 0, ref.stderr
    # 72 training rows / batch 8 = 9 steps an epoch: step 13 is in the middle of epoch 2
    killed = _cli(common + ["--output-dir", str(tmp_path / "cut")],
                  {"BENCH_FAULT_KILL_AT_STEP": "13"})
    assert killed.returncode == -9
    run_dir = next((tmp_path / "cut").iterdir())
    assert json.loads((run_dir / "status.json").read_text())["status"] == "running"
    assert (run_dir / "checkpoint" / "state.json").exists()
    resumed = _cli(["run", "--resume", str(run_dir), "--quiet"])
    assert resumed.returncode == 0, resumed.stderr
    a = json.loads(next((tmp_path / "ref").glob("*/metrics.json")).read_text())
    b = json.loads((run_dir / "metrics.json").read_text())
    assert a["test"] == b["test"] and a["dev"] == b["dev"]
    assert [e["train_loss"] for e in a["training"]["curve"]] == \
        [e["train_loss"] for e in b["training"]["curve"]]
    # the summary fields too (steps_per_epoch was 0 in resumed records), and where it resumed
    same = ("best_epoch", "best_dev_macro_f1", "stopped_early", "examples", "steps_per_epoch",
            "passes_per_epoch")
    assert {k: a["training"][k] for k in same} == {k: b["training"][k] for k in same}
    assert a["training"]["steps_per_epoch"] == 9
    assert a["training"]["resumed_after_epochs"] == [] and \
        b["training"]["resumed_after_epochs"] == [1]
    assert "in this process, resumed after epoch 1; train" in resumed.stdout
    assert not (run_dir / "checkpoint").exists()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_background_run_stopped_by_a_signal_says_interrupted(toy_csv, tiny_encoder, tmp_path,
                                                                signum):
    # a job started with `&` from a script inherits SIGINT ignored: the CLI must restore it,
    # and turn SIGTERM (`kill`) into the same clean stop, or the record stays "running"
    cmd = [sys.executable, "-m", "bench", "run", "--loss", "softmax", "--dataset", str(toy_csv),
           "--mode", "finetune", "--encoder", tiny_encoder, "--epochs", "500", "--patience",
           "500", "--batch-size", "8", "--max-length", "32", "--quiet", "--no-save-model",
           "--output-dir", str(tmp_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        until = time.monotonic() + 120
        while not list(tmp_path.glob("*/checkpoint/state.json")):  # an epoch is checkpointed
            assert proc.poll() is None and time.monotonic() < until, proc.communicate()
            time.sleep(0.2)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted: completed work is saved" in err
    run_dir = next(tmp_path.glob("*/status.json")).parent
    status = json.loads((run_dir / "status.json").read_text())
    assert status["status"] == "interrupted" and str(run_dir) in status["resume"]


def test_resume_refuses_a_complete_run(toy_csv, tiny_encoder, tmp_path):
    out = run(quick_config(toy_csv, tiny_encoder, tmp_path, save_model=False), progress=False)
    with pytest.raises(RunFolderError, match="already complete"):
        config_to_resume(out.run_dir)


def test_nan_loss_stops_with_step_and_hparams(toy_csv, tiny_encoder, tmp_path, monkeypatch):
    import losses

    cls = losses.get("proxy_nca")
    monkeypatch.setattr(cls, "compute_loss", lambda self, e, t: (e * float("nan")).sum())
    cfg = quick_config(toy_csv, tiny_encoder, tmp_path, loss="proxy_nca", save_model=False)
    with pytest.raises(TrainingError, match=r"step 1 .*softmax_scale"):
        run(cfg, progress=False)
    status = json.loads(next(tmp_path.glob("*/status.json")).read_text())
    assert status["status"] == "failed" and "non-finite" in status["reason"]


def test_concurrent_identical_runs_get_separate_folders(toy_csv, tiny_encoder, tmp_path):
    cfg = quick_config(toy_csv, tiny_encoder, tmp_path, save_model=False)
    with ThreadPoolExecutor(2) as pool:
        outs = list(pool.map(lambda _: run(cfg, progress=False), range(2)))
    assert outs[0].run_dir != outs[1].run_dir
    assert all(json.loads((o.run_dir / "status.json").read_text())["status"] == "complete"
               for o in outs)


def test_explicit_run_id_is_never_overwritten(toy_csv, tiny_encoder, tmp_path):
    import dataclasses

    cfg = dataclasses.replace(quick_config(toy_csv, tiny_encoder, tmp_path, save_model=False),
                              run_id="mine")
    run(cfg, progress=False)
    with pytest.raises(RunFolderError, match="already exists"):
        run(cfg, progress=False)


class _Payload:
    """Unpickling this creates a marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("target", ["model/encoder/pytorch_model.bin", "model/objective.safetensors",
                                    "model/head.safetensors"])
def test_pickle_payload_in_a_run_folder_is_refused_and_never_runs(toy_csv, tiny_encoder, tmp_path,
                                                                  target):
    import pickle

    from bench.api import load_run

    mode = "finetune" if "encoder" in target else "frozen"
    out = run(quick_config(toy_csv, tiny_encoder, tmp_path, mode=mode), progress=False)
    marker = tmp_path / "pwned"
    if "encoder" in target:  # a pickled checkpoint beside (instead of) the safetensors one
        (out.run_dir / "model/encoder/model.safetensors").unlink()
    (out.run_dir / target).write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(RunFolderError):
        load_run(out.run_dir, device="cpu", encoder=tiny_encoder if mode == "frozen" else None)
    assert not marker.exists()
