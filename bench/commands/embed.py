"""`bench embed`: trained embeddings of the texts in a file, as .npy (float32) or .parquet."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import numpy as np

from bench.commands.predict import add_model_options, load_model, read_inputs
from bench.errors import BenchError
from bench.io import atomic_save_file

SUFFIXES = (".npy", ".parquet")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_options(p)
    p.add_argument("--output", required=True, help="OUT.npy (float32 N x D) or OUT.parquet")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def check_output(path: Path) -> None:
    """Fail before any work is done when the output cannot be written."""
    if path.suffix.lower() not in SUFFIXES:
        raise BenchError(f"--output must end in {' or '.join(SUFFIXES)}, but got {str(path)!r}")
    if path.suffix.lower() == ".parquet" and importlib.util.find_spec("pyarrow") is None:
        raise BenchError("writing .parquet needs pyarrow: pip install pyarrow "
                         "(or write .npy instead)")
    if path.is_dir():
        raise BenchError(f"--output {str(path)!r} is a folder; give a file name")


def save_embeddings(path: Path, lines: list[int], texts: list[str], emb: np.ndarray) -> None:
    if path.suffix.lower() == ".npy":
        def save(tmp: str) -> None:
            with open(tmp, "wb") as fh:  # a file object: np.save would append .npy to a name
                np.save(fh, emb.astype(np.float32, copy=False))
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        flat = pa.array(emb.astype(np.float32, copy=False).reshape(-1))
        table = pa.table({"line": pa.array(lines, pa.int64()), "text": pa.array(texts, pa.string()),
                          "embedding": pa.FixedSizeListArray.from_arrays(flat, emb.shape[1])})

        def save(tmp: str) -> None:
            pq.write_table(table, tmp)
    atomic_save_file(path, save)


def handle(args: argparse.Namespace) -> int:
    if not args.input:
        raise BenchError("bench embed needs --input FILE (one text per line, or .csv/.tsv/.jsonl)")
    out = Path(args.output)
    check_output(out)
    from bench.validate_commands import validate_model_options

    validate_model_options(args)  # before the input is read or the model loaded
    lines, texts = read_inputs(args)
    model = load_model(args)
    emb = model.embed(texts, batch_size=args.batch_size, progress=not args.quiet)
    save_embeddings(out, lines, texts, emb)
    print(f"wrote {emb.shape[0]} embeddings of dimension {emb.shape[1]} (float32) to {out}")
    return 0
