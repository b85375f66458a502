"""`bench run`: train and evaluate one objective on one dataset."""

from __future__ import annotations

import argparse
import ast
import os

from bench.config import FEW_SHOT_MIN_STEPS, RunConfig
from bench.errors import BenchError

HEADLINE = ("macro_f1", "micro_f1", "accuracy", "exact_match", "jaccard", "samples_f1")


def parse_hparams(items: list[str]) -> dict:
    """`--hp margin=0.2 --hp miner=semi_hard` -> {"margin": 0.2, "miner": "semi_hard"}."""
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise BenchError(f"--hp expects KEY=VALUE, but got {item!r}")
        try:
            out[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            out[key] = raw
    return out


def shots_list(text: str) -> tuple[int, ...]:
    """`--shots 8` -> (8,); `--shots 8,16,32` -> (8, 16, 32) (a list only in `bench lowres`)."""
    try:
        values = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"--shots expects integers >= 1 (K or K1,K2,...), "
                                         f"but got {text!r}")
    return values


def one_shots(values: tuple[int, ...] | None) -> int | None:
    if values is not None and len(values) != 1:
        raise BenchError(f"--shots takes one number here (a list only in `bench lowres`), "
                         f"but got {','.join(map(str, values))!r}")
    return None if values is None else values[0]


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Options shared by `run`, `sweep` and `lowres`."""
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
    p.add_argument("--run-id", help="name of the run folder (default: generated, unique)")
    p.add_argument("--no-save-model", action="store_true", help="keep only the run record")
    p.add_argument("--save-test-embeddings", action="store_true",
                   help="store up to 2,000 test embeddings (float16) for the 2-D map plot")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--resume", metavar="RUN_DIR",
                   help="continue an interrupted run from its last end-of-epoch checkpoint "
                        "(its recorded configuration is used; other options are ignored)")


def config_from_args(args: argparse.Namespace) -> RunConfig:
    try:
        return RunConfig(
            loss=args.loss, dataset=args.dataset, mode=args.mode, encoder=args.encoder,
            pooling=args.pooling, embedding_dim=args.embedding_dim, epochs=args.epochs,
            batch_size=args.batch_size, lr=args.lr, weight_decay=args.weight_decay,
            max_length=args.max_length, patience=args.patience, seed=args.seed,
            max_train=args.max_train, train_fraction=args.train_fraction,
            shots=one_shots(args.shots), min_steps=args.min_steps,
            loss_hparams=parse_hparams(args.hp), data_dir=args.data_dir,
            head_lr_multiplier=args.head_lr_multiplier,
            text_column=args.text_column, label_column=args.label_column,
            label_sep=args.label_sep, dev_file=args.dev_file, test_file=args.test_file,
            label_columns=args.label_columns, ignore_columns=args.ignore_columns,
            device=args.device, amp=not args.no_amp, cpu_bf16=args.cpu_bf16,
            trust_remote_code=args.trust_remote_code,
            save_model=not args.no_save_model, output_dir=args.output_dir, run_id=args.run_id,
            save_test_embeddings=args.save_test_embeddings,
        )
    except ValueError as exc:
        from bench.checks import usage_error

        raise usage_error(exc) from None


def summary_table(metrics: dict) -> str:
    test, emb = metrics["test"], metrics["test"]["embedding"]
    rows = [(k, test[k]) for k in HEADLINE if k in test]
    rows += [("map_at_r", emb["map_at_r"]), ("precision_at_1", emb["precision_at_1"]),
             ("nmi", emb["nmi"])]
    lines = [f"test scores ({metrics['dataset']['name']}, {metrics['objective']['name']}):"]
    lines += [f"  {name:<16}{value:.4f}" for name, value in rows]
    t = metrics["timings"]
    lines.append(f"  wall time {t['total']:.0f} s (train {t['train']:.0f} s, "
                 f"{metrics['training']['examples_per_second']:.1f} examples/s)")
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
