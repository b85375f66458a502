"""Run configuration: one frozen dataclass, resolved once, recorded in full with each run."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

MODES = ("finetune", "frozen")

# Per-mode defaults for options left as None.
# Fine-tune trains up to `epochs` (the lr schedule spans them all) and stops early after
# `patience` epochs without a dev gain; results/README.md shows the curves these came from.
MODE_DEFAULTS: dict[str, dict[str, Any]] = {
    "finetune": {"epochs": 10, "patience": 2, "batch_size": 32, "lr": 3e-5,
                 "weight_decay": 0.01, "head_lr_multiplier": 100.0},
    "frozen": {"epochs": 40, "patience": 3, "batch_size": 256, "lr": 1e-3,
               "weight_decay": 1e-4, "head_lr_multiplier": 1.0},
}

# Before v2 every objective trained its own parameters at lr x its class default
# `lr_multiplier` (softmax 1, proxy-anchor 100): records without the option meant that.
PER_OBJECTIVE = "objective"

# Options added after records existed, with the value those records were run with.
LATER_OPTIONS: dict[str, Any] = {"cpu_bf16": False, "head_lr_multiplier": PER_OBJECTIVE,
                                 "label_columns": None, "ignore_columns": None, "shots": None,
                                 "min_steps": None, "names_changed_defaults": False}


def changed_defaults(loss: str) -> dict[str, tuple[Any, Any]]:
    """{hyperparameter: (former default, current default)} of objective `loss`: the ones it
    declares in `former_defaults`; {} for an objective not registered in this process."""
    import losses  # here: importing the config must not need torch

    try:
        cls = losses.get(loss)
    except ValueError:
        return {}
    return {k: (v, cls.defaults[k]) for k, v in cls.former_defaults.items()}


# Few-shot (--shots) fine-tune runs: at least this many optimisation steps, reached by passing
# over the small training set several times per epoch (dev evaluation and early stopping stay
# per epoch); 10 epochs of one pass would be 20 steps at 8 shots x 6 classes. Measured on
# dair_emotion, proxy-anchor, seed 0 (dev macro-F1 per epoch: results/tables/curves.md):
# with 200 steps, 8 shots peaked at step 80 (0.326) and stopped early, but 64 shots was
# still rising at its last epoch (0.591 at step 240); with 480 steps, 64 shots peaked at
# step 384 (0.641) and then fell, i.e. trained to convergence.
FEW_SHOT_MIN_STEPS = 480
SHOTS_DEFAULTS: dict[str, dict[str, Any]] = {"finetune": {"min_steps": FEW_SHOT_MIN_STEPS},
                                             "frozen": {}}


@dataclass(frozen=True)
class RunConfig:
    loss: str
    dataset: str
    mode: str = "finetune"
    encoder: str = "minilm"
    pooling: str = "mean"
    embedding_dim: int | None = None
    head_hidden: int = 512
    epochs: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    weight_decay: float | None = None
    warmup_ratio: float = 0.1
    grad_clip: float = 1.0
    max_length: int = 128
    patience: int | None = None
    seed: int = 0
    max_train: int | None = None
    train_fraction: float | None = None
    # exactly K training rows per class (multi-label: greedy, every class >= K); see
    # bench/data/shots.py for the rule
    shots: int | None = None
    # train at least this many steps: a small training set is passed over several times per
    # epoch (bench.train.passes_per_epoch); None = one pass per epoch
    min_steps: int | None = None
    centroid_samples: int = 4000
    eval_batch_size: int = 128
    loss_hparams: dict[str, Any] = field(default_factory=dict)
    # lr of every objective's own parameters (classifier, proxies) = lr x this, the same for
    # all objectives so no baseline is handicapped; an explicit --hp lr_multiplier wins
    head_lr_multiplier: float | str | None = None
    data_dir: str | None = None
    text_column: str = "text"
    label_column: str = "label"
    label_sep: str | None = None
    # one 0/1 column per label: "anger,joy,..." or "all" (every column but the text column
    # and ignore_columns); comma-joined strings, so the record and its hash stay plain JSON
    label_columns: str | None = None
    ignore_columns: str | None = None
    dev_file: str | None = None
    test_file: str | None = None
    device: str = "auto"
    amp: bool = True
    cpu_bf16: bool = False  # bf16 autocast on CPU: fast with AMX/AVX512-BF16, last digits differ
    trust_remote_code: bool = False
    # loss_hparams names each default the objective changed after records existed (its
    # `former_defaults`) at today's value: True for every new configuration, False for the
    # records made before (from_dict), which ran with the former value where they omit it
    names_changed_defaults: bool = True
    save_model: bool = True
    save_test_embeddings: bool = False
    score_test: bool = True  # sweeps turn it off: their trials must never see test data
    output_dir: str = "results/runs"
    run_id: str | None = None
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, but got {self.mode=}")
        for name in ("epochs", "batch_size", "max_length", "eval_batch_size", "patience",
                     "shots", "min_steps"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be >= 1, but got {name}={value}")
        if self.train_fraction is not None and not 0 < self.train_fraction <= 1:
            raise ValueError(f"train_fraction must be in (0, 1], but got {self.train_fraction=}")
        if self.shots is not None and (self.max_train is not None or self.train_fraction is not None):
            raise ValueError("shots cannot be combined with max_train or train_fraction, but got "
                             f"{self.shots=}, {self.max_train=}, {self.train_fraction=}")
        # a new configuration names every changed default at its current value, so its
        # identity differs from the records made with the former one
        missing = {k: now for k, (_, now) in changed_defaults(self.loss).items()
                   if k not in self.loss_hparams}
        if missing and self.names_changed_defaults:
            object.__setattr__(self, "loss_hparams", {**self.loss_hparams, **missing})
        h = self.head_lr_multiplier
        if isinstance(h, str) and h != PER_OBJECTIVE or isinstance(h, bool) or (
                isinstance(h, int | float) and not h > 0):
            raise ValueError(f"head_lr_multiplier must be a number > 0 (or {PER_OBJECTIVE!r} "
                             f"for records made before it existed), but got {h=}")

    def resolved(self) -> RunConfig:
        """Fill mode-dependent defaults so the record states every value used."""
        defaults = {**MODE_DEFAULTS[self.mode],
                    **(SHOTS_DEFAULTS[self.mode] if self.shots is not None else {})}
        fills = {k: v for k, v in defaults.items() if getattr(self, k) is None}
        return dataclasses.replace(self, **fills)

    def hparams(self) -> dict[str, Any]:
        """The objective's own hyperparameters that are not its defaults: `loss_hparams`, plus
        the former value of each changed default a record made before the change omits."""
        if self.names_changed_defaults:
            return dict(self.loss_hparams)
        former = {k: was for k, (was, _) in changed_defaults(self.loss).items()}
        return {**former, **self.loss_hparams}

    def objective_hparams(self) -> dict[str, Any]:
        """The objective's keyword arguments: its hparams plus the run-level head lr."""
        h = self.resolved().head_lr_multiplier
        if h == PER_OBJECTIVE or "lr_multiplier" in self.loss_hparams:
            return self.hparams()
        return {**self.hparams(), "lr_multiplier": float(h)}

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["tags"] = list(self.tags)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {**LATER_OPTIONS, **{k: v for k, v in d.items() if k in known}}
        kwargs["tags"] = tuple(kwargs.get("tags", ()))
        return cls(**kwargs)

    def identity_hash(self) -> str:
        """Hash of everything that changes the result (not where it is written)."""
        d = self.resolved().to_dict()
        # options added later are hashed only when set, so older records keep their identity
        for k, legacy in LATER_OPTIONS.items():
            if d[k] == legacy:
                d.pop(k)
        # names_changed_defaults shows in loss_hparams (new configurations name the values)
        for k in ("output_dir", "run_id", "save_model", "save_test_embeddings", "device", "tags",
                  "data_dir", "score_test", "names_changed_defaults"):
            d.pop(k, None)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]
