"""The driver of campaign v2 (benchmarks/campaign_v2.py): the `bench run` command of a cell,
and the loop that starts, watches, judges and ends those runs until the work or the time is
up (the rules are in campaign_v2.py's docstring)."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from campaign_costs import deadline_guesses, epoch_pace, epochs_left, late_by
from campaign_folders import (
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
from campaign_records import finished

from bench.config import RunConfig

REPO = Path(__file__).resolve().parents[1]
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
