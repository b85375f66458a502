"""`bench grid`: every (dataset, objective, seed) combination in one process, resumable.

A combination whose complete run record already exists (same configuration identity) is
skipped, so rerunning the same command after an interruption picks up where it stopped.
Frozen-mode embeddings are computed (or read from the cache) once per dataset.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from bench.commands.configs import config_from_args
from bench.commands.run import add_run_options, add_training_options
from bench.errors import BenchError


def parse_seeds(text: str) -> list[int]:
    """"0-4" -> [0, 1, 2, 3, 4]; "0,3,7" -> [0, 3, 7]."""
    try:
        if "-" in text:
            lo, hi = text.split("-", 1)
            return list(range(int(lo), int(hi) + 1))
        return [int(s) for s in text.split(",") if s]
    except ValueError:
        raise BenchError(f"--seeds expects '0-4' or '0,1,2', but got {text!r}") from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    # no --dataset, --loss, --seed, --run-id or --resume: those name one run (`bench run`)
    add_run_options(p, one_dataset=False)
    add_training_options(p)
    p.add_argument("--datasets", required=True, help="comma-separated dataset names")
    p.add_argument("--losses", default="softmax,proxy_anchor,proxy_nca,triplet,supcon")
    p.add_argument("--seeds", default="0-4", help="e.g. 0-4 or 0,1,2")
    p.add_argument("--tag", action="append", default=[], help="tag stored in each run record")


def completed_identities(output_dir: str) -> set[str]:
    from bench.records import scan_runs

    return set(scan_runs(output_dir)[0])


def handle(args: argparse.Namespace) -> int:
    from bench.validate_commands import validate_grid

    combos = [(d, loss, s) for d in args.datasets.split(",") for loss in args.losses.split(",")
              for s in parse_seeds(args.seeds)]
    if not combos:
        validate_grid([])  # the usage error that says so
    base = config_from_args(args, dataset=combos[0][0], loss=combos[0][1], tags=tuple(args.tag))
    # every combination, before the first one reads data (bench/validate.py)
    validate_grid([dataclasses.replace(base, dataset=d, loss=loss, seed=s) for d, loss, s in combos])
    from bench.runner import frozen_features, load_full_data, resolve_device, run

    done = completed_identities(base.output_dir)
    todo = [c for c in combos if dataclasses.replace(base, dataset=c[0], loss=c[1], seed=c[2])
            .identity_hash() not in done]
    print(f"grid: {len(combos)} runs, {len(combos) - len(todo)} already complete, {len(todo)} to do")
    features, failures = {}, 0
    for i, (dataset, loss, seed) in enumerate(todo, 1):
        cfg = dataclasses.replace(base, dataset=dataset, loss=loss, seed=seed)
        if cfg.mode == "frozen" and dataset not in features:
            features = {dataset: frozen_features(cfg, load_full_data(cfg),
                                                 resolve_device(cfg.device),
                                                 progress=not args.quiet)}
        try:
            out = run(cfg, features=features.get(dataset), progress=not args.quiet)
        except BenchError as exc:
            failures += 1
            print(f"[{i}/{len(todo)}] {dataset} {loss} seed {seed}: FAILED: {exc}", file=sys.stderr)
            continue
        m = out.metrics["test"]
        print(f"[{i}/{len(todo)}] {dataset} {loss} seed {seed}: test macro-F1 {m['macro_f1']:.4f} "
              f"MAP@R {m['embedding']['map_at_r']:.4f} -> {out.run_dir}", flush=True)
    return 1 if failures else 0
