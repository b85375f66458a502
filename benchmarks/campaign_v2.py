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
from itertools import product
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.config import RunConfig  # noqa: E402
from bench.errors import RunFolderError  # noqa: E402
from bench.records import read_json, scan_runs  # noqa: E402

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


def cell_folders(out: Path, cell: tuple) -> set[Path]:
    return set(out.glob(f"{cell[0]}-{cell[1]}-finetune-s{cell[2]}-*"))


def run_folder(out: Path, cell: tuple, ident: str, before: set[Path] = frozenset()
               ) -> Path | None:
    # the folder `bench run` made for this cell: the newest with its identity that was not
    # there `before` the launch (an interrupted attempt without a checkpoint has the same
    # identity, and the new run makes its folder only after a second or two)
    for folder in sorted(cell_folders(out, cell) - before, reverse=True):
        try:
            if read_json(folder / "config.json").get("identity") == ident:
                return folder
        except RunFolderError:
            continue
    return None


def checkpoint_result(folder: Path | None) -> dict:
    # the run checkpoints after every epoch: its curve, best epoch and epochs without a gain
    try:
        result = read_json(folder / "checkpoint" / "state.json")["result"]
        return result if isinstance(result.get("curve"), list) else {}
    except (TypeError, RunFolderError, KeyError, AttributeError):
        return {}


def new_epochs(folder: Path | None, seen: int) -> list[dict]:
    # its curve is the progress a log can show
    return checkpoint_result(folder).get("curve", [])[seen:]


def setting(folder: Path | None, key: str) -> int | None:
    """The run's `key` in its config.json (`epochs`: its cap); None while unknown."""
    try:
        return read_json(folder / "config.json")[key] if folder else None
    except (RunFolderError, KeyError):
        return None


def epoch_cap(folder: Path | None) -> int | None:
    """The most epochs the run in `folder` may train (its config's `epochs`); None unknown."""
    return setting(folder, "epochs")


def share_left(folder: Path | None) -> float:
    """The share of its epoch cap a run has still to train: 1 for a new run, less for a
    resumable one by the epochs in its checkpoint (the deadline need not wait for those)."""
    cap = epoch_cap(folder)
    return max(0.0, 1.0 - len(new_epochs(folder, 0)) / cap) if cap else 1.0


def epoch_line(cell: tuple, row: dict, cap: int | None) -> str:
    # what is left is an upper bound: early stopping may end the run sooner
    left = cap - row["epoch"] if cap else 0
    more = f"; at most {left} more, ~{left * row['seconds'] / 60:.0f} min" if left > 0 else ""
    return (f"{cell} epoch {row['epoch']}: dev macro-F1 {row['dev_macro_f1']:.4f}, train loss "
            f"{row['train_loss']:.4f}, {row['seconds']:.0f}s{more}")


