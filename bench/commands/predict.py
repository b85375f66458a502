"""`bench predict`: emotions of texts given as arguments or read from a file, with a saved run."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import sys

from bench.errors import BenchError

FORMATS = ("table", "json", "csv")


def add_model_options(p: argparse.ArgumentParser) -> None:
    """Options shared by `predict` and `embed`."""
    p.add_argument("--run", required=True, help="run folder written by `bench run`")
    p.add_argument("--input", help="file of texts: one per line, or .csv/.tsv/.jsonl")
    p.add_argument("--text-column", default="text", help="text column of a .csv/.tsv/.jsonl input")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")
    p.add_argument("--encoder", help="frozen-mode runs: encoder to use instead of the one named "
                                     "in run.json (needed when that was a local folder)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("texts", nargs="*", metavar="TEXT", help="texts to classify")
    add_model_options(p)
    p.add_argument("--format", choices=FORMATS, default="table")


def read_inputs(args: argparse.Namespace) -> tuple[list[int], list[str]]:
    """(line numbers, texts) from --input (bad lines reported and skipped) or the arguments."""
    from bench.textinput import read_texts, report_skipped

    given = list(getattr(args, "texts", None) or [])
    if bool(given) == bool(args.input):
        raise BenchError("give texts as arguments or --input FILE (one of the two), but got "
                         f"{len(given)} text argument(s) and input={args.input!r}")
    if not args.input:
        return list(range(1, len(given) + 1)), given
    inp = read_texts(args.input, text_column=args.text_column)
    report_skipped(inp)
    if not inp.texts:
        raise BenchError(f"{args.input}: no readable texts; check the file and --text-column")
    return inp.lines, inp.texts


def load_model(args: argparse.Namespace):
    from bench.api import load_run

    if args.batch_size < 1:
        raise BenchError(f"--batch-size must be >= 1, but got {args.batch_size}")
    return load_run(args.run, device=args.device, encoder=args.encoder)


def _cell(text: str, width: int = 60) -> str:
    """One table cell: control characters (newline, tab, NUL) shown escaped, long text cut."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def _table(model, lines, preds, out) -> None:
    m = model.manifest
    kind = "multi-label" if model.multi_label else "single-label"
    if model.allow_empty:
        kind += " (may predict no label)"
    print(f"# run {model.run_dir.name}: {m['objective']} ({m['mode']}), trained on "
          f"{m['dataset']!r}, {kind}, labels: {', '.join(model.label_names)}", file=out)
    print(f"{'line':>6}  {'labels':<24} {'score':>6}  text", file=out)
    for line, p in zip(lines, preds, strict=True):
        # no label predicted (rule may_be_empty): show the best score, below every threshold
        top = max(p["scores"][name] for name in p["labels"] or p["scores"])
        labels = ", ".join(p["labels"]) or "(none)"
        print(f"{line:>6}  {_cell(labels, 24):<24} {top:>6.3f}  "
              f"{_cell(p['text'])}", file=out)


def write_predictions(model, lines, preds, fmt: str, out) -> None:
    if fmt == "json":
        rows = [{"line": line, **p} for line, p in zip(lines, preds, strict=True)]
        json.dump(rows, out, ensure_ascii=False, indent=1)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["line", "text", "labels", *model.label_names])
        for line, p in zip(lines, preds, strict=True):
            writer.writerow([line, p["text"], ";".join(p["labels"]),
                             *(f"{p['scores'][n]:.6g}" for n in model.label_names)])
    else:
        _table(model, lines, preds, out)


def handle(args: argparse.Namespace) -> int:
    from bench.validate_commands import validate_model_options

    validate_model_options(args)  # before the input is read or the model loaded
    lines, texts = read_inputs(args)
    model = load_model(args)
    preds = model.predict(texts, batch_size=args.batch_size)
    try:
        write_predictions(model, lines, preds, args.format, sys.stdout)
    except BrokenPipeError:  # `| head` has all it wanted; silence the flush at exit
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
