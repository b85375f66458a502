"""Loss values against pytorch-metric-learning, torch, and naive loop references (1e-5)."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from pytorch_metric_learning import distances, miners
from pytorch_metric_learning import losses as pml

import losses

N, D, C = 40, 16, 6
SEEDS = [0, 1, 2]
TOL = {"atol": 1e-5, "rtol": 1e-5}


def data(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Raw (unnormalised) embeddings, class ids, and a multi-hot matrix with 1-3 labels."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(N, D, generator=g) * 3
    y = torch.randint(0, C, (N,), generator=g)
    multi = F.one_hot(y, C) | (torch.rand(N, C, generator=g) < 0.2).long()
    return x, y, multi


def build(name: str, multi_label: bool = False, **hparams) -> losses.Objective:
    torch.manual_seed(0)
    return losses.build(name, num_classes=C, embedding_dim=D, multi_label=multi_label, **hparams)


def ours(name: str, x, y, **hparams) -> tuple[torch.Tensor, torch.Tensor, losses.Objective]:
    """(single-label value, one-hot multi-label value, single-label objective)."""
    single, multi = build(name, **hparams), build(name, multi_label=True, **hparams)
    v_single, v_multi = single(x, y), multi(x, F.one_hot(y, C))
    torch.testing.assert_close(v_multi, v_single, **TOL)
    return v_single, v_multi, single


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("margin, alpha", [(0.1, 32.0), (0.3, 8.0)])
def test_proxy_anchor_vs_pml(seed, margin, alpha):
    x, y, _ = data(seed)
    value, _, obj = ours("proxy_anchor", x, y, margin=margin, alpha=alpha)
    ref = pml.ProxyAnchorLoss(C, D, margin=margin, alpha=alpha)
    ref.proxies.data.copy_(obj.proxies.data)
    torch.testing.assert_close(value, ref(x, y), **TOL)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scale", [1.0, 16.0])
def test_proxy_nca_vs_pml(seed, scale):
    x, y, _ = data(seed)
    value, _, obj = ours("proxy_nca", x, y, softmax_scale=scale)
    ref = pml.ProxyNCALoss(C, D, softmax_scale=scale)  # LpDistance(power=2), normalised
    ref.proxies.data.copy_(obj.proxies.data)
    torch.testing.assert_close(value, ref(x, y), **TOL)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("miner", ["batch_hard", "semi_hard"])
@pytest.mark.parametrize("margin", [0.05, 0.3])
def test_triplet_vs_pml(seed, miner, margin):
    x, y, _ = data(seed)
    value, _, _ = ours("triplet", x, y, miner=miner, margin=margin)
    cos = distances.CosineSimilarity()
    if miner == "batch_hard":
        mined = miners.BatchHardMiner(distance=cos)(x, y)
    else:  # our semi-hard window is the loss margin
        mined = miners.TripletMarginMiner(margin=margin, type_of_triplets="semihard", distance=cos)(
            x, y
        )
    ref = pml.TripletMarginLoss(margin=margin, distance=cos)  # default AvgNonZeroReducer
    torch.testing.assert_close(value, ref(x, y, mined), **TOL)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("temperature", [0.1, 0.5])
def test_supcon_vs_pml(seed, temperature):
    x, y, _ = data(seed)
    value, _, _ = ours("supcon", x, y, temperature=temperature)
    torch.testing.assert_close(value, pml.SupConLoss(temperature=temperature)(x, y), **TOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_vs_torch(seed):
    x, y, multi = data(seed)
    single, ml = build("softmax"), build("softmax", multi_label=True)
    torch.testing.assert_close(single(x, y), F.cross_entropy(single.classifier(x), y), **TOL)
    bce = F.binary_cross_entropy_with_logits(ml.classifier(x), multi.float())
    torch.testing.assert_close(ml(x, multi), bce, **TOL)
    # By design one-hot BCE != softmax CE; the one-hot reduction holds for the other four.
    assert not torch.allclose(ml(x, F.one_hot(y, C)), single(x, y))


# Naive multi-label references, one Python loop per definition (see the loss docstrings).


def cosine(x: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
    return F.normalize(x, dim=1) @ F.normalize(other, dim=1).T


def naive_proxy_anchor(x, multi, proxies, margin=0.1, alpha=32.0):
    s, pos_sum, neg_sum, n_pos = cosine(x, proxies), 0.0, 0.0, 0
    for p in range(C):
        pos = [math.exp(-alpha * (s[i, p] - margin)) for i in range(N) if multi[i, p]]
        neg = [math.exp(alpha * (s[i, p] + margin)) for i in range(N) if not multi[i, p]]
        n_pos += bool(pos)
        pos_sum += math.log(1 + sum(pos))
        neg_sum += math.log(1 + sum(neg))
    return pos_sum / n_pos + neg_sum / C


def naive_proxy_nca(x, multi, proxies, scale=1.0):
    d = torch.cdist(F.normalize(x, dim=1), F.normalize(proxies, dim=1)) ** 2
    terms = []
    for i in range(N):
        e = [math.exp(-scale * d[i, p]) for p in range(C)]
        terms.append(-math.log(sum(e[p] for p in range(C) if multi[i, p]) / sum(e)))
    return sum(terms) / len(terms)


def shares(multi, i, j) -> bool:
    return bool((multi[i] * multi[j]).sum() > 0)


def naive_triplet(x, multi, margin, miner):
    s, values = cosine(x, x), []
    for a in range(N):
        pos = [p for p in range(N) if p != a and shares(multi, a, p)]
        neg = [n for n in range(N) if not shares(multi, a, n)]
        if not pos or not neg:
            continue
        if miner == "batch_hard":
            triplets = [(min(pos, key=lambda p: s[a, p]), max(neg, key=lambda n: s[a, n]))]
        else:
            triplets = [
                (p, n) for p, n in itertools.product(pos, neg) if 0 < s[a, p] - s[a, n] <= margin
            ]
        values += [max(0.0, float(s[a, n] - s[a, p] + margin)) for p, n in triplets]
    nonzero = [v for v in values if v > 0]
    return sum(nonzero) / len(nonzero) if nonzero else 0.0


def naive_supcon(x, multi, temperature=0.1):
    s, per_anchor = cosine(x, x) / temperature, []
    for i in range(N):
        pos = [p for p in range(N) if p != i and shares(multi, i, p)]
        if not pos:
            continue
        denom = math.log(sum(math.exp(s[i, k]) for k in range(N) if k != i))
        per_anchor.append(-sum(float(s[i, p]) - denom for p in pos) / len(pos))
    return sum(per_anchor) / len(per_anchor)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_multi_label_vs_naive(seed):
    x, _, multi = data(seed)
    assert (multi.sum(1) > 1).any()
    pa, nca = build("proxy_anchor", True), build("proxy_nca", True)
    expected = {
        "proxy_anchor": (pa(x, multi), naive_proxy_anchor(x, multi, pa.proxies.detach())),
        "proxy_nca": (nca(x, multi), naive_proxy_nca(x, multi, nca.proxies.detach())),
        "supcon": (build("supcon", True)(x, multi), naive_supcon(x, multi)),
    }
    for miner in ["batch_hard", "semi_hard"]:
        obj = build("triplet", True, miner=miner, margin=0.3)
        expected[miner] = (obj(x, multi), naive_triplet(x, multi, 0.3, miner))
    for key, (value, reference) in expected.items():
        assert value.item() == pytest.approx(reference, rel=1e-5, abs=1e-5), key
