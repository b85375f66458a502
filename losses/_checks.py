"""Input and hyperparameter validation shared by every objective.

Each check costs at most one device sync, so validation stays cheap on large batches.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def check_embeddings(embeddings: object, embedding_dim: int) -> None:
    if not isinstance(embeddings, Tensor):
        raise ValueError(f"embeddings must be a torch.Tensor but got {type(embeddings)=}")
    if not embeddings.is_floating_point():
        raise ValueError(f"embeddings must be floating point but got {embeddings.dtype=}")
    shape = tuple(embeddings.shape)
    if embeddings.ndim != 2 or shape[1] != embedding_dim:
        raise ValueError(f"embeddings must have shape (N, {embedding_dim}) but got {shape=}")
    if shape[0] == 0:
        raise ValueError(f"embeddings must hold at least one example but got {shape=}")
    # a finite sum proves every value finite at a tenth of isfinite().all()'s cost; an
    # overflowing sum of finite values falls through to the exact check
    if not bool(torch.isfinite(embeddings.sum())) and not bool(torch.isfinite(embeddings).all()):
        raise ValueError("embeddings must be finite but got NaN or inf values")


def check_targets(targets: object, n: int, num_classes: int, multi_label: bool) -> None:
    if not isinstance(targets, Tensor):
        raise ValueError(f"targets must be a torch.Tensor but got {type(targets)=}")
    shape = tuple(targets.shape)
    if not multi_label:
        if targets.dtype != torch.int64:
            raise ValueError(
                f"single-label targets must be int64 class ids but got {targets.dtype=}"
            )
        if shape != (n,):
            raise ValueError(f"single-label targets must have shape ({n},) but got {shape=}")
        if bool((targets.min() < 0) | (targets.max() >= num_classes)):
            lo, hi = int(targets.min()), int(targets.max())
            raise ValueError(f"class ids must lie in [0, {num_classes}) but got {lo=} and {hi=}")
        return
    if targets.is_complex():
        raise ValueError(f"multi-hot targets must be real but got {targets.dtype=}")
    if shape != (n, num_classes):
        raise ValueError(f"multi-hot targets must have shape ({n}, {num_classes}) but got {shape=}")
    # an all-zero row is valid: a text with none of the emotions (each objective's docstring
    # says what it does with one); an empty single-label row cannot exist as a class id
    if targets.dtype != torch.bool and bool(((targets != 0) & (targets != 1)).any()):
        raise ValueError("multi-hot targets must only contain 0 and 1 but got other values")


def check_sizes(num_classes: object, embedding_dim: object) -> None:
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2 but got {num_classes=}")
    if isinstance(embedding_dim, bool) or not isinstance(embedding_dim, int) or embedding_dim < 1:
        raise ValueError(f"embedding_dim must be an int >= 1 but got {embedding_dim=}")


def coerce_hparam(cls_name: str, key: str, value: object, default: object) -> object:
    """Give `value` the type of its default so that `hparams` stays JSON-serialisable."""
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{cls_name}: {key} must be a number but got {value=}")
        if not math.isfinite(value):
            raise ValueError(f"{cls_name}: {key} must be finite but got {value=}")
        return float(value)
    if not isinstance(value, type(default)):
        raise ValueError(f"{cls_name}: {key} must be a {type(default).__name__} but got {value=}")
    return value


def require(cls_name: str, key: str, value: float, *, minimum: float, strict: bool) -> None:
    """Raise unless value > minimum (strict) or value >= minimum."""
    if value < minimum or (strict and value == minimum):
        rule = ">" if strict else ">="
        raise ValueError(f"{cls_name}: {key} must be {rule} {minimum} but got {value=}")
