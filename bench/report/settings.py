"""What sets a run apart from the defaults, whether it is legacy, whether it converged.

A run's settings are the options whose resolved value differs from what `bench run` uses for
the same objective, dataset and mode by default. They make hyperparameter variants (another
head learning rate, `--hp` values, ...) cells of their own, labelled with those settings,
instead of being merged with the default runs or dropped. Two parts:
- run-level options, the same meaning for every objective (head_lr_multiplier, lr, epochs,
  ...): the fair baseline of a cell is the softmax cell with the same run-level options;
- the objective's own hyperparameters (`hp.<name>`), which only that objective has.
An explicit `--hp lr_multiplier` is the head learning rate, so it is shown as
head_lr_multiplier (the value the objective actually trained with).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

# Options that never change a result, or are part of the table's own setting (dataset,
# mode, encoder, training data), or only say how to read a data file. `amp` (mixed precision
# on CUDA) is the device's arithmetic, like `device`: a no-op on CPU, and campaign v2 runs
# `--no-amp` so that CPU and GPU records share their cells.
NOT_SETTINGS = ("seed", "output_dir", "run_id", "save_model", "save_test_embeddings", "device",
                "amp",
                "tags", "data_dir", "identity", "score_test", "loss", "dataset", "mode",
                "encoder", "max_train", "train_fraction", "shots", "loss_hparams", "text_column",
                "label_column", "label_sep", "names_changed_defaults")
HEAD = "head_lr_multiplier"


def _text(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


@dataclass(frozen=True, order=True)
class Settings:
    run: tuple[tuple[str, str], ...] = ()  # run-level options that differ from the defaults
    objective: tuple[tuple[str, str], ...] = ()  # the objective's own hyperparameters
    legacy: bool = False  # made before the shared head lr: each objective its own multiplier

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        return self.run + self.objective

    @property
    def label(self) -> str:
        return label(self.pairs)


def label(pairs) -> str:
    return ", ".join(f"{k}={v}" for k, v in pairs)


def settings_of(config: dict) -> Settings:
    """Settings of a run record (options it predates get the value it ran with)."""
    from bench.config import PER_OBJECTIVE, RunConfig, changed_defaults

    if config.get("peer"):  # a peer's run-level values are its published procedure, not a
        # variant; only its own options that differ from that procedure label its row
        return Settings(objective=tuple(sorted((f"hp.{k}", _text(v)) for k, v in
                                               (config.get("loss_hparams") or {}).items())))
    cfg = RunConfig.from_dict(config).resolved()
    # few-shot runs have defaults of their own (min_steps): compare with those
    default = RunConfig(loss=cfg.loss, dataset=cfg.dataset, mode=cfg.mode,
                        shots=cfg.shots).resolved().to_dict()
    hparams = cfg.hparams()
    # a changed default is named in every new configuration: a setting only where it differs
    for k, (_, now) in changed_defaults(cfg.loss).items():
        if hparams.get(k) == now:
            hparams.pop(k)
    got = {k: v for k, v in cfg.to_dict().items() if k not in NOT_SETTINGS}
    got[HEAD] = hparams.pop("lr_multiplier", cfg.head_lr_multiplier)  # --hp wins, as in training
    legacy = cfg.head_lr_multiplier == PER_OBJECTIVE
    # beside legacy rows ("objective"), a head lr equal to today's default is named too
    run = tuple(sorted((k, _text(v)) for k, v in got.items()
                       if v != default[k] or (legacy and k == HEAD)))
    objective = tuple(sorted((f"hp.{k}", _text(v)) for k, v in hparams.items()))
    return Settings(run, objective, legacy)


# Converged: the last epoch gained less than this over every earlier epoch (1 point of dev
# macro-F1, the rule of issue 12: one more epoch would add less than a point).
CONVERGED_GAIN = 0.01


def still_rising(config: dict, metrics: dict) -> bool:
    """A run whose dev macro-F1 peaked at its last epoch without early stopping, by at
    least CONVERGED_GAIN over its earlier epochs: more epochs would likely have helped, so
    its cell is "not converged". Fine-tune and frozen alike; a record without a training
    curve (or with one epoch) cannot show it converged."""
    if config.get("peer"):  # peers: a fixed published procedure
        return False
    training = metrics.get("training") or {}
    curve = training.get("curve") or []
    if not curve or training.get("best_epoch") is None:
        return True
    try:
        dev = [float(c["dev_macro_f1"]) for c in curve]
        best, last = int(training["best_epoch"]), int(curve[-1]["epoch"])
    except (KeyError, TypeError, ValueError):
        return True  # a damaged curve cannot show it either (and must not stop the report)
    if training.get("stopped_early") or best < last:
        return False
    return len(dev) < 2 or dev[-1] - max(dev[:-1]) >= CONVERGED_GAIN
