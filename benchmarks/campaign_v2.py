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
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.config import RunConfig  # noqa: E402
from bench.records import scan_runs  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from campaign_costs import (  # noqa: E402
    deadline_guesses,
    epoch_pace,
    epochs_left,
    finished,
    late_by,
    longest,
    machine,
    print_plan,
)
from campaign_folders import (  # noqa: E402
    cell_folders,
    checkpoint_result,
    epoch_cap,
    epoch_line,
    log_name,
    new_epochs,
    run_folder,
    setting,
    share_left,
)

DATASETS = ("tweeteval_emotion", "dair_emotion", "goemotions", "goemotions_ekman",
            "goemotions_group")
LOSSES = ("softmax", "proxy_anchor", "proxy_nca", "triplet", "supcon")
FLAGS = ("--mode", "finetune", "--no-amp", "--no-save-model", "--quiet")
# seconds a run may take, until one of that dataset has finished (only for --deadline)
FIRST_GUESS_S = {"tweeteval_emotion": 60, "dair_emotion": 120}


def identity(dataset: str, loss: str, seed: int) -> str:
    # the same RunConfig `bench run` builds from FLAGS and defaults
    return RunConfig(loss=loss, dataset=dataset, mode="finetune", seed=seed, amp=False,
                     save_model=False).identity_hash()


def launch(cell: tuple, resume: Path | None, out: Path, env: dict) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "bench", "run"]
    if resume:
        cmd += ["--resume", str(resume)]
    else:
        cmd += ["--dataset", cell[0], "--loss", cell[1], "--seed", str(cell[2]), *FLAGS,
                "--output-dir", str(out)]
    # a driver started in the background (nohup ... &) has SIGINT ignored, and its
    # children would inherit that: restore it, so the deadline can interrupt them
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=(out / log_name(cell)).open("w"),
                            stderr=subprocess.STDOUT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def interrupt(running: dict[subprocess.Popen, tuple], why: str) -> None:
    for proc, (cell, _, _) in running.items():
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # the run marks itself interrupted
            print(f"{why}: interrupted {cell}", flush=True)
    for proc in running:
        proc.wait()


