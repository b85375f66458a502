"""Frozen-mode encoding: bench's encode_tokens against a naive pass over the same texts.

bench: pre-tokenised ids, longest-first batches padded to their own longest text,
inference_mode (and autocast on CUDA). Naive: every text padded to max_length, random order,
torch.no_grad, full precision. Both return mean-pooled embeddings and are timed without
tokenisation; their largest difference is reported to show the results agree.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from bench.batching import tokenize
from bench.embedders import encode_tokens
from bench.encoders import Encoder
from bench.perf.common import PerfConfig, alternate, rate, sync


def naive_encode(encoder: Encoder, enc: dict, *, batch_size: int, device: torch.device,
                 seed: int) -> np.ndarray:
    n = enc["input_ids"].shape[0]
    out = np.empty((n, encoder.backbone.config.hidden_size), dtype=np.float32)
    order = np.random.default_rng(seed).permutation(n)
    encoder.eval()
    with torch.no_grad():
        for i in range(0, n, batch_size):
            rows = order[i:i + batch_size]
            batch = {k: v[rows].to(device) for k, v in enc.items()}
            hidden = encoder.backbone(**batch).last_hidden_state
            out[rows] = encoder.pool(hidden, batch["attention_mask"]).cpu().numpy()
    return out


def measure_encoding(encoder: Encoder, tokenizer, texts, cfg: PerfConfig,
                     device: torch.device) -> dict:
    texts = list(texts[:cfg.encode_texts])
    tokens = tokenize(texts, tokenizer, cfg.max_length)
    fixed = dict(tokenizer(texts, padding="max_length", truncation=True,
                           max_length=cfg.max_length, return_tensors="pt"))
    outputs: dict[str, np.ndarray] = {}

    def timed(name, fn):
        def go(_round: int) -> dict:
            sync(device)
            start = time.perf_counter()
            outputs[name] = fn()
            sync(device)
            return {"seconds": time.perf_counter() - start, "examples": len(texts)}
        return go

    rounds = alternate({
        "bench": timed("bench", lambda: encode_tokens(
            encoder, tokens, batch_size=cfg.batch_size, device=device, amp=cfg.amp,
            pooled_only=True, desc="perf encode")),
        "naive": timed("naive", lambda: naive_encode(
            encoder, fixed, batch_size=cfg.batch_size, device=device, seed=cfg.seed)),
    }, cfg.rounds, warm=device.type == "cuda")
    bench, naive = rate(rounds["bench"]), rate(rounds["naive"])
    return {
        "texts": len(texts),
        "bench": {"examples_per_second": bench, "rounds": rounds["bench"],
                  "padded_tokens": int(_padded(tokens.lengths, cfg.batch_size))},
        "naive": {"examples_per_second": naive, "rounds": rounds["naive"],
                  "padded_tokens": len(texts) * cfg.max_length},
        "ratio": bench / naive,
        "max_abs_diff": float(np.abs(outputs["bench"] - outputs["naive"]).max()),
    }


def _padded(lengths: np.ndarray, batch_size: int) -> int:
    """Tokens computed with longest-first batches (each padded to its first, longest row)."""
    ordered = np.sort(lengths)[::-1]
    return int(sum(ordered[i] * len(ordered[i:i + batch_size])
                   for i in range(0, len(ordered), batch_size)))
