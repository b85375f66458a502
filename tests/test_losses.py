"""Contract every registered objective must satisfy, plus registry and validation errors."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import Tensor

import losses
from losses import registry
from losses.testing import check_objective

N, D, C = 12, 8, 4
NAMES = losses.names()
PAIR_LOSSES = ["triplet", "supcon"]


def make(name: str, multi_label: bool = False, seed: int = 0, **hparams) -> losses.Objective:
    torch.manual_seed(seed)
    return losses.build(name, num_classes=C, embedding_dim=D, multi_label=multi_label, **hparams)


def batch(multi_label: bool, seed: int = 0) -> tuple[Tensor, Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(N, D, generator=g)
    y = torch.arange(N) % C  # every class three times: pair losses see positives
    if not multi_label:
        return x, y
    extra = F.one_hot(torch.randint(0, C, (N,), generator=g), C)
    return x, F.one_hot(y, C) | extra * (torch.arange(N) % 2 == 0).unsqueeze(1)


def test_names_sorted_and_complete():
    assert NAMES == ["proxy_anchor", "proxy_nca", "softmax", "supcon", "triplet"]


@pytest.mark.parametrize("name", NAMES)
def test_class_attributes(name):
    cls = losses.get(name)
    assert cls.name == name and "lr_multiplier" in cls.defaults
    assert set(cls.search_space) <= set(cls.defaults)
    assert all(isinstance(p, losses.SearchParam) for p in cls.search_space.values())
    assert cls.uses_centroids == (name in PAIR_LOSSES)
    assert cls.samples_per_class == (2 if name in PAIR_LOSSES else 0)


@pytest.mark.parametrize("name", NAMES)
def test_contract(name):
    """The contract a plugin's own tests run (losses.testing): gradients, determinism,
    centroids, state_dict round trip, JSON hparams, search space, errors, fp32 under bf16."""
    check_objective(losses.get(name))
    assert (len(make(name).objective_parameters()) > 0) == (name not in PAIR_LOSSES)


@pytest.mark.parametrize("name", NAMES)
def test_absent_class_centroid_is_zero(name):
    obj = make(name)
    x, _ = batch(False)
    obj.fit_centroids(x, torch.arange(N) % (C - 1))
    assert torch.equal(obj.centroids[C - 1], torch.zeros(D))
    if name in PAIR_LOSSES:
        assert torch.equal(obj.scores(x)[:, C - 1], torch.zeros(N))


@pytest.mark.parametrize("name", NAMES)
def test_input_errors(name):
    obj = make(name)
    ml = make(name, multi_label=True)
    x, y = batch(False)
    bad = [
        (obj, x, y[:-1], "shape"),
        (obj, x, y.float(), "int64"),
        (obj, x, y.int(), "int64"),
        (obj, x, torch.full((N,), C), r"\[0, 4\)"),
        (obj, x, torch.full((N,), -1), r"\[0, 4\)"),
        (obj, x[:, :-1], y, "shape"),
        (obj, x[0], y, "shape"),
        (obj, x[:0], y[:0], "at least one"),
        (obj, x.long(), y, "floating"),
        (obj, x.masked_fill(x > 2, math.nan), y, "finite"),
        (obj, x.masked_fill(x > 2, math.inf), y, "finite"),
        (ml, x, y, "shape"),
        (ml, x, F.one_hot(y, C) * 2, "0 and 1"),
        (ml, x, F.one_hot(y, C) * 0.5, "0 and 1"),
        (ml, x, F.one_hot(y, C)[:, :-1], "shape"),
    ]
    for model, emb, tgt, match in bad:
        with pytest.raises(ValueError, match=match):
            model(emb, tgt)
    with pytest.raises(ValueError, match="shape"):
        obj.fit_centroids(x, y[:-1])
    obj.fit_centroids(x, y)
    with pytest.raises(ValueError, match="shape"):
        obj.scores(x[:, :-1])


def test_finite_embeddings_whose_sum_overflows_are_accepted():
    # the finiteness check sums first; a sum of finite values can still overflow to inf
    x, y = batch(False)
    huge = torch.full_like(x, 3e38)
    assert not torch.isfinite(huge.sum())
    make("softmax").scores(huge)  # no error
    with pytest.raises(ValueError, match="finite"):
        make("softmax")(huge.masked_fill(x > 2, math.nan), y)


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.bool])
def test_multi_hot_dtypes_accepted(dtype):
    x, y = batch(True)
    obj = make("proxy_anchor", multi_label=True)
    assert torch.equal(obj(x, y.to(dtype)), obj(x, y))


@pytest.mark.parametrize("name", NAMES)
def test_hparam_errors(name):
    with pytest.raises(ValueError, match="'bogus'.*valid ones"):
        make(name, bogus=1.0)
    for key, value in [("lr_multiplier", 0.0), ("lr_multiplier", "1"), ("lr_multiplier", math.inf)]:
        with pytest.raises(ValueError, match="lr_multiplier"):
            make(name, **{key: value})
    for kwargs in [{"num_classes": 1}, {"embedding_dim": 0}, {"num_classes": 2.0}]:
        with pytest.raises(ValueError, match="but got"):
            losses.build(
                name, **{"num_classes": C, "embedding_dim": D, "multi_label": False} | kwargs
            )


@pytest.mark.parametrize(
    "name, key, value",
    [
        ("proxy_anchor", "margin", -0.1),
        ("proxy_anchor", "alpha", 0.0),
        ("proxy_nca", "softmax_scale", -1.0),
        ("triplet", "margin", -0.05),
        ("triplet", "miner", "hardest"),
        ("triplet", "margin", True),
        ("supcon", "temperature", 0.0),
    ],
)
def test_invalid_values(name, key, value):
    with pytest.raises(ValueError, match=f"{key}.*but got"):
        make(name, **{key: value})


def test_unknown_name_suggests():
    with pytest.raises(ValueError, match="did you mean 'proxy_anchor'"):
        losses.get("proxy_anchr")
    with pytest.raises(ValueError, match="unknown objective"):
        losses.build("zzz", num_classes=C, embedding_dim=D, multi_label=False)


def test_register_new_objective_and_cleanup():
    with registry.isolated():

        @losses.register
        class MeanNorm(losses.Objective):
            name = "mean_norm"
            defaults = {"scale": 2.0, "lr_multiplier": 1.0}
            search_space = {"scale": losses.SearchParam(1.0, 4.0)}

            def compute_loss(self, embeddings, targets):
                return self.scale * embeddings.norm(dim=1).mean()

        assert "mean_norm" in losses.names()
        obj = losses.build("mean_norm", num_classes=C, embedding_dim=D, multi_label=False)
        x, y = batch(False)
        torch.testing.assert_close(obj(x, y), 2 * x.norm(dim=1).mean())
        with pytest.raises(ValueError, match="already registered"):
            losses.register(MeanNorm)
        registry.unregister("mean_norm")
        assert "mean_norm" not in losses.names()
        losses.register(MeanNorm)
    assert "mean_norm" not in losses.names()


def test_register_rejects_malformed_classes():
    class Abstract(losses.Objective):
        name = "abstract_one"

    class NoMultiplier(Abstract):
        defaults = {"scale": 1.0}

        def compute_loss(self, embeddings, targets):
            return embeddings.sum()

    with registry.isolated():
        for cls, match in [
            (Abstract, "compute_loss"),
            (NoMultiplier, "lr_multiplier"),
            (int, "Objective subclass"),
        ]:
            with pytest.raises(ValueError, match=match):
                losses.register(cls)


@pytest.mark.parametrize("name", PAIR_LOSSES)
@pytest.mark.parametrize("multi_label", [False, True])
def test_no_positive_pair_gives_zero_with_grad(name, multi_label):
    x = torch.randn(C, D, requires_grad=True)
    y = torch.arange(C)
    obj = make(name, multi_label)
    loss = obj(x, F.one_hot(y, C) if multi_label else y)
    assert loss.item() == 0 and loss.grad_fn is not None
    loss.backward()
    assert torch.isfinite(x.grad).all()
    single = obj(x[:1], (F.one_hot(y, C) if multi_label else y)[:1])
    assert single.item() == 0


@pytest.mark.parametrize("name", NAMES)
def test_two_labels_differ_from_either_label(name):
    obj = make(name, multi_label=True)
    x, _ = batch(False)
    y = F.one_hot(torch.arange(N) % C, C)
    both, first, second = y.clone(), y.clone(), y.clone()
    both[0, 1] = 1
    second[0] = F.one_hot(torch.tensor(1), C)
    values = [obj(x, t).item() for t in (both, first, second)]
    assert abs(values[0] - values[1]) > 1e-5 and abs(values[0] - values[2]) > 1e-5


@settings(max_examples=20, deadline=None)
@given(labels=st.lists(st.integers(0, C - 1), min_size=1, max_size=10), seed=st.integers(0, 99))
def test_one_hot_multi_label_equals_single_label(labels, seed):
    y = torch.tensor(labels)
    x = torch.randn(len(y), D, generator=torch.Generator().manual_seed(seed))
    for name in ["proxy_anchor", "proxy_nca", "supcon", "triplet"]:
        single, multi = make(name), make(name, multi_label=True)
        torch.testing.assert_close(multi(x, F.one_hot(y, C)), single(x, y), atol=1e-5, rtol=1e-5)


def test_search_param():
    class Trial:
        def suggest_float(self, name, low, high, log):
            return ("float", name, low, high, log)

        def suggest_int(self, name, low, high, log):
            return ("int", name, low, high, log)

        def suggest_categorical(self, name, choices):
            return ("cat", name, choices)

    assert losses.SearchParam(1, 10, log=True).suggest(Trial(), "a") == ("float", "a", 1, 10, True)
    assert losses.SearchParam(1, 4, kind="int").suggest(Trial(), "b") == ("int", "b", 1, 4, False)
    cat = losses.SearchParam.categorical("x", "y")
    assert cat.kind == "categorical" and cat.suggest(Trial(), "c") == ("cat", "c", ["x", "y"])
    for kwargs in [{"low": 2, "high": 1}, {"low": 0, "high": 1, "log": True}, {"kind": "bool"}]:
        with pytest.raises(ValueError, match="but got"):
            losses.SearchParam(**kwargs)
    with pytest.raises(ValueError, match="choices"):
        losses.SearchParam(kind="categorical")
