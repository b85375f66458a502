"""What campaign v2 (benchmarks/campaign_v2.py) has left to run and what that costs, per
machine, from the wall times of the finished runs: `--plan`'s table and `--deadline`'s guess."""

from __future__ import annotations

from pathlib import Path

from bench.errors import RunFolderError
from bench.records import read_json

# datasets with the same training texts (GoEmotions' label sets): one's finished runs tell the
# cost of another's until it has its own (a GPU lease may have run any of them first)
SAME_TEXTS = ("goemotions", "goemotions_ekman", "goemotions_group")


def lender(walls: dict[str, list[float]], dataset: str) -> str | None:
    """The dataset whose finished runs stand for `dataset`'s: itself, else the first of its
    SAME_TEXTS with some; None when there are none."""
    if walls.get(dataset):
        return dataset
    if dataset not in SAME_TEXTS:
        return None
    return next((d for d in SAME_TEXTS if walls.get(d)), None)


def borrow(walls: dict[str, list[float]], datasets) -> dict[str, list[float]]:
    """`walls` with each dataset that has none taking those of its lender."""
    return {d: walls.get(lender(walls, d) or d, []) for d in datasets}


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


def finished(ident: dict[tuple, str], done: dict[str, Path]) -> list[tuple[str, str, float]]:
    """(dataset, machine(), wall seconds) of every finished run, each record read once."""
    runs = []
    for cell, key in ident.items():
        if key in done:
            try:
                t = read_json(done[key] / "metrics.json")["timings"]
                ran_on = machine(read_json(done[key] / "env.json"))
            except (RunFolderError, KeyError):
                continue
            # a resumed run's "total" is its last process; "train" spans all of them
            runs.append((cell[0], ran_on, max(t["total"], t["train"])))
    return runs


def walls_on(runs: list[tuple[str, str, float]], device: str | None = None
             ) -> dict[str, list[float]]:
    """Wall seconds of each dataset's `runs` (from finished()), sorted, on `device` if given:
    a kind ("cpu", "cuda") or one machine() label ("cpu (1 thread)")."""
    walls: dict[str, list[float]] = {}
    for dataset, ran_on, wall in runs:
        if not device or device in (ran_on, ran_on.split(" ")[0]):
            walls.setdefault(dataset, []).append(wall)
    return {dataset: sorted(w) for dataset, w in walls.items()}


def finished_walls(ident: dict[tuple, str], done: dict[str, Path],
                   device: str | None = None) -> dict[str, list[float]]:
    """Wall seconds of each dataset's finished runs, sorted, on `device` if given.

    The plan's cost and the deadline's guess: a CPU record says nothing of a GPU's speed.
    """
    return walls_on(finished(ident, done), device)


def print_plan(ident: dict[tuple, str], done: dict[str, Path], partial: dict[str, Path]) -> None:
    # the cost of what is left, per machine (kind of device, and threads on a CPU), from
    # the wall times of this dataset's finished runs on it (a GPU's minutes say nothing of a
    # CPU's hours)
    datasets = dict.fromkeys(c[0] for c in ident)
    runs = finished(ident, done)
    by_device = {dev: walls_on(runs, dev) for dev in sorted({m for _, m, _ in runs})}
    for dataset in datasets:
        mine = [c for c in ident if c[0] == dataset]
        left = [c for c in mine if ident[c] not in done]
        costs = []
        for dev, own in by_device.items():
            source = lender(own, dataset)
            if source and left:
                walls = own[source]
                whose = "" if source == dataset else f" {source}"
                median = walls[len(walls) // 2]
                costs.append(f"{dev}: ~{len(left) * median / 3600:.1f} h at the median "
                             f"{median:.0f} s of {len(walls)} finished{whose} "
                             f"run{'s' * (len(walls) > 1)}")
        if left and not costs:
            costs.append("no finished run to estimate from")
        print(f"{dataset}: {len(mine) - len(left)} complete, "
              f"{sum(ident[c] in partial for c in left)} resumable, {len(left)} to run"
              f"{'; ' + '; '.join(costs) if costs else ''}")
        for seed in dict.fromkeys(c[2] for c in left):
            names = [c[1] + ("*" if ident[c] in partial else "") for c in left if c[2] == seed]
            print(f"  seed {seed}: {', '.join(names)}")
    print("(* resumable: continues from its last finished epoch)")
