"""`bench sweep --show`: one block per study in the storage, read straight from Optuna."""

from __future__ import annotations

import optuna
from optuna.trial import TrialState

from bench.sweep.study import SURPLUS, killed, state_counts, wall_seconds


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def trial_time(study: optuna.Study) -> str:
    """What the study cost: wall time from start to end of every finished trial but a killed
    worker's, which is named instead (a sweep's cost is not in any run record; surplus trials
    train nothing and take no time)."""
    trials = study.get_trials(deepcopy=False)
    dead = killed(trials)
    finished = [s for t in trials if (s := wall_seconds(t, dead)) is not None]
    line = (f"trial time: {sum(finished) / 3600:.2f} h over {len(finished)} finished trials "
            "(wall clock, start to end of each)")
    if dead:
        line += (f"; {len(dead)} trial{'s' * (len(dead) > 1)} of killed workers not timed "
                 "(failed when a later worker noticed, maybe hours after)")
    return line


def study_summary(study: optuna.Study) -> str:
    counts = state_counts(study)
    surplus = sum(1 for t in study.get_trials(deepcopy=False, states=(TrialState.FAIL,))
                  if t.user_attrs.get("fail_reason") == SURPLUS)
    line = (f"{study.study_name}: complete {counts[TrialState.COMPLETE]}, "
            f"pruned {counts[TrialState.PRUNED]}, failed {counts[TrialState.FAIL] - surplus}, "
            f"running {counts[TrialState.RUNNING]}, waiting {counts[TrialState.WAITING]}")
    if surplus:
        line += f", surplus {surplus}"
    line += f"\n  {trial_time(study)}"
    if not counts[TrialState.COMPLETE]:
        return line + "\n  best: none yet"
    best = study.best_trial
    params = ", ".join(f"{k}={_fmt(v)}" for k, v in sorted(best.params.items()))
    return line + f"\n  best dev macro-F1 {best.value:.4f} (trial {best.number}): {params}"


def show(storage) -> str:
    names = sorted(optuna.study.get_all_study_names(storage))
    if not names:
        return "no studies in this storage yet; run `python -m bench sweep` first"
    return "\n".join(study_summary(optuna.load_study(study_name=n, storage=storage))
                     for n in names)
