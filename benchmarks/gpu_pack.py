"""Shrink what a GPU lease carries to the datasets it will train on (benchmarks/gpu_carry.sh).

    python benchmarks/gpu_pack.py MODEL_DIR DATASET [DATASET ...]

Loads each dataset with bench's own reader (so the texts are exactly those a run tokenizes),
tokenizes every train, dev and test text with MiniLM's tokenizer, and sets to zero the rows of
the word-embedding matrix of MODEL_DIR/model.safetensors (rewritten in place) that no text
produces. A run never reads those rows: its embeddings, losses and gradients are unchanged,
and the zeros compress, so the gzipped model fits beside the tracked tree in a carry.
Prints the dataset folders (relative to BENCH_DATA_DIR) for the caller to pack.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def used_token_ids(tokenizer, texts: list[str]) -> set[int]:
    ids = {i for row in tokenizer(texts)["input_ids"] for i in row}
    return ids | set(tokenizer.all_special_ids)


def zero_unused_rows(weights: dict, keep: set[int]) -> int:
    """Zero the word-embedding rows not in `keep`, in place; returns how many were kept."""
    import torch

    key = next(k for k in weights if k.endswith("word_embeddings.weight"))
    mask = torch.zeros(len(weights[key]), dtype=torch.bool)
    mask[sorted(keep)] = True
    weights[key][~mask] = 0
    return int(mask.sum())


def main() -> int:
    if len(sys.argv) < 3:
        sys.exit(__doc__.splitlines()[2].strip())
    from safetensors.torch import load_file, save_file
    from transformers import AutoTokenizer

    from bench.data import load_dataset

    model, names = Path(sys.argv[1]), sys.argv[2:]
    root = Path(os.environ["BENCH_DATA_DIR"]).resolve()
    texts, folders = [], []
    for name in names:
        ds = load_dataset(name, data_dir=root)
        texts += [t for split in (ds.train, ds.dev, ds.test) for t in split.texts]
        folders.append(str(Path(ds.source).resolve().relative_to(root)))
    weights = load_file(model / "model.safetensors")
    kept = zero_unused_rows(weights, used_token_ids(AutoTokenizer.from_pretrained(model), texts))
    save_file(weights, model / "model.safetensors", metadata={"format": "pt"})
    print(f"kept {kept} word-embedding rows for {len(texts)} texts of {', '.join(names)}",
          file=sys.stderr)
    print(" ".join(dict.fromkeys(folders)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
