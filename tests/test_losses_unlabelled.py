"""Multi-label rows with no label (all-zero targets): what each objective does with them.

softmax: every class a negative; proxy-anchor and proxy-NCA: only negative terms; triplet and
SupCon: never an anchor or a positive (see each loss's docstring). Checked in float64 against
naive per-row references (value and gradients) and against finite differences (gradcheck).
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call

import losses

D, C = 6, 4
EMPTY_ROWS = (0, 4, 7)


def mixed_batch(seed: int = 0) -> tuple[Tensor, Tensor]:
    """10 rows: three with no label, the rest with one or two labels and positive pairs."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(10, D, generator=g, dtype=torch.float64)
    y = F.one_hot(torch.arange(10) % C, C)
    y[1, 2] = y[6, 0] = 1  # two rows with two labels
    y[list(EMPTY_ROWS)] = 0
    assert (y.sum(1) == 0).sum() == len(EMPTY_ROWS) and (y.sum(1) == 2).sum() == 2
    return x, y


def empty_batch(n: int = 5, seed: int = 1) -> tuple[Tensor, Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, D, generator=g, dtype=torch.float64), torch.zeros(n, C, dtype=torch.long)


def build(name: str, **hparams) -> losses.Objective:
    torch.manual_seed(0)
    obj = losses.build(name, num_classes=C, embedding_dim=D, multi_label=True, **hparams)
    return obj.double()


# Naive references in float64 torch ops (differentiable), one Python loop per definition.


def cos(a: Tensor, b: Tensor) -> Tensor:
    return F.normalize(a, dim=1) @ F.normalize(b, dim=1).T


def naive_softmax(obj, x, y) -> Tensor:
    z, terms = obj.classifier(x), []
    for i in range(len(x)):
        for c in range(C):
            s = torch.sigmoid(z[i, c])
            terms.append(-torch.log(s) if y[i, c] else -torch.log(1 - s))
    return torch.stack(terms).mean()


def naive_proxy_anchor(obj, x, y, margin=0.1, alpha=32.0) -> Tensor:
    s, pos_sum, neg_sum, n_pos = cos(x, obj.proxies), 0.0, 0.0, 0
    for p in range(C):
        pos = [torch.exp(-alpha * (s[i, p] - margin)) for i in range(len(x)) if y[i, p]]
        neg = [torch.exp(alpha * (s[i, p] + margin)) for i in range(len(x)) if not y[i, p]]
        n_pos += bool(pos)
        pos_sum = pos_sum + torch.log(1 + sum(pos, torch.tensor(0.0, dtype=x.dtype)))
        neg_sum = neg_sum + torch.log(1 + sum(neg, torch.tensor(0.0, dtype=x.dtype)))
    return pos_sum / max(n_pos, 1) + neg_sum / C


def naive_proxy_nca(obj, x, y, scale=1.0) -> Tensor:
    d, terms = 2 - 2 * cos(x, obj.proxies), []
    for i in range(len(x)):
        e = [torch.exp(-scale * d[i, p]) for p in range(C)]
        if y[i].any():
            terms.append(-torch.log(sum(e[p] for p in range(C) if y[i, p]) / sum(e)))
        else:  # only the negative term: the log-partition over all proxies
            terms.append(torch.log(sum(e)))
    return torch.stack(terms).mean()


def shares(y, i, j) -> bool:
    return bool((y[i] * y[j]).sum() > 0)


def naive_triplet(obj, x, y) -> Tensor:
    s, values, margin = cos(x, x), [], obj.margin
    for a in range(len(x)):
        pos = [p for p in range(len(x)) if p != a and shares(y, a, p)]
        neg = [n for n in range(len(x)) if n != a and not shares(y, a, n)]
        if obj.miner == "batch_hard" and pos and neg:
            hardest = min(s[a, p] for p in pos), max(s[a, n] for n in neg)
            values.append(torch.relu(hardest[1] - hardest[0] + margin))
        if obj.miner == "semi_hard":  # every triplet with 0 < s(a,p) - s(a,n) <= margin
            values += [torch.relu(s[a, n] - s[a, p] + margin) for p in pos for n in neg
                       if 0 < s[a, p] - s[a, n] <= margin]
    nonzero = [v for v in values if v > 0]
    return sum(nonzero) / len(nonzero) if nonzero else torch.tensor(0.0, dtype=x.dtype)


def naive_supcon(obj, x, y, temperature=0.1) -> Tensor:
    s, per_anchor = cos(x, x) / temperature, []
    for i in range(len(x)):
        pos = [p for p in range(len(x)) if p != i and shares(y, i, p)]
        if pos:
            denom = torch.logsumexp(torch.stack([s[i, k] for k in range(len(x)) if k != i]), 0)
            per_anchor.append(-sum(s[i, p] - denom for p in pos) / len(pos))
    return sum(per_anchor) / len(per_anchor) if per_anchor else torch.tensor(0.0, dtype=x.dtype)


NAIVE = {"softmax": naive_softmax, "proxy_anchor": naive_proxy_anchor,
         "proxy_nca": naive_proxy_nca, "triplet": naive_triplet, "supcon": naive_supcon}
# every objective with its defaults, triplet's other miner, and a margin wide enough that
# this small batch has semi-hard triplets (at 0.05 it has none: a zero loss)
CASES = [pytest.param(name, {}, id=name) for name in sorted(NAIVE)] + [
    pytest.param("triplet", {"miner": "batch_hard"}, id="triplet-batch_hard"),
    pytest.param("triplet", {"margin": 0.5}, id="triplet-semi_hard-margin0.5")]


