"""Tokenise once, then build dynamically padded, length-bucketed or class-balanced batches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class TokenizedTexts:
    """Token ids right-padded to the longest text; a batch slices to its own longest."""

    ids: np.ndarray  # int32 (N, L)
    lengths: np.ndarray  # int64 (N,)
    truncated: int  # how many texts were cut at max_length

    def __len__(self) -> int:
        return len(self.lengths)

    def batch(self, index: np.ndarray) -> dict[str, torch.Tensor]:
        width = int(self.lengths[index].max())
        ids = torch.from_numpy(self.ids[index, :width].astype(np.int64))
        mask = torch.arange(width) < torch.from_numpy(self.lengths[index])[:, None]
        return {"input_ids": ids, "attention_mask": mask.long()}


def tokenize(texts, tokenizer, max_length: int) -> TokenizedTexts:
    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding="longest",
                    return_tensors="np", return_attention_mask=True)
    lengths = enc["attention_mask"].sum(1).astype(np.int64)
    n_full = int((lengths >= max_length).sum())
    truncated = 0
    if n_full:  # only texts that hit the limit can have been cut; re-check just those
        full_idx = np.flatnonzero(lengths >= max_length)
        raw = tokenizer([texts[i] for i in full_idx], truncation=False)["input_ids"]
        truncated = sum(len(r) > max_length for r in raw)
    return TokenizedTexts(enc["input_ids"].astype(np.int32), lengths, truncated)


def length_bucketed_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator,
                            *, bucket_factor: int = 50) -> list[np.ndarray]:
    """Random order, but each batch holds texts of similar length (less padding)."""
    order = rng.permutation(len(lengths))
    chunk = batch_size * bucket_factor
    batches = []
    for start in range(0, len(order), chunk):
        part = order[start:start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(np.array_split(part, max(1, -(-len(part) // batch_size))))
    rng.shuffle(batches)
    return batches


def sorted_batches(lengths: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Deterministic longest-first batches for inference."""
    order = np.argsort(-lengths, kind="stable")
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def primary_labels(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One class per example: itself for single-label, a random one of its labels otherwise;
    rows with no label get a pool of their own (id C), not class 0's: they are negatives."""
    if labels.ndim == 1:
        return labels
    noise = rng.random(labels.shape) * (labels > 0)
    return np.where(labels.any(1), noise.argmax(1), labels.shape[1])


def class_balanced_batches(labels: np.ndarray, batch_size: int, m: int,
                           rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of up to batch_size // m classes with at least m examples each, so pair losses
    see positives; with few classes each class gets batch_size // n_classes examples.

    One epoch yields about len(labels) / batch_size batches; rare classes are revisited.
    """
    primary = primary_labels(labels, rng)
    classes = np.unique(primary)
    pools = {c: np.flatnonzero(primary == c) for c in classes}
    per_batch = max(1, min(len(classes), batch_size // m))
    m = max(m, batch_size // per_batch)
    n_batches = max(1, len(primary) // batch_size)
    batches = []
    for _ in range(n_batches):
        chosen = rng.choice(classes, size=per_batch, replace=False)
        picks = [rng.choice(pools[c], size=m, replace=len(pools[c]) < m) for c in chosen]
        batches.append(np.concatenate(picks))
    return batches


# One more encoder pass over a training batch costs about as much as 50 more tokens on the CPU:
# MiniLM forward + backward, dair_emotion class-balanced batches of 32, one thread, measured
# 51 s / 37 s / 32 s for 30 batches in 1 / 2 / 4 length groups (48k / 33k / 26k padded tokens).
PASS_OVERHEAD_TOKENS = 50


def length_groups(lengths: np.ndarray) -> list[np.ndarray]:
    """Positions of one training batch in 1, 2 or 4 groups of similar length, whichever costs
    the fewest padded tokens (plus PASS_OVERHEAD_TOKENS per extra pass). A batch drawn by class
    (pair losses) mixes short and long texts, and one encoder pass pads all of them to the
    longest; the groups are encoded apart and put back in order, so the loss sees the same batch.
    One group means: encode the batch as it is."""
    order = np.argsort(lengths, kind="stable")
    best, best_cost = [np.arange(len(lengths))], int(len(lengths) * lengths.max(initial=0))
    for k in (2, 4):
        if k > len(order):
            break
        parts = np.array_split(order, k)
        cost = sum(len(p) * int(lengths[p].max()) for p in parts) + PASS_OVERHEAD_TOKENS * (k - 1)
        if cost < best_cost:
            best, best_cost = parts, cost
    return best


def training_batches(labels: np.ndarray, lengths: np.ndarray | None, batch_size: int, m: int,
                     rng: np.random.Generator) -> list[np.ndarray]:
    if m > 0:
        return class_balanced_batches(labels, batch_size, m, rng)
    if lengths is None:
        order = rng.permutation(len(labels))
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    return length_bucketed_batches(lengths, batch_size, rng)
