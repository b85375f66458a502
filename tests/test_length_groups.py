"""Class-drawn training batches that cannot be packed (bench.packing) are encoded in groups of
similar length on the CPU (bench.batching.length_groups): fewer padded tokens, the same
embeddings and gradients."""

from __future__ import annotations

import numpy as np
import torch

from bench.batching import PASS_OVERHEAD_TOKENS, length_groups, tokenize
from bench.embedders import FinetuneEmbedder
from bench.encoders import Encoder, load_backbone


def padded(lengths: np.ndarray, groups: list[np.ndarray]) -> int:
    return sum(len(g) * int(lengths[g].max()) for g in groups)


def test_mixed_lengths_split_into_a_partition_with_fewer_padded_tokens():
    lengths = np.array([5, 90, 7, 6, 100, 8, 95, 5] * 4)
    groups = length_groups(lengths)
    assert len(groups) in (2, 4)
    assert sorted(np.concatenate(groups).tolist()) == list(range(len(lengths)))
    assert padded(lengths, groups) + PASS_OVERHEAD_TOKENS * (len(groups) - 1) < 32 * 100
    assert max(lengths[groups[0]]) <= min(lengths[groups[-1]])  # short ones together


def test_similar_lengths_stay_one_batch_in_order():
    lengths = np.array([20, 21, 22, 20, 23, 21, 22, 20] * 4)  # a length-bucketed batch
    groups = length_groups(lengths)
    assert len(groups) == 1 and groups[0].tolist() == list(range(32))
    assert len(length_groups(np.array([3]))) == 1


def test_grouped_encoding_gives_the_same_embeddings_and_gradients(tiny_encoder, monkeypatch):
    tokenizer, model = load_backbone(tiny_encoder)
    # a backbone that bench.packing leaves alone (its BERT weights still run as BERT)
    monkeypatch.setattr(model.config, "model_type", "roberta")
    texts = ["ok", "a much longer sentence with many more words than the others in it " * 3,
             "fine", "sad", "so very happy today after all of that long long day at work " * 2,
             "meh", "why", "no"] * 4
    torch.manual_seed(0)
    encoder = Encoder(model).eval()  # no dropout: both paths must agree to float rounding
    embedder = FinetuneEmbedder(encoder, {"train": tokenize(texts, tokenizer, 128)},
                                device=torch.device("cpu"), eval_batch_size=8, amp=False)
    index = np.random.default_rng(0).permutation(len(texts))
    assert len(length_groups(embedder.lengths[index])) > 1
    results = []
    for split in (False, True):
        embedder.split_by_length = split
        encoder.zero_grad()
        emb = embedder.train_embed(index)
        (emb * torch.linspace(-1, 1, emb.shape[1])).pow(2).sum().backward()
        grads = [p.grad.clone() for p in encoder.parameters() if p.grad is not None]
        results.append((emb.detach(), grads))
    (whole, g_whole), (grouped, g_grouped) = results
    torch.testing.assert_close(grouped, whole, rtol=1e-4, atol=1e-5)
    assert len(g_whole) == len(g_grouped) > 0
    for a, b in zip(g_grouped, g_whole, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-5)
