"""A sweep campaign: plan and time estimate, the search over every study, and final seeds."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from optuna.trial import TrialState

from bench import cache
from bench.config import RunConfig
from bench.records import scan_runs
from bench.sweep import space
from bench.sweep.study import open_study, slug, step, study_name, wall_seconds
from bench.sweep.trial import TRIAL_ERRORS, make_objective

# Rough 2-core CPU costs behind the printed estimate (measured once, not a promise).
FROZEN_TRIAL_S_PER_1K = 0.25  # frozen head training per 1k train examples (15 epochs)
FROZEN_TRIAL_OVERHEAD_S = 2.0
FINETUNE_EXAMPLES_PER_S = 110.0  # MiniLM, float32, idle 2-core CPU (README main job)
ENCODE_TEXTS_PER_S = 100.0  # MiniLM on a busy 2-core CPU
POLL_S = 5.0
DEADLINE_MARGIN = 1.1  # a trial may take this much longer than the longest one so far


class DeadlineReached(Exception):
    """The next trial or final run would not end before `--deadline`: stop between trials."""


def longest_trial_s(studies, fallback: float) -> float:
    """The longest COMPLETE trial of these studies (wall clock), or `fallback` before any:
    pruned trials are shorter by design and say nothing of what a full one takes."""
    times = [wall_seconds(t) for study in studies
             for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    return max((t for t in times if t is not None), default=fallback)


def deadline_guard(deadline: float | None, studies, fallback: float, what: str):
    """None without a deadline; else a check that raises DeadlineReached when `what`, as long
    as the longest complete trial of `studies` (`fallback` before one), cannot end in time."""
    if deadline is None:
        return None

    def check() -> None:
        need_s = longest_trial_s(studies, fallback)  # read when checked: trials keep ending
        if time.monotonic() + DEADLINE_MARGIN * need_s > deadline:
            left = max(0.0, deadline - time.monotonic())
            raise DeadlineReached(f"deadline: {what} would take ~{need_s:.0f} s and {left:.0f} s "
                                  "are left; rerun the same command to continue")
    return check


@dataclass(frozen=True)
class Campaign:
    base: RunConfig  # shared options; loss and search values are filled per study/trial
    losses: tuple[str, ...]
    dataset_name: str
    n_trials: int
    final_seeds: int
    sweep_dir: Path
    save_models: bool = False

    def names(self) -> dict[str, str]:
        b = self.base
        return {loss: study_name(self.dataset_name, loss, b.encoder, b.mode) for loss in self.losses}


def trial_seconds(cfg: RunConfig, ds) -> float:
    n = len(ds.train)
    if cfg.mode == "frozen":
        epochs = (cfg.epochs or 40) / 15
        return FROZEN_TRIAL_OVERHEAD_S + FROZEN_TRIAL_S_PER_1K * n / 1000 * epochs
    # at most: early stopping and pruning usually end a trial sooner
    evaluate = (len(ds.dev) * (cfg.epochs or 10) + len(ds.test)) / ENCODE_TEXTS_PER_S
    return n * (cfg.epochs or 10) / FINETUNE_EXAMPLES_PER_S + evaluate


def plan_text(c: Campaign, ds, storage_url: str) -> str:
    per_trial = trial_seconds(c.base, ds)
    encode = cache.uncached_texts(c.base, ds) / ENCODE_TEXTS_PER_S if c.base.mode == "frozen" else 0
    runs = len(c.losses) * (c.n_trials + c.final_seeds)
    total = encode + runs * per_trial
    lines = [f"sweep plan: {len(c.losses)} studies x {c.n_trials} completed trials "
             f"({c.base.mode} mode, {len(ds.train)} train examples), storage {storage_url}"]
    lines += [f"  {name}" for name in c.names().values()]
    lines.append(f"  then {c.final_seeds} final seed(s) per objective with its best configuration "
                 f"(--final-seeds), written to {c.base.output_dir}")
    lines.append(f"  ESTIMATE (2-core CPU, single worker; trials already done are skipped): "
                 f"~{total / 60:.0f} min = {encode / 60:.0f} min encoding + {runs} runs x "
                 f"~{per_trial:.0f} s; pruned trials are shorter, a GPU is faster")
    return "\n".join(lines)


def search_all(c: Campaign, storage, *, features=None, seed: int = 0, log=print,
               deadline: float | None = None, first_guess_s: float = 0.0) -> dict:
    """Bring every study to N complete trials; a worker moves on while others hold a study.
    `deadline` (time.monotonic()): raise DeadlineReached rather than start a trial that the
    longest complete one so far (of any study; `first_guess_s` before one) says cannot end
    in time, so a session's end never cuts a trial (whose work would be lost)."""
    studies = {loss: open_study(name, storage, seed=seed) for loss, name in c.names().items()}
    pending = list(c.losses)
    while pending:
        progressed = False
        for loss in list(pending):
            study = studies[loss]
            base = space.apply(c.base, {}, loss=loss)
            objective = make_objective(study, base, n_trials=c.n_trials, features=features,
                                       trials_dir=c.sweep_dir / slug(study.study_name) / "trials",
                                       log=log)
            log(f"study {study.study_name}")
            guard = deadline_guard(deadline, studies.values(), first_guess_s,
                                   f"a trial of {study.study_name}")
            while (state := step(study, objective, n_trials=c.n_trials, catch=TRIAL_ERRORS,
                                 seed=seed, before_trial=guard)) == "ran":
                progressed = True
            if state == "done":
                pending.remove(loss)
        if pending and not progressed:
            time.sleep(POLL_S)  # other workers hold the remaining trials; wait for them
    return studies


def find_complete(output_dir: str | Path, identity: str) -> Path | None:
    return scan_runs(output_dir)[0].get(identity)


def final_runs(c: Campaign, studies: dict, *, log=print, deadline: float | None = None,
               first_guess_s: float = 0.0) -> list[Path]:
    """Re-train each objective's best configuration with seeds 0..K-1 (resumable); with
    `deadline`, none is started that its study's longest complete trial says cannot end.
    Seed-major, as campaign v2: every objective gets seed 0 before any gets seed 1, so a
    sweep stopped half-way leaves paired seeds for the verdicts, not one objective's five."""
    from bench.runner import run

    done = []
    best = {loss: study.best_trial for loss, study in studies.items()}
    for seed in range(c.final_seeds):
        for loss, study in studies.items():
            cfg = space.apply(c.base, space.from_params(best[loss].params), loss=loss, seed=seed,
                              save_model=c.save_models,
                              tags=("sweep-final", study.study_name, f"trials={c.n_trials}"))
            existing = find_complete(cfg.output_dir, cfg.identity_hash())
            if existing is None:
                guard = deadline_guard(deadline, [study], first_guess_s,
                                       f"final {loss} seed {seed}")
                if guard is not None:
                    guard()
                existing = run(cfg, progress=False).run_dir
                log(f"final {loss} seed {seed}: {existing}")
            else:
                log(f"final {loss} seed {seed}: already done in {existing}")
            done.append(Path(existing))
    return done
