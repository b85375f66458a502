"""`bench perf`: training, encoding and frozen-trial throughput, with ratios to baselines."""

from __future__ import annotations

import argparse
import os

from bench.errors import BenchError
from bench.io import atomic_write_json

DEFAULT_JSON = "results/perf/latest.json"


def _names(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


def add_arguments(p: argparse.ArgumentParser) -> None:
    from bench.perf.common import SECTIONS

    p.add_argument("--dataset", default="goemotions", help="built-in name or a .csv/.tsv/.jsonl")
    p.add_argument("--data-dir", default=os.environ.get("BENCH_DATA_DIR"))
    p.add_argument("--encoder", default="minilm")
    p.add_argument("--texts", type=int, default=2048, help="random training texts to use")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--steps", type=int, default=20, help="measured training steps per round")
    p.add_argument("--warmup", type=int, default=3, help="unmeasured steps before them")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds per comparison")
    p.add_argument("--encode-texts", type=int, default=1024)
    p.add_argument("--frozen-epochs", type=int, help="default: frozen mode's default (15)")
    p.add_argument("--frozen-losses", type=_names, default=(), help="comma list; default all")
    p.add_argument("--levers", type=_names, default=(),
                   help="bench-step variants to compare with it: foreach, threads=N")
    p.add_argument("--skip", type=_names, default=(), help=f"comma list of {', '.join(SECTIONS)}")
    p.add_argument("--threads", type=int, help="torch.set_num_threads for the whole run")
    p.add_argument("--device", default="auto")
    p.add_argument("--no-amp", action="store_true", help="full precision on CUDA too")
    p.add_argument("--cpu-bf16", action="store_true",
                   help="bf16 autocast on CPU for both training sides and frozen trials")
    p.add_argument("--quality-dev-texts", type=int, default=2000,
                   help="dev texts the quality section classifies after its one-epoch runs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", default=DEFAULT_JSON, help=f"where to write the record ({DEFAULT_JSON})")


def config_from_args(args: argparse.Namespace):
    from bench.perf.common import PerfConfig

    try:
        return PerfConfig(
            dataset=args.dataset, data_dir=args.data_dir, encoder=args.encoder, texts=args.texts,
            batch_size=args.batch_size, max_length=args.max_length, steps=args.steps,
            warmup=args.warmup, rounds=args.rounds, encode_texts=args.encode_texts,
            frozen_epochs=args.frozen_epochs, frozen_losses=tuple(args.frozen_losses),
            levers=tuple(args.levers), skip=frozenset(args.skip), threads=args.threads,
            device=args.device, amp=not args.no_amp, cpu_bf16=args.cpu_bf16,
            quality_dev_texts=args.quality_dev_texts, seed=args.seed)
    except ValueError as exc:
        raise BenchError(str(exc)) from None


def handle(args: argparse.Namespace) -> int:
    from bench.perf import run_perf
    from bench.perf.table import format_table

    record = run_perf(config_from_args(args))
    print(format_table(record))
    atomic_write_json(args.json, record)
    print(f"wrote {args.json}")
    return 0
