"""`bench sweep`: equal-budget Optuna searches for every objective, resumable and shareable.

With no arguments it runs the default campaign: all objectives on goemotions, frozen mode,
10 completed trials each, then 3 final seeds of each objective's best configuration.
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

import losses
from bench.commands.configs import config_from_args
from bench.commands.run import add_run_options
from bench.config import RunConfig
from bench.errors import BenchError


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_run_options(p)
    p.set_defaults(mode="frozen")  # sweeps default to the cheap mode
    p.add_argument("--losses", default=",".join(losses.names()),
                   help="comma-separated objectives (default: all registered)")
    p.add_argument("--trials", type=int, default=10, help="completed trials per objective")
    p.add_argument("--final-seeds", type=int, default=3,
                   help="re-train each best configuration with seeds 0..K-1 (0: skip)")
    p.add_argument("--save-models", action="store_true", help="keep the final runs' models")
    p.add_argument("--seed", type=int, default=0, help="sampler seed and trial training seed")
    p.add_argument("--epochs", type=int, help="most epochs (default: 10 finetune, 40 frozen)")
    p.add_argument("--patience", type=int, help="default: 2 (finetune), 3 (frozen)")
    p.add_argument("--sweep-dir", default="results/sweeps", help="trial run folders (and sqlite)")
    p.add_argument("--storage", help="Optuna RDB URL, e.g. postgresql://user@host/db "
                                     "(default: sqlite:///SWEEP_DIR/optuna.db)")
    p.add_argument("--heartbeat-interval", type=int, default=30,
                   help="seconds between a running trial's heartbeats")
    p.add_argument("--grace-period", type=int, default=120,
                   help="a RUNNING trial without heartbeat this long is failed and re-queued")
    p.add_argument("--max-retry", type=int, default=2, help="re-runs of a killed worker's trial")
    p.add_argument("--deadline", type=float, metavar="SECONDS",
                   help="seconds from now: start no trial or final run that the longest "
                        "complete trial so far says cannot end by then, and exit 0 (rerun the "
                        "same command to continue); for sessions that end at a known time")
    p.add_argument("--show", action="store_true", help="print the state of every study and exit")
    p.add_argument("--quiet", action="store_true",
                   help="no plan, progress bars or per-trial lines: each study's summary, the "
                        "final runs and errors only")


def parse_losses(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in losses.names()]
    if not names or unknown:
        raise BenchError(f"--losses must name registered objectives {losses.names()}, "
                         f"but got {text!r}")
    return names


def base_config(args: argparse.Namespace, loss: str) -> RunConfig:
    return config_from_args(args, loss=loss)


def handle(args: argparse.Namespace) -> int:
    if not args.show:  # every option, once, before optuna opens or creates any storage
        from bench.validate_commands import validate_sweep_options

        validate_sweep_options(args, [base_config(args, loss) for loss in parse_losses(args.losses)])
    import optuna

    from bench.sweep.study import StorageOptions, make_storage, storage_exists

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = args.storage or f"sqlite:///{Path(args.sweep_dir) / 'optuna.db'}"
    opts = StorageOptions(url=url, heartbeat_interval=args.heartbeat_interval,
                          grace_period=args.grace_period, max_retry=args.max_retry)
    if args.show:
        from bench.sweep.show import show

        print(show(make_storage(opts, heartbeat=False)) if storage_exists(url)
              else f"no sweep storage at {url}; run `python -m bench sweep` first")
        return 0
    return _sweep(args, opts)


def _sweep(args: argparse.Namespace, opts) -> int:
    import time

    from bench.runner import frozen_features, load_data, resolve_device
    from bench.sweep.campaign import (
        Campaign,
        DeadlineReached,
        final_runs,
        plan_text,
        search_all,
        trial_seconds,
    )
    from bench.sweep.show import study_summary
    from bench.sweep.study import make_storage

    names = parse_losses(args.losses)
    base = base_config(args, names[0])
    ds = load_data(base)
    c = Campaign(base=base, losses=names, dataset_name=ds.name, n_trials=args.trials,
                 final_seeds=args.final_seeds, sweep_dir=Path(args.sweep_dir),
                 save_models=args.save_models)
    log = (lambda line: None) if args.quiet else functools.partial(print, flush=True)
    log(plan_text(c, ds, opts.url))
    features = None
    if base.mode == "frozen":  # encode once; every trial trains only the head
        features = frozen_features(base.resolved(), ds, resolve_device(base.device),
                                   progress=not args.quiet)
    deadline = None if args.deadline is None else time.monotonic() + args.deadline
    guess = trial_seconds(base, ds)  # until a trial has completed: the plan's estimate
    try:
        studies = search_all(c, make_storage(opts), features=features, seed=args.seed, log=log,
                             deadline=deadline, first_guess_s=guess)
        for study in studies.values():
            print(study_summary(study), flush=True)
        if c.final_seeds:
            final_runs(c, studies, deadline=deadline, first_guess_s=guess)
    except DeadlineReached as exc:
        print(exc, flush=True)
    return 0