def log_name(cell: tuple) -> str:
    return f".log-{cell[0]}-{cell[1]}-s{cell[2]}.txt"


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
    start = time.monotonic()
    deadline = start + args.deadline if args.deadline else float("inf")
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
    timed = finished({**every, **ident}, done, full=True)
    keys = {c[:2] for c in todo}
    slowest = deadline_guesses(timed, keys, here, kind)
    likely = longest(every, done)  # epochs a run of (dataset, objective) is likely to train
    running: dict[subprocess.Popen, tuple] = {}
    progress: dict[tuple, tuple[Path | None, int]] = {}  # cell -> (run folder, epochs shown)
    before: dict[tuple, set[Path]] = {}  # cell -> its folders that existed at its launch
    failures = 0
    late: set[tuple] = set()  # interrupted for their pace: left to a later driver
    ended: dict[tuple, list[float]] = {}  # cell -> when this driver saw its epochs end
    slow = 1.0  # how much slower than its guesses this machine proved to run
    # a `kill` or `pkill -INT` that reaches only the driver stops its runs as the deadline
    # does: each marks itself interrupted and keeps its checkpoint for the next driver
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: signal.default_int_handler(signal.SIGINT, None))
    try:
        while todo or running:
            for proc, (cell, t0, log) in list(running.items()):
                folder, seen = progress.get(cell, (None, 0))
                folder = folder or run_folder(out, cell, ident[cell], before[cell])
                fresh = new_epochs(folder, seen)
                for row in fresh:
                    seen += 1
                    ended.setdefault(cell, []).append(time.monotonic())
                    print(f"[{time.monotonic() - start:6.0f}s] "
                          f"{epoch_line(cell, row, epoch_cap(folder))}", flush=True)
                progress[cell] = (folder, seen)
                if proc.poll() is None:
                    # its projection changes only when an epoch ends: judged then, not every poll
                    if fresh and not args.fill and deadline < float("inf"):
                        cap = epoch_cap(folder)
                        expect = likely.get(cell[:2]) or cap or seen
                        ends = ended[cell]
                        left = epochs_left(checkpoint_result(folder), cap=cap, likely=expect,
                                           patience=setting(folder, "patience"))
                        over = late_by(ends, left, deadline)
                        if over > 0:  # its checkpoint would not outlive this machine
                            pace = epoch_pace(ends)
                            print(f"[{time.monotonic() - start:6.0f}s] late: {cell} would end "
                                  f"{over:.0f}s after the deadline at its pace ({pace:.0f}s "
                                  f"per epoch, {seen + left} epochs); left for a later "
                                  "driver",
                                  flush=True)
                            interrupt({proc: running[proc]}, "late")
                            late.add(cell)
                            # this machine runs slower than the records that timed the
                            # guesses: stretch them, or the next start is just as late
                            if cap and cell[:2] in slowest:
                                slow = max(slow, pace * cap / slowest[cell[:2]])
                    continue
                del running[proc]
                wall = time.monotonic() - t0
                tail = log.read_text().strip().splitlines()[-3:]
                if cell in late:  # interrupted above, not failed; not retried by this driver
                    continue
                ok = proc.returncode == 0
                failures += not ok
                if ok:  # read as at the start: a resumed run's wall spans all its processes
                    record = (finished({cell: ident[cell]}, {ident[cell]: folder}, full=True)
                              if folder else [])
                    timed += record or [(*cell[:2], here, wall)]
                    # a new wall time also rescales the guesses of unrun objectives
                    slowest = deadline_guesses(timed, keys, here, kind)
                print(f"[{time.monotonic() - start:6.0f}s] {'done' if ok else 'FAILED'} "
                      f"{cell} in {wall:.0f}s: {' | '.join(tail)}", flush=True)
            now = time.monotonic()
            if now >= deadline:
                interrupt(running, "deadline")
                break
            while len(running) < args.workers:
                # the first cell in order that can still end before the deadline
                fits = [c for c in todo if args.fill or now + slow * slowest.get(
                    c[:2], FIRST_GUESS_S.get(c[0], 300)) * share_left(partial.get(ident[c]))
                        <= deadline]
                if not fits:
                    break
                cell = fits[0]
                todo.remove(cell)
                resume = partial.get(ident[cell])
                if resume:  # epochs done before this start were shown by an earlier driver
                    progress[cell] = (resume, len(new_epochs(resume, 0)))
                before[cell] = cell_folders(out, cell)
                running[launch(cell, resume, out, env)] = (cell, time.monotonic(),
                                                           out / log_name(cell))
            if not running and todo:  # nothing fits before the deadline
                print(f"deadline: {len(todo)} cells left for the next lease", flush=True)
                break
            time.sleep(1.0)
    except KeyboardInterrupt:
        interrupt(running, "stopped")
        print(f"campaign v2: stopped by a signal after {time.monotonic() - start:.0f}s",
              flush=True)
        return 130
    print(f"campaign v2: stopped after {time.monotonic() - start:.0f}s, {failures} failed, "
          f"{len(late)} interrupted as late, {len(todo)} not started", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
