"""Before/after timing of encoding class-drawn training batches in length groups on the CPU.

    python benchmarks/length_groups.py --dataset dair_emotion --batches 30

MiniLM forward + backward through FinetuneEmbedder.train_embed on the batches a pair loss
(samples_per_class = 2) trains on, with split_by_length off and on, alternated twice so that
other load on the machine hits both alike. Needs BENCH_DATA_DIR.
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
    for split in (False, True, False, True):
        embedder.split_by_length = split
        start = time.perf_counter()
        for index in batches:
            embedder.train_embed(index).pow(2).sum().backward()
        seconds = time.perf_counter() - start
        tokens = sum(sum(len(g) * int(lengths[index][g].max()) for g in length_groups(
            lengths[index])) if split else len(index) * int(lengths[index].max())
            for index in batches)
        print(f"split_by_length={split!s:<5} {seconds:6.1f} s for {len(batches)} batches "
              f"({len(batches) * 32 / seconds:.1f} examples/s), {tokens} padded tokens "
              f"(threads: {torch.get_num_threads()})", flush=True)


if __name__ == "__main__":
    main()