class LossOf(nn.Module):
    """compute_loss as a module call, so functional_call can swap in float64 leaf parameters."""

    def __init__(self, obj: losses.Objective, y: Tensor):
        super().__init__()
        self.obj, self.y = obj, y

    def forward(self, x: Tensor) -> Tensor:
        # compute_loss, not forward: forward casts to float32, gradcheck needs float64
        return self.obj.compute_loss(x, self.y)


def test_every_objective_is_covered():
    assert sorted(NAIVE) == losses.names()


@pytest.mark.parametrize("make_batch", [mixed_batch, empty_batch], ids=["mixed", "only-empty"])
@pytest.mark.parametrize(("name", "hparams"), CASES)
def test_value_and_gradients_equal_the_naive_reference(name, hparams, make_batch):
    x, y = make_batch()
    obj = build(name, **hparams)
    params = dict(obj.named_parameters())
    x1 = x.clone().requires_grad_(True)
    value = obj.compute_loss(x1, y)
    assert torch.isfinite(value)
    grads = torch.autograd.grad(value, [x1, *params.values()], allow_unused=True)
    x2 = x.clone().requires_grad_(True)
    reference = NAIVE[name](obj, x2, y)
    torch.testing.assert_close(value, reference.to(value.dtype), atol=1e-9, rtol=1e-9)
    if reference.requires_grad:
        expected = torch.autograd.grad(reference, [x2, *params.values()], allow_unused=True)
    else:  # no anchor at all: the reference is a constant 0
        expected = [torch.zeros_like(x2)] + [torch.zeros_like(p) for p in params.values()]
    for got, want in zip(grads, expected, strict=True):
        got = torch.zeros_like(want) if got is None else got
        want = torch.zeros_like(got) if want is None else want
        assert torch.isfinite(got).all()
        torch.testing.assert_close(got, want, atol=1e-9, rtol=1e-7)


@pytest.mark.parametrize("make_batch", [mixed_batch, empty_batch], ids=["mixed", "only-empty"])
@pytest.mark.parametrize(("name", "hparams"), CASES)
def test_gradcheck_in_float64(name, hparams, make_batch):
    """Autograd against finite differences, for the embeddings and every own parameter."""
    x, y = make_batch()
    # a smaller alpha keeps proxy-anchor's exp() in the range finite differences resolve
    obj = build(name, alpha=4.0) if name == "proxy_anchor" else build(name, **hparams)
    loss = LossOf(obj, y)
    names = [f"obj.{k}" for k, _ in obj.named_parameters()]
    params = [p.detach().clone().requires_grad_(True) for p in obj.parameters()]

    def f(x: Tensor, *ws: Tensor) -> Tensor:
        return functional_call(loss, dict(zip(names, ws, strict=True)), (x,))

    assert torch.autograd.gradcheck(f, (x.requires_grad_(True), *params), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", sorted(NAIVE))
def test_only_empty_rows_in_float32_forward(name):
    """Through forward (float32, input checks): finite, connected, and what the rule says."""
    x, y = empty_batch()
    obj = losses.build(name, num_classes=C, embedding_dim=D, multi_label=True)
    x = x.float().requires_grad_(True)
    loss = obj(x, y)
    assert torch.isfinite(loss) and loss.grad_fn is not None
    loss.backward()
    assert torch.isfinite(x.grad).all()
    if name in ("triplet", "supcon"):  # no anchor: exactly zero
        assert loss.item() == 0 and x.grad.abs().sum() == 0
    if name == "softmax":  # all negatives: every logit is pushed down
        z = obj.classifier(x.detach())
        grad_z = torch.autograd.functional.jacobian(
            lambda z: F.binary_cross_entropy_with_logits(z, y.float()), z)
        assert (grad_z > 0).all()


@pytest.mark.parametrize("name", ["triplet", "supcon"])
def test_empty_row_is_never_anchor_or_positive(name):
    """Giving an empty row a label it shares with nobody changes nothing: it was a negative
    to everyone and stays one, and as an anchor it has no positive either way."""
    x, y = mixed_batch()
    obj = build(name)
    lonely = y.clone()
    lonely[EMPTY_ROWS[0]] = 0
    unique_label = torch.zeros(len(y), 1, dtype=y.dtype)
    unique_label[EMPTY_ROWS[0]] = 1
    five = losses.build(name, num_classes=C + 1, embedding_dim=D, multi_label=True).double()
    torch.testing.assert_close(obj.compute_loss(x, y),
                               five.compute_loss(x, torch.cat([lonely, unique_label], 1)))


@pytest.mark.parametrize("name", ["proxy_anchor", "proxy_nca"])
def test_proxy_losses_give_empty_rows_negative_terms_only(name):
    """An empty row's gradient pushes it away from every proxy (cosine goes down)."""
    x, y = mixed_batch()
    obj = build(name)
    x = x.clone().requires_grad_(True)
    obj.compute_loss(x, y).backward()
    with torch.no_grad():
        step = x - 1e-3 * x.grad
        before, after = cos(x, obj.proxies), cos(step, obj.proxies)
    rows = list(EMPTY_ROWS)
    assert (after[rows].sum(1) < before[rows].sum(1)).all()


def test_proxy_nca_without_empty_rows_is_unchanged():
    """The mean over all rows equals the old mean over labelled rows when every row has one."""
    x, _ = mixed_batch()
    y = F.one_hot(torch.arange(10) % C, C)
    obj = build("proxy_nca")
    log_prob = F.log_softmax(-(2 - 2 * cos(x, obj.proxies)), dim=1)
    expected = -log_prob[torch.arange(10), torch.arange(10) % C].mean()
    torch.testing.assert_close(obj.compute_loss(x, y), expected)
    assert math.isfinite(expected.item())
