"""The contract every objective meets, as one call a plugin's own test suite can make:

    from losses.testing import check_objective

    def test_contract():
        check_objective(CircleLoss)

It needs torch only (no test framework) and raises AssertionError naming the broken rule.
The suite runs the same function on each built-in objective (tests/test_losses.py).
"""

from __future__ import annotations

import json
import math

import torch
import torch.nn.functional as F
from torch import Tensor

from . import registry
from .base import Objective, SearchParam

N, D, C = 12, 8, 4


def _require(ok: object, rule: str) -> None:
    if not ok:  # not `assert`: python -O must not skip the contract
        raise AssertionError(rule)


def _build(cls: type[Objective], multi_label: bool, seed: int = 0, **hp) -> Objective:
    torch.manual_seed(seed)
    return cls(num_classes=C, embedding_dim=D, multi_label=multi_label, **hp)


def _batch(multi_label: bool, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Every class three times (pair losses see positives); even rows get a second label."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(N, D, generator=g)
    y = torch.arange(N) % C
    if not multi_label:
        return x, y
    extra = F.one_hot(torch.randint(0, C, (N,), generator=g), C)
    return x, F.one_hot(y, C) | extra * (torch.arange(N) % 2 == 0).unsqueeze(1)


def check_objective(cls: type[Objective], *, multi_label: bool = True) -> None:
    """Run every contract check on `cls`; `multi_label=False` for a single-label objective."""
    check_class(cls)
    for ml in (False, True) if multi_label else (False,):
        check_training(cls, ml)
        check_prediction(cls, ml)
    check_search_space(cls)
    check_errors(cls)


def check_class(cls: type[Objective]) -> None:
    """What `register` demands, plus class attributes of the right types and defaults that
    lie inside their own search space."""
    with registry.isolated():
        if cls.name in registry.names():
            registry.unregister(cls.name)
        registry.register(cls)  # raises ValueError stating the rule a malformed class breaks
    _require(isinstance(cls.uses_centroids, bool), f"{cls.__name__}.uses_centroids must be a bool")
    spc = cls.samples_per_class
    _require(isinstance(spc, int) and spc >= 0, f"{cls.__name__}.samples_per_class must be >= 0")
    for key, space in cls.search_space.items():
        _require(isinstance(space, SearchParam), f"search_space[{key!r}] must be a SearchParam")
        default = cls.defaults[key]
        inside = (default in space.choices if space.kind == "categorical"
                  else space.low <= default <= space.high)
        _require(inside, f"{cls.__name__}: default {key}={default!r} lies outside {space}")


def check_training(cls: type[Objective], multi_label: bool) -> None:
    """A finite, positive float32 scalar whose gradient reaches the embeddings and every own
    parameter; deterministic; JSON hparams that rebuild the same objective; fp32 under bf16."""
    obj = _build(cls, multi_label)
    x, y = _batch(multi_label)
    x.requires_grad_(True)
    loss = obj(x, y)
    _require(loss.ndim == 0 and loss.dtype == torch.float32, f"loss must be a float32 scalar, "
             f"but got shape {tuple(loss.shape)} {loss.dtype}")
    _require(torch.isfinite(loss) and loss.item() > 0, f"loss must be finite and > 0 on a "
             f"random batch, but got {loss.item()}")
    loss.backward()
    _require(torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0,
             "the gradient must reach the embeddings (finite, not all zero)")
    own = obj.objective_parameters()
    _require({id(p) for p in own} <= {id(p) for p in obj.parameters()},
             "objective_parameters() must be parameters of the objective")
    for p in own:
        _require(p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0,
                 f"every own parameter needs a finite, non-zero gradient; {tuple(p.shape)} not")
    again = _build(cls, multi_label)(x.detach(), y)
    _require(torch.equal(again, obj(x.detach(), y)), "same seed and batch must give the same loss")
    _require(json.loads(json.dumps(obj.hparams)) == obj.hparams == obj.defaults,
             f"hparams must be JSON values equal to the defaults, but got {obj.hparams}")
    _require(_build(cls, multi_label, **obj.hparams).hparams == obj.hparams,
             "building from the recorded hparams must give the same hparams")
    with torch.autocast("cpu", dtype=torch.bfloat16):
        half = obj(x.detach().bfloat16(), y)
    _require(half.dtype == torch.float32, f"the loss must be float32 under autocast, but got "
             f"{half.dtype}")
    if multi_label:  # a second label must matter, or multi-label input is being ignored
        one = F.one_hot(torch.arange(N) % C, C)
        two = one.clone()
        two[0, 1] = 1
        _require(abs(obj(x.detach(), two).item() - obj(x.detach(), one).item()) > 1e-6,
                 "adding a second label to an example must change the loss")


def check_prediction(cls: type[Objective], multi_label: bool) -> None:
    """Centroids are per-class means of normalised embeddings (zero for an absent class);
    scores and class vectors have the right shapes; state_dict() restores predictions."""
    obj = _build(cls, multi_label)
    x, y = _batch(multi_label)
    if obj.uses_centroids:
        try:
            obj.scores(x)
        except RuntimeError:
            pass
        else:
            raise AssertionError("scores() before fit_centroids() must raise RuntimeError")
    obj.fit_centroids(x, y)
    mask, xn = obj.label_mask(y), F.normalize(x, dim=1)
    naive = torch.stack([xn[mask[:, c]].mean(0) for c in range(C)])
    torch.testing.assert_close(obj.centroids, naive, msg="centroids must be class means")
    scores = obj.scores(x)
    _require(scores.shape == (N, C) and torch.isfinite(scores).all(), "scores must be finite (N, C)")
    _require(obj.class_vectors().shape == (C, D), "class_vectors() must be (C, D)")
    clone = _build(cls, multi_label, seed=1, **obj.hparams)
    clone.load_state_dict(obj.state_dict())
    _require(torch.equal(clone.scores(x), scores) and torch.equal(clone(x, y), obj(x, y)),
             "an objective loaded from state_dict() must score and train like the original")
    absent = _build(cls, False)
    absent.fit_centroids(x, torch.arange(N) % (C - 1))
    _require(torch.equal(absent.centroids[C - 1], torch.zeros(D)),
             "a class without examples must get a zero centroid")


def check_search_space(cls: type[Objective]) -> None:
    """Every end of every range (every choice) builds and gives a finite loss: the sweep may
    draw any of them."""
    x, y = _batch(False)
    for key, space in cls.search_space.items():
        values = space.choices if space.kind == "categorical" else (space.low, space.high)
        for value in values:
            value = int(value) if space.kind == "int" else value
            loss = _build(cls, False, **{key: value})(x, y)
            _require(torch.isfinite(loss), f"{key}={value!r} from the search space gives {loss}")


def check_errors(cls: type[Objective]) -> None:
    """Bad options and bad inputs raise ValueError saying what they got ("but got ...")."""
    x, y = _batch(False)
    obj = _build(cls, False)
    cases = [
        (lambda: _build(cls, False, bogus=1.0), "an unknown hyperparameter"),
        (lambda: _build(cls, False, lr_multiplier=0.0), "lr_multiplier=0"),
        (lambda: obj(x, y[:-1]), "targets of the wrong length"),
        (lambda: obj(x, y.float()), "float class ids"),
        (lambda: obj(x, torch.full((N,), C)), "a class id out of range"),
        (lambda: obj(x[:, :-1], y), "embeddings of the wrong width"),
        (lambda: obj(x[:0], y[:0]), "an empty batch"),
        (lambda: obj(x.masked_fill(x > 2, math.nan), y), "NaN embeddings"),
        (lambda: _build(cls, True)(x, y), "class ids for a multi-label objective"),
    ]
    for call, what in cases:
        try:
            call()
        except ValueError as exc:
            _require("but got" in str(exc), f"the error for {what} must say what it got: {exc}")
        except Exception as exc:
            raise AssertionError(f"{cls.__name__} must raise ValueError for {what}, but raised "
                                 f"{type(exc).__name__}: {exc}") from exc
        else:
            raise AssertionError(f"{cls.__name__} must raise ValueError for {what}")
