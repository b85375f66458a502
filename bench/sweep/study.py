"""Studies: names, storage, and a budget-exact search step that concurrent workers can share.

Exactness: a study ends with exactly N COMPLETE trials even with many workers. Before a trial
a worker checks COMPLETE + in-flight < N; a trial that loses a race (another worker's earlier
trial already holds the last slot) is closed as FAIL with reason SURPLUS before it samples or
trains anything, so it never counts. Killed workers leave RUNNING trials: with heartbeats
they turn FAIL after the grace period and are re-queued (same params) as WAITING trials; an
interrupted trial (Ctrl-C, SIGTERM) is failed and re-queued the same way at once (trial.py).

Start-up: on PostgreSQL, creating Optuna's schema and each study is serialised across workers
(bench.sweep.pglock), so any number of workers may start together on an empty database.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import optuna
from optuna.trial import TrialState

from bench.sweep.pglock import guarded

SURPLUS = "surplus: the budget was already taken by other workers; nothing was trained"
IN_FLIGHT = (TrialState.RUNNING, TrialState.WAITING)


def study_name(dataset: str, loss: str, encoder: str, mode: str) -> str:
    return "|".join((dataset, loss, encoder, mode))


def slug(name: str) -> str:
    """A folder name for a study name (`|` and path characters replaced)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name.replace("|", "__")).strip("_")


@dataclass(frozen=True)
class StorageOptions:
    url: str
    heartbeat_interval: int = 30
    grace_period: int = 120
    max_retry: int = 2  # how often a trial of a killed worker is re-run before giving up


def _sqlite_path(url: str) -> Path | None:
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def storage_exists(url: str) -> bool:
    path = _sqlite_path(url)
    return path is None or path.exists()


def driver_url(url: str) -> str:
    """SQLAlchemy >= 2.1 maps postgresql:// to psycopg 3; use psycopg2 when that is what we have."""
    if not url.startswith(("postgresql://", "postgres://")):
        return url
    if importlib.util.find_spec("psycopg") is None and importlib.util.find_spec("psycopg2"):
        return "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


def make_storage(opts: StorageOptions, *, heartbeat: bool = True) -> optuna.storages.RDBStorage:
    path, url = _sqlite_path(opts.url), driver_url(opts.url)
    engine = {}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = {"connect_args": {"timeout": 60}}  # several local workers share one file
    try:  # optuna >= 4.9 renamed the retry callback and its argument
        from optuna.storages import RetryHeartbeatStaleTrialCallback as Retry
        key = "heartbeat_stale_trial_callback"
    except ImportError:
        from optuna.storages import RetryFailedTrialCallback as Retry
        key = "failed_trial_callback"

    def create() -> optuna.storages.RDBStorage:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            beat = {"heartbeat_interval": opts.heartbeat_interval,
                    "grace_period": opts.grace_period,
                    key: Retry(max_retry=opts.max_retry)} if heartbeat else {}
            return optuna.storages.RDBStorage(url, engine_kwargs=engine, **beat)

    return guarded(url, "open the sweep storage", create)


def make_sampler(seed: int, n_existing: int) -> optuna.samplers.TPESampler:
    """Seeded per trial slot: one worker is reproducible, and concurrent workers (which see
    each other's RUNNING trials in the count) do not draw the same configurations."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(seed=seed * 100_003 + n_existing, constant_liar=True)


def open_study(name: str, storage, *, seed: int) -> optuna.Study:
    return guarded(getattr(storage, "url", ""), f"create or load study {name!r}",
                   lambda: optuna.create_study(
                       study_name=name, storage=storage, direction="maximize",
                       load_if_exists=True, sampler=make_sampler(seed, 0),
                       pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2)))


def fail_stale(study: optuna.Study) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def state_counts(study: optuna.Study) -> dict[TrialState, int]:
    counts = dict.fromkeys(TrialState, 0)
    for t in study.get_trials(deepcopy=False):
        counts[t.state] += 1
    return counts


def claimed_before(study: optuna.Study, number: int) -> int:
    """Budget slots taken before trial `number`: every COMPLETE plus earlier in-flight trials."""
    return sum(1 for t in study.get_trials(deepcopy=False)
               if t.state == TrialState.COMPLETE
               or (t.state in IN_FLIGHT and t.number < number))


class SurplusTrial(Exception):
    """Raised before sampling when the trial would exceed the study's budget."""


def _quiet_surplus(record: logging.LogRecord) -> bool:
    """Optuna logs each caught trial error with a traceback; a surplus trial is no error (and
    its "Trial N failed with value None." line repeats what the line before it said), and an
    interrupted one (Ctrl-C, a deadline's SIGINT) is said in one line by the CLI instead."""
    message = record.getMessage()
    return ("SurplusTrial(" not in message and "KeyboardInterrupt(" not in message
            and not message.endswith("failed with value None."))


def killed(trials) -> set[int]:
    """Numbers of the trials whose worker died: failed by a stale heartbeat, re-queued by
    Optuna's retry callback, which names them in the new trial's `failed_trial`."""
    return {t.system_attrs["failed_trial"] for t in trials if "failed_trial" in t.system_attrs}


def wall_seconds(trial: optuna.trial.FrozenTrial, dead: set[int] = frozenset()) -> float | None:
    """Start to end of a finished trial; None while it runs or waits, and for a trial in
    `dead` (see killed()): its end is when a later worker noticed it, maybe hours later."""
    if trial.datetime_start is None or trial.datetime_complete is None or trial.number in dead:
        return None
    return (trial.datetime_complete - trial.datetime_start).total_seconds()


def step(study: optuna.Study, objective, *, n_trials: int, catch: tuple, seed: int = 0,
         before_trial=None) -> str:
    """Run at most one trial: 'done' (N complete), 'busy' (others hold the rest), or 'ran'.
    `before_trial()` is called only when a trial is about to start (a deadline's check)."""
    fail_stale(study)
    counts = state_counts(study)
    complete, running = counts[TrialState.COMPLETE], counts[TrialState.RUNNING]
    if complete >= n_trials:
        return "done"
    if complete + running >= n_trials:  # wait: one of those may still fail and need a rerun
        return "busy"
    if before_trial is not None:
        before_trial()
    study.sampler = make_sampler(seed, sum(counts.values()))
    logging.getLogger("optuna.study._optimize").addFilter(_quiet_surplus)
    study.optimize(objective, n_trials=1, catch=(SurplusTrial, *catch),
                   callbacks=[optuna.study.MaxTrialsCallback(n_trials,
                                                             states=(TrialState.COMPLETE,))])
    return "ran"
