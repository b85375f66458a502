"""Stress: four `bench sweep` workers started at the same instant on a NEW empty PostgreSQL
database while the CPU is kept busy. Every worker must exit 0, the study must end with
exactly its budget of COMPLETE trials, every COMPLETE trial's run folder is complete, and no
worker prints a traceback.

Needs a server: `eval "$(bash .ci/postgres.sh)"` exports BENCH_TEST_POSTGRES_URL. Repetitions:
5 by default, BENCH_PG_STRESS_COUNT=20 for more.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.records import is_complete

URL = os.environ.get("BENCH_TEST_POSTGRES_URL")
pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not URL, reason="set BENCH_TEST_POSTGRES_URL (.ci/postgres.sh)")]
REPO = Path(__file__).resolve().parents[1]
COUNT = int(os.environ.get("BENCH_PG_STRESS_COUNT", "5"))
WORKERS, TRIALS, BUSY = 4, 3, 2

# The workers are forked from one "zygote" process that has already imported what
# `python -m bench` needs: the imports (several CPU-seconds per worker) are paid once per
# module instead of four times per repetition, and the four forks leave together, so they
# reach Optuna's start-up within moments of each other. Each child runs `bench.cli.main`,
# exactly what `python -m bench` runs, with its own stdout+stderr log and database sessions.
ZYGOTE = """import json, os, signal, sys, traceback
import bench.cli, bench.commands.sweep, bench.runner, bench.sweep.study
import transformers.models.bert.modeling_bert
print("ready", flush=True)
for line in sys.stdin:
    job, pids = json.loads(line), []
    for log in job["logs"]:
        pid = os.fork()
        if pid == 0:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.environ.update(job["env"])
            signal.alarm(job["timeout_s"])  # a hung worker dies (exit -14) instead of the test
            try:
                code = bench.cli.main(job["argv"])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        pids.append(pid)
    print(json.dumps([os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids]), flush=True)
"""


@pytest.fixture(scope="module")
def zygote(tmp_path_factory):
    """A pre-imported `python -m bench`; the CPU is kept busy while it lives. One embedding
    cache for the module: the first repetition encodes, the others start straight away."""
    cache = str(tmp_path_factory.mktemp("stress-cache"))
    z = subprocess.Popen([sys.executable, "-c", ZYGOTE], cwd=REPO, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    loops = []
    try:
        assert z.stdout.readline().strip() == "ready"
        loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                 for _ in range(BUSY)]

        def start_workers(argv: list[str], logs: list[Path], env: dict) -> list[int]:
            job = {"argv": argv, "logs": [str(p) for p in logs], "timeout_s": 300,
                   "env": {**env, "BENCH_CACHE_DIR": cache}}
            z.stdin.write(json.dumps(job) + "\n")
            z.stdin.flush()
            return json.loads(z.stdout.readline())  # every worker's exit code

        yield start_workers
    finally:
        for p in loops:
            p.kill()
            p.wait()
        z.stdin.close()
        z.wait(timeout=60)


@contextmanager
def fresh_database():
    import psycopg2
    from sqlalchemy.engine import make_url

    server = make_url(URL).set(drivername="postgresql")
    name = f"bench_stress_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(server.render_as_string(hide_password=False))
    admin.autocommit = True
    try:
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _check(url: str, study_name: str) -> list[str]:
    """What is wrong with the study after all workers exited (empty: nothing)."""
    import optuna
    from optuna.trial import TrialState

    from bench.sweep.study import driver_url

    storage = optuna.storages.RDBStorage(driver_url(url))
    try:
        names = optuna.study.get_all_study_names(storage)
        if names != [study_name]:
            return [f"studies in storage: {names}"]
        trials = optuna.load_study(study_name=study_name, storage=storage).trials
    finally:
        storage.engine.dispose()  # the database is dropped next
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    problems = [] if len(done) == TRIALS else [f"{len(done)} COMPLETE trials, budget {TRIALS}"]
    problems += [f"trial {t.number}: run folder {t.user_attrs.get('run_dir')} is not complete"
                 for t in done if not is_complete(Path(t.user_attrs.get("run_dir", "/nonexistent")))]
    problems += [f"trial {t.number} left {t.state.name}" for t in trials
                 if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    problems += [f"trial {t.number} failed: {t.user_attrs.get('fail_reason')}" for t in trials
                 if t.state == TrialState.FAIL
                 and not t.user_attrs.get("fail_reason", "").startswith("surplus")]
    return problems


@pytest.mark.parametrize("rep", range(COUNT))
def test_workers_started_together_on_an_empty_database(rep, zygote, tmp_path, tiny_encoder):
    path = tmp_path / "tiny.csv"
    rows = [f"{['happy', 'angry', 'scared'][i % 3]} day {i},{['joy', 'anger', 'fear'][i % 3]}"
            for i in range(60)]
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    logs = [tmp_path / f"worker{i}.log" for i in range(WORKERS)]
    with fresh_database() as url:
        argv = ["sweep", "--dataset", str(path), "--encoder", tiny_encoder, "--mode", "frozen",
                "--losses", "softmax", "--trials", str(TRIALS), "--final-seeds", "0",
                "--epochs", "2", "--quiet", "--storage", url, "--device", "cpu",
                "--sweep-dir", str(tmp_path / "sweeps"), "--output-dir", str(tmp_path / "runs")]
        codes = zygote(argv, logs, {"BENCH_THREADS": "1"})
        texts = [log.read_text() for log in logs]
        problems = [f"worker {i} exited {c}" for i, c in enumerate(codes) if c != 0]
        problems += [f"worker {i} printed a traceback" for i, t in enumerate(texts)
                     if "Traceback" in t]
        try:
            problems += _check(url, f"{path.stem}|softmax|{tiny_encoder}|frozen")
        except Exception as exc:  # noqa: BLE001 - reported below, with every worker's log
            problems.append(f"could not read the study: {type(exc).__name__}: {exc}")
    report = "\n".join(f"----- worker {i} (exit {c}) -----\n{t}"
                       for i, (c, t) in enumerate(zip(codes, texts, strict=True)))
    assert not problems, "; ".join(problems) + "\n" + report
