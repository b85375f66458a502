"""The `Objective` base class and the `SearchParam` description of a tunable hyperparameter."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import _checks

_KINDS = ("float", "int", "categorical")


@dataclass(frozen=True)
class SearchParam:
    """Range of one hyperparameter; the sweep turns it into an optuna `suggest_*` call."""

    low: float = 0.0
    high: float = 0.0
    log: bool = False
    kind: str = "float"
    choices: tuple = ()

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS} but got {self.kind=}")
        if self.kind == "categorical":
            if not self.choices:
                raise ValueError(f"a categorical SearchParam needs choices but got {self.choices=}")
        elif self.low > self.high or (self.log and self.low <= 0):
            raise ValueError(f"need low <= high and low > 0 if log but got {self}")

    @classmethod
    def categorical(cls, *choices: object) -> SearchParam:
        return cls(kind="categorical", choices=tuple(choices))

    def suggest(self, trial: Any, name: str) -> object:
        """Draw a value from an optuna trial (duck-typed so losses does not need optuna)."""
        if self.kind == "categorical":
            return trial.suggest_categorical(name, list(self.choices))
        if self.kind == "int":
            return trial.suggest_int(name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(name, self.low, self.high, log=self.log)


def pair_masks(labels: Tensor) -> tuple[Tensor, Tensor]:
    """(N, N) positive mask (shares >= 1 label, not self) and negative mask (shares none).

    A row with no label has no positive and is a negative of every other row.
    """
    m = labels.float()
    shared = (m @ m.T) > 0
    not_self = ~torch.eye(len(m), dtype=torch.bool, device=m.device)
    return shared & not_self, ~shared & not_self


class Objective(nn.Module, abc.ABC):
    """A training objective on raw (N, D) embeddings; subclasses implement `compute_loss`."""

    name: ClassVar[str]
    defaults: ClassVar[dict[str, object]] = {"lr_multiplier": 1.0}
    search_space: ClassVar[dict[str, SearchParam]] = {}
    uses_centroids: ClassVar[bool] = False
    samples_per_class: ClassVar[int] = 0
    # Hyperparameters whose default changed after run records existed -> the value those
    # records ran with. A new run names the current default in its configuration (and so in
    # its identity); a record that does not name it ran with this value (bench.config).
    former_defaults: ClassVar[dict[str, object]] = {}

    def __init__(self, *, num_classes: int, embedding_dim: int, multi_label: bool, **hparams):
        super().__init__()
        _checks.check_sizes(num_classes, embedding_dim)
        self.num_classes, self.embedding_dim = num_classes, embedding_dim
        self.multi_label = bool(multi_label)
        cls_name = type(self).__name__
        unknown = sorted(set(hparams) - set(self.defaults))
        if unknown:
            raise ValueError(
                f"{cls_name}: unknown hyperparameter {unknown[0]!r}; valid ones are "
                f"{sorted(self.defaults)} but got {unknown=}"
            )
        self.hparams: dict[str, object] = {}
        for key, default in self.defaults.items():
            value = _checks.coerce_hparam(cls_name, key, hparams.get(key, default), default)
            space = self.search_space.get(key)
            if space is not None and space.kind == "categorical" and value not in space.choices:
                raise ValueError(
                    f"{cls_name}: {key} must be one of {space.choices} but got {value=}"
                )
            self.hparams[key] = value
            setattr(self, key, value)
        _checks.require(cls_name, "lr_multiplier", self.lr_multiplier, minimum=0.0, strict=True)
        # Buffers, not attributes, so fitted centroids travel in state_dict().
        self.register_buffer("centroids", torch.zeros(num_classes, embedding_dim))
        self.register_buffer("centroids_fitted", torch.tensor(False))

    def extra_repr(self) -> str:
        return f"num_classes={self.num_classes}, multi_label={self.multi_label}, {self.hparams}"

    @abc.abstractmethod
    def compute_loss(self, embeddings: Tensor, targets: Tensor) -> Tensor:
        """Scalar loss for validated float32 (N, D) embeddings and targets."""

    def forward(self, embeddings: Tensor, targets: Tensor) -> Tensor:
        _checks.check_embeddings(embeddings, self.embedding_dim)
        _checks.check_targets(targets, len(embeddings), self.num_classes, self.multi_label)
        # exp(alpha * cos) and friends overflow in half precision: always compute in float32.
        with torch.autocast(device_type=embeddings.device.type, enabled=False):
            return self.compute_loss(embeddings.float(), targets)

    def label_mask(self, targets: Tensor) -> Tensor:
        """(N, C) bool mask of each example's labels; one code path for single and multi-label."""
        if self.multi_label:
            return targets.bool()
        return F.one_hot(targets, self.num_classes).bool()

    @torch.no_grad()
    def fit_centroids(self, embeddings: Tensor, targets: Tensor) -> None:
        """Mean L2-normalised embedding per class (zero for a class with no example).

        A multi-label row with no label joins no centroid.
        """
        _checks.check_embeddings(embeddings, self.embedding_dim)
        _checks.check_targets(targets, len(embeddings), self.num_classes, self.multi_label)
        m = self.label_mask(targets).float()
        sums = m.T @ F.normalize(embeddings.float(), dim=1)
        self.centroids.copy_(sums / m.sum(0).clamp(min=1).unsqueeze(1))
        self.centroids_fitted.fill_(True)

    def _fitted_centroids(self) -> Tensor:
        if not bool(self.centroids_fitted):
            raise RuntimeError(f"{type(self).__name__}: call fit_centroids(...) first")
        return self.centroids

    def scores(self, embeddings: Tensor) -> Tensor:
        """(N, C), higher = more likely; by default cosine similarity to class centroids."""
        _checks.check_embeddings(embeddings, self.embedding_dim)
        centroids = F.normalize(self._fitted_centroids(), dim=1)
        return F.normalize(embeddings.float(), dim=1) @ centroids.T

    def class_vectors(self) -> Tensor:
        """(C, D) vector per class used to study emotion relationships."""
        return self._fitted_centroids()

    def objective_parameters(self) -> list[nn.Parameter]:
        """The objective's own trainable parameters (the trainer scales their lr)."""
        return list(self.parameters())
