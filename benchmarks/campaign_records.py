"""What campaign v2's finished records tell of cost: where each ran, its wall time (stretched
to its epoch cap for `--deadline`) and how many epochs runs of an objective trained."""

from __future__ import annotations

from pathlib import Path

from bench.errors import RunFolderError
from bench.records import read_json

# datasets with the same training texts (GoEmotions' label sets): one's finished runs tell the
# cost of another's until it has its own (a GPU lease may have run any of them first)
SAME_TEXTS = ("goemotions", "goemotions_ekman", "goemotions_group")

Run = tuple[str, str, str, float]  # (dataset, objective, machine(), wall seconds)


def texts_of(dataset: str) -> tuple[str, ...]:
    """`dataset` first, then the datasets that train on the same texts."""
    same = SAME_TEXTS if dataset in SAME_TEXTS else ()
    return (dataset, *(d for d in same if d != dataset))


def machine(env: dict) -> str:
    """Where a record ran, as the plan groups costs: "cuda", or "cpu" with its torch threads
    ("cpu (1 thread)"): a one-thread step ran at 0.60x two threads' speed (README,
    Performance), so their wall times are not one population. A resumed
    run's env.json tells its last process."""
    kind = str(env.get("device", "")).split(":")[0]
    threads = env.get("torch_threads")
    if kind != "cpu" or not threads:
        return kind
    return f"cpu ({threads} thread{'s' * (threads > 1)})"


def capped(metrics: dict, cap: int | None) -> float | None:
    """Seconds a run would have taken had it trained all `cap` epochs (the config's maximum):
    its start-up and test scoring, plus its mean epoch (training and dev scoring) times the
    cap. Only the last process counts, which is what "total" and env.json describe (a run
    resumed on two threads after one-thread epochs). None when the record cannot say."""
    t, training = metrics["timings"], metrics.get("training") or {}
    epochs = len(training.get("curve") or []) - max(training.get("resumed_after_epochs") or [0])
    if not cap or epochs <= 0:
        return None
    fixed = sum(t.get(k, 0.0) for k in ("load_data", "prepare", "evaluate"))
    return fixed + (t["total"] - fixed) / epochs * cap


def finished(ident: dict[tuple, str], done: dict[str, Path], *, full: bool = False
             ) -> list[Run]:
    """One Run per finished cell, each record read once. `full` (the deadline's): each
    wall stretched to the epoch cap, as early stopping may not come; else as it ran."""
    runs = []
    for cell, key in ident.items():
        if key in done:
            try:
                metrics = read_json(done[key] / "metrics.json")
                t = metrics["timings"]
                ran_on = machine(read_json(done[key] / "env.json"))
                cap = read_json(done[key] / "config.json").get("epochs") if full else None
            except (RunFolderError, KeyError):
                continue
            # a resumed run's "total" is its last process; "train" spans all of them
            wall = (capped(metrics, cap) if full else None) or max(t["total"], t["train"])
            runs.append((cell[0], cell[1], ran_on, wall))
    return runs


def longest(ident: dict[tuple, str], done: dict[str, Path]) -> dict[tuple, int]:
    """The most epochs a finished run of each (dataset, objective) trained, over the runs on
    the same texts (GoEmotions' label sets share theirs): how far a running one is likely to
    go, where its epoch cap says only how far it may."""
    most: dict[tuple, int] = {}
    for cell, key in ident.items():
        if key in done:
            try:
                curve = (read_json(done[key] / "metrics.json").get("training") or {})["curve"]
            except (RunFolderError, KeyError, TypeError):
                continue
            for texts in texts_of(cell[0]):
                most[texts, cell[1]] = max(most.get((texts, cell[1]), 0), len(curve))
    return most