@dataclass
class Driver:
    """One driver's state: the cells `todo`, the runs it started and what it learnt of this
    machine's pace. run() starts, watches and ends the runs until the work or the time is up."""

    args: argparse.Namespace
    out: Path
    ident: dict[tuple, str]  # cell -> its config identity
    todo: list[tuple]
    partial: dict[str, Path]  # identity -> a resumable run's folder
    env: dict
    here: str  # machine() of this driver's runs
    kind: str  # "cpu" or "cuda"
    timed: list  # finished runs, stretched to their cap: what the deadline guesses come from
    likely: dict[tuple, int]  # epochs a run of (dataset, objective) is likely to train
    start: float = field(default_factory=time.monotonic)
    running: dict[subprocess.Popen, tuple] = field(default_factory=dict)  # -> (cell, t0, log)
    progress: dict[tuple, tuple] = field(default_factory=dict)  # cell -> (folder, epochs shown)
    before: dict[tuple, set[Path]] = field(default_factory=dict)  # cell -> folders at launch
    ended: dict[tuple, list[float]] = field(default_factory=dict)  # cell -> its epochs' ends
    late: set[tuple] = field(default_factory=set)  # interrupted for their pace
    failures: int = 0
    slow: float = 1.0  # how much slower than its guesses this machine proved to run

    def __post_init__(self) -> None:
        self.deadline = self.start + self.args.deadline if self.args.deadline else float("inf")
        self.keys = {c[:2] for c in self.todo}
        self.slowest = deadline_guesses(self.timed, self.keys, self.here, self.kind)

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.start:6.0f}s] {text}", flush=True)

    def watch(self, proc: subprocess.Popen) -> None:
        """Show the run's new epochs; judge its pace when one ended; end it once it exits."""
        cell = self.running[proc][0]
        folder, seen = self.progress.get(cell, (None, 0))
        folder = folder or run_folder(self.out, cell, self.ident[cell], self.before[cell])
        fresh = new_epochs(folder, seen)
        for row in fresh:
            seen += 1
            self.ended.setdefault(cell, []).append(time.monotonic())
            self.say(epoch_line(cell, row, epoch_cap(folder)))
        self.progress[cell] = (folder, seen)
        if proc.poll() is not None:
            self.finish(proc, folder)
        # its projection changes only when an epoch ends: judged then, not every poll
        elif fresh and not self.args.fill and self.deadline < float("inf"):
            self.judge(proc, folder)

    def judge(self, proc: subprocess.Popen, folder: Path | None) -> None:
        """Interrupt a run whose own pace says it cannot end before the deadline: its
        checkpoint would not outlive this machine, and its worker can do something else."""
        cell = self.running[proc][0]
        cap, seen = epoch_cap(folder), self.progress[cell][1]
        left = epochs_left(checkpoint_result(folder), cap=cap,
                           likely=self.likely.get(cell[:2]) or cap or seen,
                           patience=setting(folder, "patience"))
        over = late_by(self.ended[cell], left, self.deadline)
        if over <= 0:
            return
        pace = epoch_pace(self.ended[cell])
        self.say(f"late: {cell} would end {over:.0f}s after the deadline at its pace "
                 f"({pace:.0f}s per epoch, {seen + left} epochs); left for "
                 "a later driver")
        interrupt({proc: self.running[proc]}, "late")
        self.late.add(cell)
        # this machine runs slower than the records that timed the guesses: stretch them,
        # or the next start is just as late
        if cap and cell[:2] in self.slowest:
            self.slow = max(self.slow, pace * cap / self.slowest[cell[:2]])

    def finish(self, proc: subprocess.Popen, folder: Path | None) -> None:
        cell, t0, log = self.running.pop(proc)
        if cell in self.late:  # interrupted by judge(), not failed; not retried by this driver
            return
        wall = time.monotonic() - t0
        ok = proc.returncode == 0
        self.failures += not ok
        if ok:  # read as at the start: a resumed run's wall spans all its processes
            record = (finished({cell: self.ident[cell]}, {self.ident[cell]: folder}, full=True)
                      if folder else [])
            self.timed += record or [(*cell[:2], self.here, wall)]
            # a new wall time also rescales the guesses of unrun objectives
            self.slowest = deadline_guesses(self.timed, self.keys, self.here, self.kind)
        tail = log.read_text().strip().splitlines()[-3:]
        self.say(f"{'done' if ok else 'FAILED'} {cell} in {wall:.0f}s: {' | '.join(tail)}")

    def fits(self, cell: tuple, now: float) -> bool:
        # it can still end before the deadline (a resumable run: its epochs left)
        guess = self.slowest.get(cell[:2], FIRST_GUESS_S.get(cell[0], 300))
        share = share_left(self.partial.get(self.ident[cell]))
        return self.args.fill or now + self.slow * guess * share <= self.deadline

    def start_more(self, now: float) -> None:
        # the first cells in order that can still end before the deadline
        while len(self.running) < self.args.workers:
            cell = next((c for c in self.todo if self.fits(c, now)), None)
            if cell is None:
                return
            self.todo.remove(cell)
            resume = self.partial.get(self.ident[cell])
            if resume:  # epochs done before this start were shown by an earlier driver
                self.progress[cell] = (resume, len(new_epochs(resume, 0)))
            self.before[cell] = cell_folders(self.out, cell)
            self.running[launch(cell, resume, self.out, self.env)] = (
                cell, time.monotonic(), self.out / log_name(cell))

    def run(self) -> int:
        # a `kill` or `pkill -INT` that reaches only the driver stops its runs as the deadline
        # does: each marks itself interrupted and keeps its checkpoint for the next driver
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, lambda *_: signal.default_int_handler(signal.SIGINT, None))
        try:
            while self.todo or self.running:
                for proc in list(self.running):
                    self.watch(proc)
                now = time.monotonic()
                if now >= self.deadline:
                    interrupt(self.running, "deadline")
                    break
                self.start_more(now)
                if not self.running and self.todo:  # nothing fits before the deadline
                    print(f"deadline: {len(self.todo)} cells left for the next lease", flush=True)
                    break
                time.sleep(1.0)
        except KeyboardInterrupt:
            interrupt(self.running, "stopped")
            print(f"campaign v2: stopped by a signal after {time.monotonic() - self.start:.0f}s",
                  flush=True)
            return 130
        print(f"campaign v2: stopped after {time.monotonic() - self.start:.0f}s, "
              f"{self.failures} failed, {len(self.late)} interrupted as late, "
              f"{len(self.todo)} not started", flush=True)
        return 1 if self.failures else 0


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
