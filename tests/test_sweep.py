"""`bench sweep` on a tiny CSV with the tiny encoder: exact budgets, resume, failures, show."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

import bench.runner
from bench.cli import build_parser
from bench.commands import sweep
from bench.errors import BenchError, TrainingError
from bench.records import is_complete
from bench.sweep.study import SURPLUS, StorageOptions, SurplusTrial, make_storage, step

LOSSES = "softmax,proxy_anchor"


@pytest.fixture
def csv_path(tmp_path):
    path = tmp_path / "tiny.csv"
    words = {"joy": "happy glad sunny", "anger": "angry mad furious", "fear": "scared afraid dark"}
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(("text", "label"))
        for i in range(60):
            label = list(words)[i % 3]
            w.writerow((f"{words[label].split()[i % 3]} day number {i}", label))
    return path


@pytest.fixture
def sweep_args(tmp_path, csv_path, tiny_encoder):
    def make(*extra: str):
        argv = ["sweep", "--dataset", str(csv_path), "--encoder", tiny_encoder, "--mode", "frozen",
                "--losses", LOSSES, "--trials", "3", "--epochs", "3", "--final-seeds", "0",
                "--sweep-dir", str(tmp_path / "sweeps"), "--output-dir", str(tmp_path / "runs"),
                "--device", "cpu", *extra]
        return build_parser("sweep").parse_args(argv)
    return make


def _studies(tmp_path) -> dict[str, optuna.Study]:
    storage = f"sqlite:///{tmp_path / 'sweeps' / 'optuna.db'}"
    return {n: optuna.load_study(study_name=n, storage=storage)
            for n in optuna.study.get_all_study_names(storage)}


def _complete(study):
    return study.get_trials(states=(TrialState.COMPLETE,))


def test_exact_budget_then_resume(tmp_path, sweep_args, capsys):
    assert sweep.handle(sweep_args()) == 0
    out = capsys.readouterr().out
    assert "sweep plan: 2 studies x 3 completed trials" in out and "ESTIMATE" in out
    studies = _studies(tmp_path)
    assert sorted(studies) == ["tiny|proxy_anchor|" + sweep_args().encoder + "|frozen",
                               "tiny|softmax|" + sweep_args().encoder + "|frozen"]
    for study in studies.values():
        done = _complete(study)
        assert len(done) == 3
        for t in done:
            run_dir = Path(t.user_attrs["run_dir"])
            assert is_complete(run_dir) and 0.0 <= t.value <= 1.0
            config = json.loads((run_dir / "config.json").read_text())
            assert config["save_model"] is False and not (run_dir / "model").exists()
            assert config["lr"] == t.params["lr"] and config["tags"][0] == "sweep-trial"
    counts = {n: len(s.trials) for n, s in studies.items()}
    sweep.handle(sweep_args())  # same budget: nothing new
    assert {n: len(s.trials) for n, s in _studies(tmp_path).items()} == counts
    sweep.handle(sweep_args("--trials", "5"))  # two more each, exactly
    assert [len(_complete(s)) for s in _studies(tmp_path).values()] == [5, 5]


def test_failed_trial_is_recorded_and_not_counted(tmp_path, sweep_args, monkeypatch):
    real, calls = bench.runner.run, []

    def flaky(cfg, **kw):
        calls.append(cfg.run_id)
        if len(calls) == 2:
            raise TrainingError("non-finite loss (nan) at step 1; lower the learning rate")
        return real(cfg, **kw)

    monkeypatch.setattr(bench.runner, "run", flaky)
    assert sweep.handle(sweep_args("--losses", "softmax")) == 0
    (study,) = _studies(tmp_path).values()
    failed = study.get_trials(states=(TrialState.FAIL,))
    assert len(_complete(study)) == 3 and len(failed) == 1
    assert failed[0].user_attrs["fail_reason"].startswith("TrainingError: non-finite loss")


def test_show_lists_every_study(tmp_path, sweep_args, capsys):
    sweep.handle(sweep_args("--show"))
    assert "no sweep storage" in capsys.readouterr().out
    sweep.handle(sweep_args())
    capsys.readouterr()
    assert sweep.handle(sweep_args("--show")) == 0
    out = capsys.readouterr().out
    assert out.count("complete 3, pruned 0, failed 0, running 0") == 2
    assert out.count("best dev macro-F1") == 2 and "lr=" in out and "loss.alpha=" in out


def test_final_seeds_write_runs_and_resume(tmp_path, sweep_args):
    sweep.handle(sweep_args("--losses", "softmax", "--final-seeds", "2"))
    runs = sorted((tmp_path / "runs").iterdir())
    assert len(runs) == 2 and all(is_complete(r) for r in runs)
    configs = [json.loads((r / "config.json").read_text()) for r in runs]
    (study,) = _studies(tmp_path).values()
    assert sorted(c["seed"] for c in configs) == [0, 1]
    assert all(c["tags"] == ["sweep-final", study.study_name, "trials=3"] for c in configs)
    assert configs[0]["lr"] == study.best_trial.params["lr"]
    sweep.handle(sweep_args("--losses", "softmax", "--final-seeds", "3"))  # only seed 2 is new
    assert len(list((tmp_path / "runs").iterdir())) == 3


def test_final_runs_are_seed_major(tmp_path, sweep_args, capsys):
    # a sweep stopped after three re-trains must leave seed 0 of both objectives (a paired
    # comparison), not seeds 0-2 of the first objective only
    assert sweep.handle(sweep_args("--final-seeds", "2")) == 0
    lines = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()
             if line.startswith("final ")]
    assert lines == ["final softmax seed 0", "final proxy_anchor seed 0",
                     "final softmax seed 1", "final proxy_anchor seed 1"]


def test_budget_is_exact_against_in_flight_trials(tmp_path):
    storage = make_storage(StorageOptions(url=f"sqlite:///{tmp_path / 'o.db'}"),
                           heartbeat=False)
    study = optuna.create_study(study_name="s", storage=storage, direction="maximize")
    first = study.ask()  # another worker's trial, still running

    def objective(trial):
        raise AssertionError("must not train while the budget is held by others")

    assert step(study, objective, n_trials=1, catch=()) == "busy"
    from bench.sweep.trial import make_objective
    surplus = make_objective(study, None, n_trials=1, trials_dir=tmp_path)
    with pytest.raises(SurplusTrial):
        surplus(study.ask())  # lost the race: an earlier trial holds the only slot
    study.tell(first, 0.5)
    assert step(study, objective, n_trials=1, catch=()) == "done"
    assert SURPLUS.startswith("surplus")


def test_bad_losses_are_rejected(sweep_args):
    with pytest.raises(BenchError, match="--losses must name registered objectives"):
        sweep.handle(sweep_args("--losses", "softmax,nope"))


def test_trials_never_score_test(tmp_path, tiny_encoder):
    """The search sees dev only: trial records hold no test metrics or predictions."""
    import json

    from bench.cli import main
    from tests.helpers import write_csv

    data = write_csv(tmp_path / "toy.csv")
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    assert main(["sweep", "--dataset", str(data), "--losses", "softmax", "--trials", "2",
                 "--encoder", tiny_encoder, "--storage", storage, "--final-seeds", "0",
                 "--output-dir", str(tmp_path / "runs"), "--sweep-dir", str(tmp_path / "sweeps"),
                 "--mode", "frozen"]) == 0
    records = list((tmp_path / "sweeps").rglob("metrics.json"))
    assert len(records) == 2
    for path in records:
        assert json.loads(path.read_text())["test"] is None
        assert not (path.parent / "test_predictions.npz").exists()


def test_optuna_trial_log_filter_keeps_real_errors_only():
    import logging

    from bench.sweep.study import _quiet_surplus

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("optuna.study._optimize", logging.WARNING, __file__, 1, msg,
                                 None, None)

    params = "{'lr': 3e-05}"
    assert not _quiet_surplus(record(f"Trial 0 failed with parameters: {params} because of the "
                                     "following error: KeyboardInterrupt()."))
    assert not _quiet_surplus(record(f"Trial 1 failed with parameters: {params} because of the "
                                     "following error: SurplusTrial('surplus')."))
    assert not _quiet_surplus(record("Trial 1 failed with value None."))
    assert _quiet_surplus(record(f"Trial 2 failed with parameters: {params} because of the "
                                 "following error: TrainingError('loss is nan')."))


def test_finetune_trials_leave_no_checkpoint_and_pruned_ones_say_so(tmp_path, sweep_args,
                                                                      monkeypatch):
    """A fine-tune trial is never resumed, so it writes no per-epoch checkpoint (a MiniLM's is
    ~350 MB, and pruned trials used to keep theirs); a pruned trial's record says "pruned"."""
    calls = []

    def prune_first_trial_once(self) -> bool:
        calls.append(self.number)
        return self.number == 0 and calls.count(0) == 1

    monkeypatch.setattr(optuna.trial.Trial, "should_prune", prune_first_trial_once)
    args = sweep_args("--mode", "finetune", "--losses", "softmax", "--trials", "2",
                      "--epochs", "2")
    assert sweep.handle(args) == 0
    trials = sorted((tmp_path / "sweeps").rglob("trial-*"))
    statuses = {t.name[:10]: json.loads((t / "status.json").read_text()) for t in trials}
    assert [s["status"] for s in statuses.values()] == ["pruned", "complete", "complete"]
    assert statuses["trial-0000"]["reason"].startswith("pruned after epoch 1 (dev macro-F1 ")
    assert not list((tmp_path / "sweeps").rglob("checkpoint"))
    (study,) = _studies(tmp_path).values()
    assert [t.state for t in study.trials] == [TrialState.PRUNED, TrialState.COMPLETE,
                                              TrialState.COMPLETE]


