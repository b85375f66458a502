"""The search space: hyperparameters every objective shares, plus the objective's own.

Every objective gets the same shared ranges and the same trial budget, so the comparison
is fair by construction; only the objective-specific parameters differ. The head learning
rate (lr x head_lr_multiplier for the classifier or proxies) is one shared range too: an
objective's own `lr_multiplier` search range is not used, so no objective searches a wider
head-lr range than another.
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
    head_lr_multiplier: tuple[float, float] = (1.0, 1000.0)


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
    if _has_parameters(loss):  # a dead dimension would only dilute the sampler's model
        params["head_lr_multiplier"] = trial.suggest_float(
            "head_lr_multiplier", *space.head_lr_multiplier, log=True)
    own = {k: p for k, p in losses.get(loss).search_space.items() if k != "lr_multiplier"}
    params["loss_hparams"] = {k: p.suggest(trial, LOSS_PREFIX + k) for k, p in own.items()}
    return params


def _has_parameters(loss: str) -> bool:
    probe = losses.build(loss, num_classes=2, embedding_dim=4, multi_label=False)
    return bool(probe.objective_parameters())


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
