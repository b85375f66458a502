"""`bench run`: train and evaluate one objective on one dataset."""

from __future__ import annotations

import argparse
import os

from bench.commands.configs import config_from_args, shots_list
from bench.config import FEW_SHOT_MIN_STEPS
from bench.errors import BenchError

HEADLINE = ("macro_f1", "micro_f1", "accuracy", "exact_match", "jaccard", "samples_f1")


def add_run_options(p: argparse.ArgumentParser, *, one_dataset: bool = True) -> None:
    """Data, encoder and device options shared by `run`, `grid`, `sweep`, `lowres`, `peer`
    (`grid` has --datasets instead of --dataset)."""
    if one_dataset:
        p.add_argument("--dataset", default="goemotions",
                       help="built-in dataset name (see `bench list`) or a .csv/.tsv/.jsonl file")
    p.add_argument("--data-dir", default=os.environ.get("BENCH_DATA_DIR"),
                   help="folder with the published dataset files (default: $BENCH_DATA_DIR, "
                        "else the Hugging Face Hub)")
    p.add_argument("--mode", choices=("finetune", "frozen"), default="finetune")
    p.add_argument("--encoder", default="minilm",
                   help="registered encoder, Hugging Face model id, or local folder")
    p.add_argument("--trust-remote-code", action="store_true",
                   help="allow a Hub model to run its own code (off by default)")
    p.add_argument("--pooling", choices=("mean", "cls"), default="mean")
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--max-train", type=int, help="use at most N training examples (stratified)")
    p.add_argument("--train-fraction", type=float, help="use this fraction of the training set")
    p.add_argument("--shots", type=shots_list, metavar="K",
                   help="exactly K training examples per class, seeded (multi-label: greedy, "
                        "every class >= K; see README 'Few-shot'); dev and test stay whole")
    p.add_argument("--text-column", default="text")
    p.add_argument("--label-column", default="label")
    p.add_argument("--label-sep", help="separator of several labels in one cell (multi-label; "
                                       "an empty cell is then a text with no label)")
    p.add_argument("--label-columns", metavar="A,B,...|all",
                   help="one 0/1 (or true/false) column per label (multi-label): their names, "
                        "or 'all' = every column but the text column and --ignore-columns")
    p.add_argument("--ignore-columns", metavar="A,B,...",
                   help="with --label-columns all: columns that are not labels (e.g. an id)")
    p.add_argument("--dev-file")
    p.add_argument("--test-file")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")
    p.add_argument("--no-amp", action="store_true", help="disable mixed precision on CUDA")
    p.add_argument("--cpu-bf16", action="store_true",
                   help="bf16 autocast on CPU: much faster on CPUs with AMX or AVX512-BF16, "
                        "slower on others; the cached frozen features stay float32")
    p.add_argument("--output-dir", default="results/runs")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--loss", default="proxy_anchor", help="objective name (see `bench list`)")
    add_run_options(p)
    p.add_argument("--seed", type=int, default=0)
    add_training_options(p)
    p.add_argument("--run-id", help="name of the run folder (default: generated, unique)")
    p.add_argument("--resume", metavar="RUN_DIR",
                   help="continue an interrupted run from its last end-of-epoch checkpoint "
                        "(its recorded configuration is used; other options are ignored)")


def add_training_options(p: argparse.ArgumentParser) -> None:
    """Training options of `run` and `grid` (a grid's runs all get them)."""
    p.add_argument("--epochs", type=int,
                   help="most epochs; training stops early after --patience epochs without a "
                        "dev gain (default: 10 finetune, 40 frozen; --epochs 1 for a quick look)")
    p.add_argument("--batch-size", type=int, help="default: 32 (finetune), 256 (frozen)")
    p.add_argument("--lr", type=float, help="default: 3e-5 (finetune), 1e-3 (frozen)")
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--embedding-dim", type=int, help="project embeddings to this size")
    p.add_argument("--patience", type=int,
                   help="epochs without dev gain before stopping (default: 2 finetune, 3 frozen)")
    p.add_argument("--min-steps", type=int,
                   help="train at least this many steps, passing over a small training set "
                        f"several times per epoch (default: {FEW_SHOT_MIN_STEPS} for --shots "
                        "in finetune mode, else none)")
    p.add_argument("--head-lr-multiplier", type=float,
                   help="the objective's own parameters (classifier, proxies) train at lr x this, "
                        "the same for every objective (default: 100 finetune, 1 frozen)")
    p.add_argument("--hp", action="append", default=[], metavar="KEY=VALUE",
                   help="objective hyperparameter, e.g. --hp margin=0.2 (repeatable)")
    p.add_argument("--no-save-model", action="store_true", help="keep only the run record")
    p.add_argument("--save-test-embeddings", action="store_true",
                   help="store up to 2,000 test embeddings (float16) for the 2-D map plot")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def summary_table(metrics: dict) -> str:
    from bench.metrics import COLLAPSED_COSINE  # here: sklearn only when a run has finished

    test, emb = metrics["test"], metrics["test"]["embedding"]
    rows = [(k, test[k]) for k in HEADLINE if k in test]
    rows += [("map_at_r", emb["map_at_r"]), ("precision_at_1", emb["precision_at_1"]),
             ("nmi", emb["nmi"])]
    lines = [f"test scores ({metrics['dataset']['name']}, {metrics['objective']['name']}):"]
    lines += [f"  {name:<16}{value:.4f}" for name, value in rows]
    t = metrics["timings"]
    resumed = metrics["training"].get("resumed_after_epochs") or []
    train = (f"in this process, resumed after epoch {resumed[-1]}; train {t['train']:.0f} s "
             "in all" if resumed else f"train {t['train']:.0f} s")
    lines.append(f"  wall time {t['total']:.0f} s ({train}, "
                 f"{metrics['training']['examples_per_second']:.1f} examples/s)")
    cosine = emb.get("mean_cosine", 0.0)  # records made before it lack it
    if cosine >= COLLAPSED_COSINE:
        lines.append(f"  warning: the test embeddings collapsed (mean cosine similarity "
                     f"{cosine:.4f} between two rows, >= {COLLAPSED_COSINE}): this objective "
                     "learned (almost) no geometry; try its other hyperparameters")
    return "\n".join(lines)


def handle(args: argparse.Namespace) -> int:
    resume = getattr(args, "resume", None)
    if not resume:  # every option checked before data, model or run folder (bench/validate.py)
        from bench.validate import validate_run_config

        validate_run_config(config_from_args(args))
    from bench.runner import config_to_resume, run  # heavy imports only when running

    cfg = config_to_resume(resume) if resume else config_from_args(args)
    try:
        out = run(cfg, progress=not args.quiet, resume_dir=resume)
    except ValueError as exc:  # invalid objective options, from losses.build
        raise BenchError(str(exc)) from None
    print(summary_table(out.metrics))
    print(f"run record: {out.run_dir}")
    return 0