def test_show_states_the_time_the_trials_took():
    import datetime

    from optuna.distributions import FloatDistribution
    from optuna.trial import FrozenTrial

    from bench.sweep.show import trial_time

    study = optuna.create_study(direction="maximize")
    t0 = datetime.datetime(2026, 1, 1)
    for i, (minutes, state) in enumerate([(30, TrialState.COMPLETE), (15, TrialState.PRUNED),
                                          (None, TrialState.RUNNING)]):
        study.add_trial(FrozenTrial(
            number=i, trial_id=i, state=state, value=0.5 if state == TrialState.COMPLETE else None,
            values=None, datetime_start=t0,
            datetime_complete=None if minutes is None else t0 + datetime.timedelta(minutes=minutes),
            params={"lr": 1e-4}, distributions={"lr": FloatDistribution(1e-5, 1e-3)},
            user_attrs={}, system_attrs={}, intermediate_values={}))
    assert trial_time(study) == ("trial time: 0.75 h over 2 finished trials "
                                 "(wall clock, start to end of each)")
    # a killed worker's trial is failed two hours later by the next worker, which re-queues
    # it (Optuna names it in the new trial's failed_trial): those two hours are not its time
    for number, state, minutes, attrs in [(3, TrialState.FAIL, 120, {}),
                                          (4, TrialState.COMPLETE, 10, {"failed_trial": 3})]:
        study.add_trial(FrozenTrial(
            number=number, trial_id=number, state=state, value=0.5 if minutes == 10 else None,
            values=None, datetime_start=t0, datetime_complete=t0 + datetime.timedelta(
                minutes=minutes), params={"lr": 1e-4},
            distributions={"lr": FloatDistribution(1e-5, 1e-3)}, user_attrs={},
            system_attrs=attrs, intermediate_values={}))
    assert trial_time(study) == ("trial time: 0.92 h over 3 finished trials (wall clock, start "
                                 "to end of each); 1 trial of killed workers not timed (failed "
                                 "when a later worker noticed, maybe hours after)")


