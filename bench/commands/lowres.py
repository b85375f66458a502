"""`bench lowres`: the low-resource study (train fractions x objectives x seeds), resumable.

Training sets are fractions (`--fractions`) or K examples per class (`--shots 8,16,32,64`).
Each (size, objective, seed) is one ordinary run tagged "lowres". A combination whose
RunConfig.identity_hash() matches a complete run under --output-dir is skipped, so an
interrupted study resumes by rerunning the same command. In frozen mode the encoder
embeddings of the FULL splits are computed once per seed and each run gets the rows of
its own train subsample (the runner would otherwise index full-train features with
subsample row numbers).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from bench.commands.configs import config_from_args
from bench.commands.run import add_run_options
from bench.config import RunConfig
from bench.errors import BenchError, TrainingError, UsageError
from bench.records import scan_runs

DEFAULT_FRACTIONS = "0.01,0.05,0.1,0.25,1.0"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_run_options(p)
    p.add_argument("--fractions", help=f"comma-separated, in (0, 1] (default: {DEFAULT_FRACTIONS}"
                                       ", unless --shots gives the training sets)")
    p.add_argument("--losses", help="comma-separated objectives (default: all registered)")
    p.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per combination")
    p.add_argument("--epochs", type=int)
    p.add_argument("--min-steps", type=int,
                   help="train at least this many steps (default: see `bench run --help`)")
    p.add_argument("--hp", action="append", default=[], metavar="KEY=VALUE",
                   help="objective hyperparameter applied to every objective that accepts it")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bars: one line per run and errors only")


def parse_list(text: str, cast, what: str) -> list:
    try:
        return [cast(x.strip()) for x in text.split(",") if x.strip()]
    except ValueError:
        raise BenchError(f"--{what} expects a comma-separated list, but got {text!r}") from None


def accepted_hparams(loss: str, hparams: dict) -> dict:
    """The --hp values that objective `loss` has: lowres applies each where it applies."""
    import losses

    if loss not in losses.names():  # left to bench/validate.py, which names --losses
        return dict(hparams)
    return {k: v for k, v in hparams.items() if k in losses.get(loss).defaults}


def plan(base: RunConfig, *, fractions=(), losses, seeds: int, shots=()) -> list[RunConfig]:
    """Seed-major order: one seed's frozen features serve a whole block of runs.
    Training sets: `shots` (K per class) if given, else `fractions`."""
    sizes = ([{"shots": int(k)} for k in shots] if shots
             else [{"train_fraction": float(f)} for f in fractions])
    try:
        return [dataclasses.replace(base, loss=loss, seed=s, tags=("lowres",), save_model=False,
                                    loss_hparams=accepted_hparams(loss, base.loss_hparams), **size)
                for s in range(seeds) for size in sizes for loss in losses]
    except ValueError as exc:  # a fraction out of (0, 1], named as the option that gave it
        from bench.checks import usage_error
        from bench.validate_commands import LOWRES_NAMES

        raise usage_error(exc, LOWRES_NAMES) from None


def done_identities(output_dir: str | Path) -> set[str]:
    """Identities of complete runs anywhere under `output_dir` (unreadable records ignored)."""
    return set(scan_runs(output_dir, recursive=True)[0])


def train_rows(full, fraction: float, seed: int) -> np.ndarray:
    """Row numbers of the train subsample `limit_train` picks (it only looks at labels)."""
    from bench.data import Split, limit_train

    numbered = dataclasses.replace(full, train=Split(tuple(str(i) for i in range(len(full.train))),
                                                     full.train.labels))
    picked = limit_train(numbered, fraction=fraction, seed=seed).train.texts
    return np.array([int(t) for t in picked], dtype=np.int64)


def subsample_features(features: dict, full, fraction: float, seed: int) -> dict:
    return {**features, "train": features["train"][train_rows(full, fraction, seed)]}


def base_config(args: argparse.Namespace) -> RunConfig:
    """Every option but the training set (each run's --fractions or --shots entry) and the
    objective (one run per --losses entry); loss=softmax is a placeholder."""
    for flag, value in (("--max-train", args.max_train), ("--train-fraction", args.train_fraction)):
        if value is not None:
            raise UsageError(f"bench lowres sets each run's training set with --fractions or "
                             f"--shots; {flag} is for one run (`bench run`), but got "
                             f"{flag}={value}")
    return config_from_args(args, loss="softmax", skip=("shots", "train_fraction", "max_train"))


def size_text(cfg: RunConfig) -> str:
    return f"shots={cfg.shots}" if cfg.shots is not None else f"fraction={cfg.train_fraction:g}"


def handle(args: argparse.Namespace) -> int:
    import losses
    from bench.validate_commands import validate_lowres

    names = parse_list(args.losses, str, "losses") if args.losses else losses.names()
    if args.shots and args.fractions:
        raise UsageError(f"--shots and --fractions are two kinds of training set; give one, "
                         f"but got {args.shots=} and {args.fractions=}")
    fractions = parse_list(args.fractions or DEFAULT_FRACTIONS, float, "fractions")
    base = base_config(args)
    todo = plan(base, fractions=fractions, shots=args.shots or (), losses=names,
                seeds=args.seeds)
    validate_lowres(todo, base.loss_hparams)  # every run, before the first reads data
    done = done_identities(args.output_dir)
    pending = [c for c in todo if c.identity_hash() not in done]
    print(f"lowres: {len(todo)} runs planned, {len(todo) - len(pending)} already complete")
    from bench import runner
    full_cache: dict[int, tuple] = {}
    failed = 0
    for cfg in pending:
        features = None
        if cfg.mode == "frozen":
            if cfg.seed not in full_cache:
                full_cfg = dataclasses.replace(cfg, train_fraction=None, max_train=None,
                                               shots=None)
                full = runner.load_data(full_cfg)
                device = runner.resolve_device(cfg.device)
                full_cache = {cfg.seed: (full, runner.frozen_features(
                    full_cfg, full, device, progress=not args.quiet))}
            full, feats = full_cache[cfg.seed]
            # few-shot runs get the full features: the runner cuts them to its own rows
            features = (feats if cfg.shots is not None
                        else subsample_features(feats, full, cfg.train_fraction, cfg.seed))
        try:
            out = runner.run(cfg, features=features, progress=not args.quiet)
        except (TrainingError, ValueError) as exc:
            failed += 1
            print(f"failed: {cfg.loss} {size_text(cfg)} seed={cfg.seed}: {exc}",
                  file=sys.stderr)
            continue
        print(f"done: {cfg.loss} {size_text(cfg)} seed={cfg.seed} "
              f"test macro-F1 {out.metrics['test']['macro_f1']:.4f} ({out.run_dir})")
    return 1 if failed else 0
