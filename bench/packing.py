"""Sequence packing for class-drawn training batches on the CPU.

A batch drawn by class (pair losses: triplet, SupCon) mixes short and long texts, and one
encoder pass pads every text to the longest. Packing puts several texts side by side in one
row as wide as the longest text; each token attends only to the tokens of its own text and
counts its positions from 0, so every text gets the same hidden states as in a padded batch
(to float rounding), in one pass over about its real tokens. Only for backbones whose
position ids are plain 0..L-1 (BERT family); others keep `batching.length_groups`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from bench.batching import TokenizedTexts

# model types whose embeddings take position ids 0..L-1 per text (RoBERTa counts from its
# padding index + 1, so it is left out rather than guessed)
PACKABLE = frozenset({"bert"})


@dataclass(frozen=True)
class PackedBatch:
    input_ids: torch.Tensor  # (R, W) int64, 0 where no text sits
    position_ids: torch.Tensor  # (R, W) int64: each text counts from 0
    attention_mask: torch.Tensor  # (R, 1, W, W) bool: a token sees its own text only
    segment: torch.Tensor  # (R * W,) int64: the batch position of each slot's text, N if empty
    first: torch.Tensor  # (N,) int64: the flat slot of each text's first token ([CLS])
    lengths: torch.Tensor  # (N,) int64


def pack_rows(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """First-fit decreasing into rows of width max(lengths): (row, offset) per text and the
    number of rows. The loop is over the texts of one batch (32), a few µs each, beside an
    encoder pass of hundreds of ms."""
    width = int(lengths.max())
    row = np.empty(len(lengths), dtype=np.int64)
    offset = np.empty(len(lengths), dtype=np.int64)
    used = np.zeros(len(lengths), dtype=np.int64)  # at most one row per text
    n_rows = 0
    for i in np.argsort(-lengths, kind="stable"):
        fits = np.flatnonzero(used[:n_rows] + lengths[i] <= width)
        r = int(fits[0]) if len(fits) else n_rows
        n_rows += r == n_rows
        row[i], offset[i] = r, used[r]
        used[r] += lengths[i]
    return row, offset, n_rows


def pack(tokens: TokenizedTexts, index: np.ndarray) -> PackedBatch:
    """The texts `tokens[index]` packed into rows, in `index` order."""
    lengths = tokens.lengths[index]
    row, offset, n_rows = pack_rows(lengths)
    width = int(lengths.max())
    text = np.repeat(np.arange(len(index)), lengths)  # one entry per real token
    pos = np.arange(len(text)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    slot = np.repeat(row * width + offset, lengths) + pos
    ids = np.zeros(n_rows * width, dtype=np.int64)
    ids[slot] = tokens.ids[index[text], pos]
    positions = np.zeros(n_rows * width, dtype=np.int64)
    positions[slot] = pos
    segment = np.full(n_rows * width, len(index), dtype=np.int64)
    segment[slot] = text
    seg = torch.from_numpy(segment).view(n_rows, width)
    # empty slots share the segment N: they see each other (never an all-masked row, which
    # would give NaN) and no text sees them
    mask = (seg[:, :, None] == seg[:, None, :]).unsqueeze(1)
    return PackedBatch(torch.from_numpy(ids).view(n_rows, width),
                       torch.from_numpy(positions).view(n_rows, width), mask,
                       torch.from_numpy(segment), torch.from_numpy(row * width + offset),
                       torch.from_numpy(lengths.astype(np.int64)))


def packed_forward(encoder, batch: PackedBatch, device: torch.device) -> torch.Tensor:
    """(N, D) embeddings of a packed batch: the same pooling and head as Encoder.forward."""
    out = encoder.backbone(input_ids=batch.input_ids.to(device),
                           attention_mask=batch.attention_mask.to(device),
                           position_ids=batch.position_ids.to(device))
    hidden = out.last_hidden_state.reshape(-1, out.last_hidden_state.shape[-1])
    n = len(batch.lengths)
    if encoder.pooling == "cls":
        pooled = hidden[batch.first.to(device)]
    else:
        sums = hidden.new_zeros(n + 1, hidden.shape[1]).index_add(0, batch.segment.to(device),
                                                                   hidden)
        pooled = sums[:n] / batch.lengths.to(device, hidden.dtype).unsqueeze(1)
    return encoder.head(pooled)


def can_pack(encoder) -> bool:
    return getattr(encoder.backbone.config, "model_type", None) in PACKABLE
