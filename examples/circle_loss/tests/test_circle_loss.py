"""Circle loss: values against pytorch-metric-learning, and the suite's objective contract."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from circle_loss import CircleLoss
from pytorch_metric_learning import losses as pml

from losses.testing import check_objective

N, D, C = 40, 16, 6
TOL = {"atol": 1e-5, "rtol": 1e-5}


def data(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(N, D, generator=g) * 3, torch.randint(0, C, (N,), generator=g)


def build(multi_label: bool = False, **hparams) -> CircleLoss:
    return CircleLoss(num_classes=C, embedding_dim=D, multi_label=multi_label, **hparams)


def test_contract():
    check_objective(CircleLoss)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("margin, gamma", [(0.4, 80.0), (0.25, 256.0), (0.1, 16.0)])
def test_value_and_gradient_match_pml(seed, margin, gamma):
    x, y = data(seed)
    ours_x, ref_x = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    ours = build(margin=margin, gamma=gamma)(ours_x, y)
    ref = pml.CircleLoss(m=margin, gamma=gamma)(ref_x, y)
    torch.testing.assert_close(ours, ref, **TOL)
    ours.backward()
    ref.backward()
    torch.testing.assert_close(ours_x.grad, ref_x.grad, **TOL)
    # one-hot multi-label input is the same problem, so it must give the same value
    torch.testing.assert_close(build(multi_label=True, margin=margin, gamma=gamma)(
        x, F.one_hot(y, C)), ours.detach(), **TOL)


def test_batch_without_positive_pairs_is_zero_with_grad():
    x = torch.randn(C, D, requires_grad=True)
    loss = build()(x, torch.arange(C))
    assert loss.item() == 0 and pml.CircleLoss()(x, torch.arange(C)).item() == 0
    loss.backward()
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize("key", ["margin", "gamma"])
def test_non_positive_hparams_are_rejected(key):
    with pytest.raises(ValueError, match=f"{key} must be > 0 but got {key}=0.0"):
        build(**{key: 0.0})
