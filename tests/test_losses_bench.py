"""Forward+backward timings per objective on a (256, 384) batch with 28 classes.

Run with `pytest tests/test_losses_bench.py --benchmark-enable`; by default each case runs once.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import losses

N, D, C = 256, 384, 28
CASES = [(name, {}) for name in losses.names() if name != "triplet"] + [
    ("triplet", {"miner": "batch_hard"}),
    ("triplet", {"miner": "semi_hard"}),
]


def make_batch(multi_label: bool) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, D, generator=g)
    y = torch.arange(N) % C  # >= 2 examples per class, like the pair sampler
    if not multi_label:
        return x, y
    return x, F.one_hot(y, C) | (torch.rand(N, C, generator=g) < 0.05).long()


@pytest.mark.parametrize("multi_label", [False, True], ids=["single", "multi"])
@pytest.mark.parametrize("name, hparams", CASES, ids=["-".join([n, *h.values()]) for n, h in CASES])
def test_forward_backward_speed(benchmark, name, hparams, multi_label):
    torch.manual_seed(0)
    obj = losses.build(name, num_classes=C, embedding_dim=D, multi_label=multi_label, **hparams)
    x, y = make_batch(multi_label)
    x.requires_grad_(True)

    def step() -> torch.Tensor:
        x.grad = None
        loss = obj(x, y)
        loss.backward()
        return loss

    loss = benchmark(step)
    assert torch.isfinite(loss) and torch.isfinite(x.grad).all()
