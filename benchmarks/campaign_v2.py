"""Campaign v2: fine-tune every objective on the full training sets with the converged defaults.

    python benchmarks/campaign_v2.py                          # CPU, one run at a time
    python benchmarks/campaign_v2.py --workers 6 --deadline 480 --out "$OUT/runs"   # a GPU lease
    python benchmarks/campaign_v2.py --plan                   # what is done and left, per dataset

Every run is `python -m bench run --mode finetune --no-amp --no-save-model` with default
options (float32 on every device, so CPU and GPU records share their cells). Resumable: a
cell whose complete record (same configuration identity) exists in `--out` or in any
`--also` folder is skipped, and an interrupted run with a checkpoint is continued with
`bench run --resume`. Several workers may share one GPU: MiniLM at batch 32 leaves it idle
most of the time. With `--deadline S` no run is started that would not end within S seconds
by the slowest finished run of its dataset and objective on this machine (in the records or
in this driver; scaled from other objectives while it has none, as `--plan` shows),
stretched to the epoch cap as early stopping may not come (for a resumable run, to the
epochs it has left), and runs still going at S are interrupted. A run whose own pace says
it cannot end before S is interrupted as soon as that shows (after any epoch), to free its
worker: it would train as many epochs as the longest finished run of its objective on these
texts (else its cap), or more while early stopping still waits (a run that just improved
trains at least `patience` more epochs), and machines differ (a 2026-12-03 EPYC ran GoEmotions epochs 27%
slower than the one whose records timed them). `--fill` starts them anyway and lets them
run, for a machine that keeps its run folders (their per-epoch checkpoints) until the next
driver. Interrupting
the driver (Ctrl-C, `kill`) interrupts its runs the same way.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from itertools import product
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.records import scan_runs  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from campaign_costs import estimate  # noqa: E402
from campaign_driver import Driver, identity  # noqa: E402
from campaign_records import finished, longest, machine  # noqa: E402

DATASETS = ("tweeteval_emotion", "dair_emotion", "goemotions", "goemotions_ekman",
            "goemotions_group")
LOSSES = ("softmax", "proxy_anchor", "proxy_nca", "triplet", "supcon")


def print_plan(ident: dict[tuple, str], done: dict[str, Path], partial: dict[str, Path]) -> None:
    # the cost of what is left, per machine (kind of device, and threads on a CPU) and
    # objective: a GPU's minutes say nothing of a CPU's hours, softmax's of triplet's
    runs = finished(ident, done)
    devices = sorted({r[2] for r in runs})
    for dataset in dict.fromkeys(c[0] for c in ident):
        mine = [c for c in ident if c[0] == dataset]
        left = [c for c in mine if ident[c] not in done]
        lines, totals = [], []
        for dev in devices if left else ():
            guess = {loss: estimate(runs, dataset, loss, dev)
                     for loss in dict.fromkeys(c[1] for c in left)}
            if not any(guess.values()):
                continue
            known = [guess[c[1]][0] for c in left if guess[c[1]]]
            unknown = len(left) - len(known)
            totals.append(f"{dev}: ~{sum(known) / 3600:.1f} h"
                          + (f" for {len(known)} ({unknown} not estimated)" if unknown else ""))
            lines.append(f"  {dev}, s per run: " + ", ".join(
                f"{loss} {g[0]:.0f} ({g[1]})" if g else f"{loss} ?" for loss, g in guess.items()))
        if left and not totals:
            totals.append("no finished run to estimate from")
        print(f"{dataset}: {len(mine) - len(left)} complete, "
              f"{sum(ident[c] in partial for c in left)} resumable, {len(left)} to run"
              f"{'; ' + '; '.join(totals) if totals else ''}")
        if lines:
            print("\n".join(lines))
        for seed in dict.fromkeys(c[2] for c in left):
            names = [c[1] + ("*" if ident[c] in partial else "") for c in left if c[2] == seed]
            print(f"  seed {seed}: {', '.join(names)}")
    print("(* resumable: continues from its last finished epoch. s per run: the median of the "
          "objective's finished runs on these texts; 'on cpu (N threads), xR': its runs with "
          "another thread count times how much longer runs took here than there; 'scaled': "
          "the texts' runs of other "
          "objectives times how much slower this one ran than those on other datasets, on "
          "this machine, or elsewhere when it has none)")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--losses", default=",".join(LOSSES))
    p.add_argument("--seeds", type=int, default=3, help="seeds 0..K-1")
    p.add_argument("--out", default="results/runs")
    p.add_argument("--also", action="append", default=[], help="more folders of finished runs")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--threads", type=int, help="torch threads per worker")
    p.add_argument("--deadline", type=float, help="seconds from now to stop")
    p.add_argument("--fill", action="store_true",
                   help="with --deadline, also start runs that cannot finish in time: they "
                        "checkpoint every epoch and the next driver resumes them (for a "
                        "machine whose run folders persist, not a GPU lease)")
    p.add_argument("--plan", action="store_true",
                   help="print what is complete and left per dataset, then stop")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    done, partial = scan_runs(out, *args.also)
    # seed-major order: every objective gets seed 0 before any gets seed 1
    cells = [(d, loss, s) for d in args.datasets.split(",") for s in range(args.seeds)
             for loss in args.losses.split(",")]
    ident = {c: identity(*c) for c in cells}  # one config hash per cell, not one per use
    todo = [c for c in cells if ident[c] not in done]
    print(f"campaign v2: {len(cells)} cells, {len(cells) - len(todo)} complete, "
          f"{len(todo)} to run ({sum(ident[c] in partial for c in todo)} resumable)",
          flush=True)
    if args.plan:
        print_plan(ident, done, partial)
        return 0
    start = time.monotonic()  # --deadline counts from here
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
    # the slowest finished run of each cell's dataset and objective on this machine (its
    # thread count's records first, else any CPU's), in the records or in this driver
    import torch  # only here: --plan stays quick

    kind = "cuda" if torch.cuda.is_available() else "cpu"
    here = machine({"device": kind, "torch_threads": args.threads or torch.get_num_threads()})
    # every campaign cell's record times the guesses, not only the selected cells': a driver
    # limited to `--losses triplet` scales from softmax's runs (it had no guess at all before)
    every = {c: identity(*c) for c in product(DATASETS, LOSSES, range(args.seeds))}
    driver = Driver(args, out, ident, todo, partial, env, here, kind,
                    timed=finished({**every, **ident}, done, full=True),
                    likely=longest(every, done), start=start)
    return driver.run()


if __name__ == "__main__":
    sys.exit(main())
