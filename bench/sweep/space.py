"""The search space: hyperparameters every objective shares, plus the objective's own.

Every objective gets the same shared ranges and the same trial budget, so the comparison
is fair by construction; only the objective-specific parameters differ.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import losses
from bench.config import RunConfig

LOSS_PREFIX = "loss."  # objective parameters are stored as e.g. "loss.margin" in the study


@dataclass(frozen=True)
class SharedSpace:
    lr: tuple[float, float]
    weight_decay: tuple[float, float]
    batch_size: tuple[int, ...]
    embedding_dim: tuple[int | None, ...]  # None: the encoder's own size, no projection


SHARED: dict[str, SharedSpace] = {
    "frozen": SharedSpace(lr=(1e-4, 1e-2), weight_decay=(1e-6, 1e-1),
                          batch_size=(128, 256, 512), embedding_dim=(128, 256, 384)),
    "finetune": SharedSpace(lr=(1e-5, 1e-4), weight_decay=(1e-6, 1e-1),
                            batch_size=(16, 32), embedding_dim=(None, 128)),
}


def suggest(trial: Any, mode: str, loss: str) -> dict[str, Any]:
    """Draw one configuration: RunConfig field overrides plus `loss_hparams`."""
    space = SHARED[mode]
    params = {
        "lr": trial.suggest_float("lr", *space.lr, log=True),
        "weight_decay": trial.suggest_float("weight_decay", *space.weight_decay, log=True),
        "batch_size": trial.suggest_categorical("batch_size", list(space.batch_size)),
        "embedding_dim": trial.suggest_categorical("embedding_dim", list(space.embedding_dim)),
    }
    own = losses.get(loss).search_space
    params["loss_hparams"] = {k: p.suggest(trial, LOSS_PREFIX + k) for k, p in own.items()}
    return params


def from_params(params: dict[str, Any]) -> dict[str, Any]:
    """Inverse of `suggest`: a study's stored params -> RunConfig overrides."""
    out: dict[str, Any] = {"loss_hparams": {}}
    for key, value in params.items():
        if key.startswith(LOSS_PREFIX):
            out["loss_hparams"][key[len(LOSS_PREFIX):]] = value
        else:
            out[key] = value
    return out


def apply(base: RunConfig, overrides: dict[str, Any], **extra: Any) -> RunConfig:
    return dataclasses.replace(base, **overrides, **extra)
