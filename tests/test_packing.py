"""Class-drawn training batches are packed on the CPU (bench.packing): several texts per row,
each seeing only itself, with the same embeddings and gradients as one padded pass; so are
the length groups (bench.batching.length_groups) of backbones that cannot be packed."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
import torch

from bench.batching import length_groups, tokenize
from bench.embedders import FinetuneEmbedder
from bench.encoders import Encoder, load_backbone
from bench.packing import can_pack, pack, pack_rows

TEXTS = ["ok", "a much longer sentence with many more words than the others in it " * 3,
         "fine", "sad", "so very happy today after all of that long long day at work " * 2,
         "meh", "why", "no"] * 4


def test_rows_hold_every_text_once_without_overlap_or_overflow():
    lengths = np.random.default_rng(0).integers(3, 60, size=32)
    row, offset, n_rows = pack_rows(lengths)
    width = lengths.max()
    assert n_rows < len(lengths) and set(row.tolist()) == set(range(n_rows))
    for r in range(n_rows):
        spans = sorted((offset[i], offset[i] + lengths[i]) for i in np.flatnonzero(row == r))
        assert spans[0][0] == 0 and spans[-1][1] <= width
        assert all(a[1] == b[0] for a, b in pairwise(spans))  # back to back, no overlap
    # first-fit decreasing: never more rows than twice the ideal, here close to it
    assert n_rows <= 2 * -(-lengths.sum() // width)


def test_a_packed_batch_holds_each_text_with_its_own_positions_and_mask(tiny_encoder):
    tokenizer, _ = load_backbone(tiny_encoder)
    tokens = tokenize(TEXTS[:8], tokenizer, 128)
    index = np.array([3, 1, 0, 7, 4])
    batch = pack(tokens, index)
    n_rows, width = batch.input_ids.shape
    assert width == tokens.lengths[index].max() and n_rows < len(index)
    seg = batch.segment.view(n_rows, width)
    for k, i in enumerate(index):
        slots = (batch.segment == k).nonzero().squeeze(1)
        n = int(tokens.lengths[i])
        assert len(slots) == n and int(slots[0]) == int(batch.first[k])
        assert batch.input_ids.view(-1)[slots].tolist() == tokens.ids[i, :n].tolist()
        assert batch.position_ids.view(-1)[slots].tolist() == list(range(n))
    mask = batch.attention_mask.squeeze(1)
    assert torch.equal(mask, seg[:, :, None] == seg[:, None, :])
    assert mask.any(-1).all()  # no slot without anything to attend to (no NaN rows)


@pytest.mark.parametrize("packing", [True, False], ids=["packed", "length groups"])
@pytest.mark.parametrize("pooling", ["mean", "cls"])
def test_class_drawn_batches_give_the_embeddings_and_gradients_of_one_padded_pass(
        tiny_encoder, pooling, packing):
    tokenizer, model = load_backbone(tiny_encoder)
    torch.manual_seed(0)
    encoder = Encoder(model, pooling=pooling, embedding_dim=16).eval()  # no dropout
    embedder = FinetuneEmbedder(encoder, {"train": tokenize(TEXTS, tokenizer, 128)},
                                device=torch.device("cpu"), eval_batch_size=8, amp=False)
    index = np.random.default_rng(0).permutation(len(TEXTS))
    assert can_pack(encoder) and len(length_groups(embedder.lengths[index])) > 1
    embedder.packing = packing
    results = []
    for split in (False, True):
        embedder.split_by_length = split
        encoder.zero_grad()
        emb = embedder.train_embed(index)
        (emb * torch.linspace(-1, 1, emb.shape[1])).pow(2).sum().backward()
        grads = [p.grad.clone() for p in encoder.parameters() if p.grad is not None]
        results.append((emb.detach(), grads))
    (whole, g_whole), (split, g_split) = results
    assert split.shape == (len(TEXTS), 16)
    torch.testing.assert_close(split, whole, rtol=1e-4, atol=1e-5)
    assert len(g_whole) == len(g_split) > 0
    for a, b in zip(g_split, g_whole, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-5)


def test_a_backbone_with_other_position_ids_is_not_packed(tiny_encoder, monkeypatch):
    tokenizer, model = load_backbone(tiny_encoder)
    encoder = Encoder(model)
    monkeypatch.setattr(model.config, "model_type", "roberta")
    assert not can_pack(encoder)
    embedder = FinetuneEmbedder(encoder, {"train": tokenize(TEXTS, tokenizer, 128)},
                                device=torch.device("cpu"), eval_batch_size=8, amp=False)
    embedder.split_by_length = True
    calls = []
    monkeypatch.setattr("bench.embedders.packed_forward", lambda *a: calls.append(a))
    assert embedder.train_embed(np.arange(8)).shape == (8, model.config.hidden_size)
    assert calls == []
