"""Timing of the three ways to encode class-drawn training batches on the CPU.

    python benchmarks/length_groups.py --dataset goemotions --batches 30

MiniLM forward + backward through FinetuneEmbedder.train_embed on the batches a pair loss
(samples_per_class = 2) trains on: one padded pass, length groups (bench.batching) and
packed rows (bench.packing), alternated twice so that other load on the machine hits all
alike. Needs BENCH_DATA_DIR.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.batching import class_balanced_batches, length_groups, tokenize  # noqa: E402
from bench.data import load_dataset  # noqa: E402
from bench.embedders import FinetuneEmbedder  # noqa: E402
from bench.encoders import Encoder, load_backbone  # noqa: E402
from bench.packing import pack_rows  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="dair_emotion")
    p.add_argument("--batches", type=int, default=30)
    args = p.parse_args()
    ds = load_dataset(args.dataset, data_dir=os.environ.get("BENCH_DATA_DIR"))
    tokenizer, model = load_backbone("minilm")
    torch.manual_seed(0)
    embedder = FinetuneEmbedder(Encoder(model).train(),
                                {"train": tokenize(ds.train.texts, tokenizer, 128)},
                                device=torch.device("cpu"), eval_batch_size=64, amp=False)
    batches = class_balanced_batches(ds.train.labels, 32, 2, np.random.default_rng(0))
    batches = batches[:args.batches]
    lengths = embedder.lengths

    def slots(index: np.ndarray, mode: str) -> int:  # token positions the encoder computes
        own = lengths[index]
        if mode == "packed":
            return pack_rows(own)[2] * int(own.max())
        groups = length_groups(own) if mode == "groups" else [np.arange(len(own))]
        return sum(len(g) * int(own[g].max()) for g in groups)

    for mode in ("one pass", "groups", "packed") * 2:
        embedder.split_by_length, embedder.packing = mode != "one pass", mode == "packed"
        start = time.perf_counter()
        for index in batches:
            embedder.train_embed(index).pow(2).sum().backward()
        seconds = time.perf_counter() - start
        tokens = sum(slots(index, mode) for index in batches)
        print(f"{mode:<8} {seconds:6.1f} s for {len(batches)} batches "
              f"({len(batches) * 32 / seconds:.1f} examples/s), {tokens} padded tokens "
              f"(threads: {torch.get_num_threads()})", flush=True)


if __name__ == "__main__":
    main()
