"""What campaign v2 (benchmarks/campaign_v2.py) has left to run and what that costs, per
machine and objective, from the wall times of the finished runs: the estimates of `--plan`'s
table and `--deadline`'s guesses."""

from __future__ import annotations

from collections.abc import Callable
from statistics import median

from campaign_records import Run, texts_of


def upper_median(walls: list[float]) -> float:
    # an observed wall time, never below the middle one
    return sorted(walls)[len(walls) // 2]


def epochs_left(result: dict, *, cap: int | None, patience: int | None,
                likely: int | None) -> int:
    """Epochs a running run will still train, from its checkpoint's `result`: none once it
    stopped early or reached its `cap`; else as many as the longest finished run of its
    objective on these texts (`likely`, else its cap) trained, but at least the epochs early
    stopping still waits for (`patience` without a gain: a run that just improved past
    `likely` goes on), and never past its cap."""
    done, bad = len(result.get("curve", [])), result.get("bad_epochs")
    if result.get("stopped_early") or (cap and done >= cap) or (
            patience is not None and bad is not None and bad >= patience):
        return 0
    floor = patience - bad if patience is not None and bad is not None else 0
    left = max(floor, (likely or cap or done) - done)
    return min(left, cap - done) if cap else left


def epoch_pace(seen_at: list[float]) -> float | None:
    """Mean seconds per epoch from `seen_at`, the times a run's epochs of this process ended
    (start-up before the first is not a pace); None before two epochs have ended."""
    return ((seen_at[-1] - seen_at[0]) / (len(seen_at) - 1)) if len(seen_at) >= 2 else None


def late_by(seen_at: list[float], epochs_left: int, deadline: float) -> float:
    """Seconds past `deadline` a running run would end at its epoch_pace() with
    `epochs_left` more epochs; zero (no verdict) before two epochs have ended."""
    pace = epoch_pace(seen_at)
    if pace is None:
        return 0.0
    return seen_at[-1] + max(epochs_left, 0) * pace - deadline


def on(runs: list[Run], device: str | None) -> list[Run]:
    """The runs on `device`: a kind ("cpu", "cuda") or one machine() label; all for None."""
    return [r for r in runs if not device or device in (r[2], r[2].split(" ")[0])]


def walls(runs: list[Run], dataset: str, losses) -> list[float]:
    return [r[3] for r in runs if r[0] == dataset and r[1] in losses]


def slowdown(runs: list[Run], loss: str, others: set[str], skip: tuple[str, ...]
             ) -> float | None:
    """How many times longer `loss` ran than the `others` objectives on the same dataset and
    machine (one thread's wall over two threads' would say nothing of the objective): the
    median over the datasets (not in `skip`) and machines where both ran; None if none."""
    ratios = []
    for dataset, where in sorted({(r[0], r[2]) for r in runs
                                  if r[1] == loss and r[0] not in skip}):
        mine = [r for r in runs if r[2] == where]
        base = walls(mine, dataset, others)
        if base:
            ratios.append(median(walls(mine, dataset, {loss})) / median(base))
    return median(ratios) if ratios else None


def thread_ratio(runs: list[Run], device: str, other: str) -> float | None:
    """How many times as long a run took on `device` as on `other` (two CPU thread counts):
    the median over the (dataset, objective) pairs that ran on both; None if none did."""
    ratios = []
    for dataset, loss in sorted({r[:2] for r in runs if r[2] == device}):
        there = walls(on(runs, other), dataset, {loss})
        if there:
            ratios.append(median(walls(on(runs, device), dataset, {loss})) / median(there))
    return median(ratios) if ratios else None


def other_threads(runs: list[Run], dataset: str, loss: str, device: str | None,
                  pick: Callable[[list[float]], float]) -> tuple[float, str] | None:
    """`loss`'s own runs on these texts with another CPU thread count, times thread_ratio():
    objectives differ more (triplet ran 2-5x as long as softmax) than thread counts do (two
    threads took 0.5-1x one thread's time), so this comes before scaling from other
    objectives. None off the CPU, or without such runs and a ratio to scale them by."""
    if not device or not device.startswith("cpu ("):
        return None
    for other in sorted({r[2] for r in runs if r[2].startswith("cpu (") and r[2] != device}):
        ratio = thread_ratio(runs, device, other)
        for source in texts_of(dataset) if ratio else ():
            own = walls(on(runs, other), source, {loss})
            if own:
                return pick(own) * ratio, (f"{len(own)} run{'s' * (len(own) > 1)}"
                                           + (f" of {source}" if source != dataset else "")
                                           + f" on {other}, x{ratio:.2f}")
    return None


def estimate(runs: list[Run], dataset: str, loss: str, device: str | None,
             pick: Callable[[list[float]], float] = upper_median) -> tuple[float, str] | None:
    """Seconds one run of `loss` on `dataset` takes on `device`, and where that comes from.

    `pick` (the median; max for a deadline) of that objective's finished runs on these texts;
    else its runs on these texts with another CPU thread count (other_threads()); else the
    texts' runs of other objectives times how much slower `loss` ran than those on
    other datasets (triplet and SupCon's class-balanced batches pad more than length-bucketed
    ones: 1.4-1.7x on dair_emotion), from this device's records, or any device's if it has
    none; None when these texts have no run on `device`.
    """
    here = on(runs, device)
    for source in texts_of(dataset):
        own = walls(here, source, {loss})
        if own:
            return pick(own), f"{len(own)} run{'s' * (len(own) > 1)}" + (
                f" of {source}" if source != dataset else "")
    moved = other_threads(runs, dataset, loss, device, pick)
    if moved:
        return moved
    for source in texts_of(dataset):
        others = {r[1] for r in here if r[0] == source}
        if others:
            break
    else:
        return None
    base = pick(walls(here, source, others))
    factor, where = slowdown(here, loss, others, texts_of(dataset)), "here"
    if factor is None:
        factor, where = slowdown(runs, loss, others, texts_of(dataset)), "elsewhere"
    if factor is None:
        return base, f"as {', '.join(sorted(others))}"
    return base * factor, f"scaled x{factor:.2f} {where}"


def deadline_guesses(runs: list[Run], keys, here: str, kind: str) -> dict[tuple, float]:
    """Seconds per (dataset, objective) in `keys` that `--deadline` waits for (`runs` from
    `finished(..., full=True)`): the slowest finished run on this machine (`here`, with its
    thread count), else on any of its `kind`; scaled from its runs with another thread count,
    else from other objectives, while it has none; absent when nothing was timed."""
    guesses = {}
    for key in keys:
        for device in dict.fromkeys((here, kind)):  # on a GPU, here == kind: look once
            guess = estimate(runs, *key, device, max)
            if guess:
                guesses[key] = guess[0]
                break
    return guesses
