"""One trial: sample a configuration, train it with `bench.runner.run`, return dev macro-F1.

The search only ever reads `training.best_dev_macro_f1`. `bench.runner.run` also scores the
test split at the end of every run (final_evaluation), so trial folders do contain test
metrics; the sampler and pruner never see them.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import optuna

from bench.config import RunConfig
from bench.errors import TrainingError
from bench.records import write_status
from bench.sweep import space
from bench.sweep.study import SURPLUS, SurplusTrial, claimed_before

# Failures that end one trial but not the sweep: NaN loss, CUDA OOM (a RuntimeError),
# and hyperparameter combinations an objective rejects (ValueError).
TRIAL_ERRORS = (TrainingError, RuntimeError, ValueError)
INTERRUPTED = "interrupted (Ctrl-C or SIGTERM); its parameters were re-queued as a new trial"


def make_objective(study: optuna.Study, base: RunConfig, *, n_trials: int, trials_dir: Path,
                   features=None, log=print):
    """The callable handed to `study.optimize`; `features` are shared frozen embeddings."""
    from bench.runner import run  # heavy imports only when training

    def objective(trial: optuna.Trial) -> float:
        if claimed_before(study, trial.number) >= n_trials:
            trial.set_user_attr("fail_reason", SURPLUS)
            raise SurplusTrial(SURPLUS)
        overrides = space.suggest(trial, base.mode, base.loss)
        run_id = f"trial-{trial.number:04d}-{secrets.token_hex(3)}"
        cfg = space.apply(base, overrides, run_id=run_id, output_dir=str(trials_dir),
                          save_model=False, score_test=False,
                          tags=("sweep-trial", study.study_name))
        trial.set_user_attr("run_dir", str(trials_dir / run_id))

        def on_epoch(epoch: int, f1: float) -> None:
            trial.report(f1, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned after epoch {epoch + 1} (dev macro-F1 {f1:.4f})")

        try:
            out = run(cfg, features=features, on_epoch=on_epoch, progress=False, resumable=False)
        except TRIAL_ERRORS as exc:
            reason = f"{type(exc).__name__}: {exc}"
            trial.set_user_attr("fail_reason", reason[:1000])
            log(f"  trial {trial.number} failed: {reason[:200]}")
            raise
        except KeyboardInterrupt:
            # Ctrl-C, `kill`, a deadline: like a killed worker's trial (heartbeat retry), the
            # same parameters run again next time, so an interruption changes when a
            # configuration is tried, never which; the FAIL it leaves does not count
            study.enqueue_trial(trial.params, user_attrs={"requeued_from": trial.number})
            trial.set_user_attr("fail_reason", INTERRUPTED)
            write_status(trials_dir / run_id, "interrupted", reason=INTERRUPTED)
            raise
        except optuna.TrialPruned as exc:
            # the runner wrote "failed" (it knows no pruning); the record says what happened
            write_status(trials_dir / run_id, "pruned", reason=str(exc))
            log(f"  trial {trial.number} pruned")
            raise
        training = out.metrics["training"]  # dev only: never read out.metrics["test"]
        trial.set_user_attr("best_epoch", training["best_epoch"])
        value = float(training["best_dev_macro_f1"])
        log(f"  trial {trial.number}: dev macro-F1 {value:.4f}")
        return value

    return objective