def test_deadline_starts_nothing_that_cannot_end_in_time_and_resumes(tmp_path, sweep_args,
                                                                     capsys):
    # before any trial completed, the plan's estimate (far above 1 ms) stands in for one
    assert sweep.handle(sweep_args("--deadline", "0.001")) == 0
    out = capsys.readouterr().out
    assert "deadline: a trial of " in out and "rerun the same command to continue" in out
    assert all(not s.trials for s in _studies(tmp_path).values())
    assert sweep.handle(sweep_args("--deadline", "1e6")) == 0  # the same command goes on
    assert [len(_complete(s)) for s in _studies(tmp_path).values()] == [3, 3]
    # every study is done, so no trial is checked; the final runs are, against the longest
    # complete trial, and none starts
    assert sweep.handle(sweep_args("--final-seeds", "2", "--deadline", "0.001")) == 0
    out = capsys.readouterr().out
    assert "deadline: final softmax seed 0 would take" in out
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


@pytest.mark.parametrize("value", ["0", "-5", "inf", "nan"])
def test_deadline_must_be_a_positive_number_of_seconds(sweep_args, value):
    with pytest.raises(BenchError, match=r"--deadline must be a finite number > 0, "
                                         r"but got deadline="):
        sweep.handle(sweep_args("--deadline", value))


def test_an_interrupted_trial_is_requeued_with_the_same_parameters(tmp_path, sweep_args,
                                                                  monkeypatch):
    real, calls = bench.runner.run, []

    def interrupted_once(cfg, **kw):
        calls.append(cfg.run_id)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(cfg, **kw)

    monkeypatch.setattr(bench.runner, "run", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        sweep.handle(sweep_args("--losses", "softmax"))
    (study,) = _studies(tmp_path).values()
    (failed,) = study.get_trials(states=(TrialState.FAIL,))
    (waiting,) = study.get_trials(states=(TrialState.WAITING,))
    assert failed.user_attrs["fail_reason"].startswith("interrupted")
    assert waiting.user_attrs["requeued_from"] == failed.number
    assert json.loads((Path(failed.user_attrs["run_dir"]) / "status.json").read_text())[
        "status"] == "interrupted"
    assert sweep.handle(sweep_args("--losses", "softmax")) == 0  # the same command goes on
    (study,) = _studies(tmp_path).values()
    done = _complete(study)
    assert len(done) == 3 and failed.params in [t.params for t in done]
    assert not study.get_trials(states=(TrialState.WAITING, TrialState.RUNNING))
