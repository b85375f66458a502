"""Many workers on one PostgreSQL study: exact budget, and a killed worker loses nothing.

Needs a server: `eval "$(.ci/postgres.sh)"` exports BENCH_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from bench.records import is_complete

URL = os.environ.get("BENCH_TEST_POSTGRES_URL")
pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not URL, reason="set BENCH_TEST_POSTGRES_URL (.ci/postgres.sh)")]
REPO = Path(__file__).resolve().parents[1]
N = 6


@pytest.fixture
def worker_cmd(tmp_path, tiny_encoder):
    name = f"pg{uuid.uuid4().hex[:8]}"  # a fresh study name on a shared server
    path = tmp_path / f"{name}.csv"
    rows = [f"{['happy', 'angry', 'scared'][i % 3]} day {i},{['joy', 'anger', 'fear'][i % 3]}"
            for i in range(60)]
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    cmd = [sys.executable, "-m", "bench", "sweep", "--dataset", str(path), "--encoder",
           tiny_encoder, "--losses", "softmax", "--trials", str(N), "--final-seeds", "0",
           "--epochs", "40", "--patience", "1000", "--storage", URL, "--device", "cpu",
           "--sweep-dir", str(tmp_path / "sweeps"), "--output-dir", str(tmp_path / "runs"),
           "--heartbeat-interval", "1", "--grace-period", "3"]
    return cmd, f"{name}|softmax|{tiny_encoder}|frozen"


def _study(name):
    import optuna

    from bench.sweep.study import driver_url

    return optuna.load_study(study_name=name, storage=driver_url(URL))


def _trials(name, state):
    from optuna.trial import TrialState

    return _study(name).get_trials(states=(getattr(TrialState, state),))


def _assert_exact(name):
    done = _trials(name, "COMPLETE")
    assert len(done) == N
    assert all(is_complete(Path(t.user_attrs["run_dir"])) for t in done)
    return done


def test_two_workers_share_one_study_exactly(worker_cmd):
    cmd, name = worker_cmd
    workers = [subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=400)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    _assert_exact(name)
    assert all(t.user_attrs.get("fail_reason", "").startswith("surplus")
               for t in _trials(name, "FAIL")), "only lost races may fail here"


def test_killed_worker_loses_no_completed_trial(worker_cmd):
    cmd, name = worker_cmd
    worker = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:  # kill once 2 trials are done and one is running
            try:
                if len(_trials(name, "COMPLETE")) >= 2 and _trials(name, "RUNNING"):
                    break
            except KeyError:  # study not created yet
                pass
            time.sleep(0.2)
        else:
            pytest.fail("the worker never reached a running third trial")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    before = {t.number: t.value for t in _trials(name, "COMPLETE")}
    killed = [t.number for t in _trials(name, "RUNNING")]
    assert killed, "the trial finished before the kill; increase --epochs"
    time.sleep(4)  # past the grace period: the stale trial is failed and re-queued on restart
    rerun = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=400)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    after = {t.number: t.value for t in _assert_exact(name)}
    assert before.items() <= after.items()  # nothing completed was lost or changed
    failed = {t.number for t in _trials(name, "FAIL")}
    assert set(killed) <= failed and not _trials(name, "RUNNING")
    retried = [t for t in _study(name).trials if t.system_attrs.get("failed_trial") in killed]
    # the retry re-runs what the killed trial had drawn (a trial killed mid-sampling has drawn
    # only some of its parameters; the retry draws the rest)
    assert retried and _study(name).trials[killed[0]].params.items() <= retried[0].params.items()
