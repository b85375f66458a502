"""Fair by construction: every objective's own parameters train at one run-level head lr."""

from __future__ import annotations

import json

import pytest
import torch

from bench.config import PER_OBJECTIVE, RunConfig
from bench.optim import make_optimizer
from bench.runner import run
from tests.helpers import quick_config, write_csv


def _head_lr(cfg: RunConfig, loss: str) -> float:
    import losses

    cfg = RunConfig(loss=loss, dataset="x", mode=cfg.mode,
                    head_lr_multiplier=cfg.head_lr_multiplier,
                    loss_hparams=cfg.loss_hparams).resolved()
    objective = losses.build(loss, num_classes=3, embedding_dim=4, multi_label=False,
                             **cfg.objective_hparams())
    embedder = torch.nn.Linear(4, 4)
    opt, _ = make_optimizer(embedder, objective, cfg, steps=10)
    return opt.param_groups[1]["lr"]


@pytest.mark.parametrize("mode, multiplier", [("finetune", 100.0), ("frozen", 1.0)])
def test_softmax_and_proxies_get_the_same_head_lr_by_default(mode, multiplier):
    cfg = RunConfig(loss="softmax", dataset="x", mode=mode).resolved()
    assert cfg.head_lr_multiplier == multiplier
    lrs = {loss: _head_lr(cfg, loss) for loss in ("softmax", "proxy_anchor", "proxy_nca")}
    assert lrs == dict.fromkeys(lrs, pytest.approx(cfg.lr * multiplier))


def test_run_level_knob_and_explicit_hp():
    cfg = RunConfig(loss="softmax", dataset="x", head_lr_multiplier=10.0)
    assert _head_lr(cfg, "proxy_anchor") == pytest.approx(3e-5 * 10)
    # an explicit objective hyperparameter (a sweep's draw, --hp) wins over the run default
    cfg = RunConfig(loss="softmax", dataset="x", loss_hparams={"lr_multiplier": 7.0})
    assert _head_lr(cfg, "softmax") == pytest.approx(3e-5 * 7)


def test_legacy_records_keep_their_setting_and_identity():
    old = {"loss": "softmax", "dataset": "x", "mode": "finetune", "epochs": 1, "patience": 3}
    cfg = RunConfig.from_dict(old)
    assert cfg.head_lr_multiplier == PER_OBJECTIVE
    assert _head_lr(cfg, "softmax") == pytest.approx(3e-5)  # the old, unequal setting
    assert _head_lr(cfg, "proxy_anchor") == pytest.approx(3e-3)
    # the identity is the one computed before the option existed (no head_lr key hashed)
    new = RunConfig.from_dict({**old, "head_lr_multiplier": 100.0})
    assert cfg.identity_hash() != new.identity_hash()
    assert RunConfig.from_dict(cfg.to_dict()).identity_hash() == cfg.identity_hash()


@pytest.mark.parametrize("bad", [0, -1.0, "x", True])
def test_bad_head_lr_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="head_lr_multiplier must be a number > 0"):
        RunConfig(loss="softmax", dataset="x", head_lr_multiplier=bad)


def test_run_records_the_same_head_lr_for_both_objectives(tmp_path, tiny_encoder):
    data = write_csv(tmp_path / "toy.csv")
    recorded = {}
    for loss in ("softmax", "proxy_anchor"):
        out = run(quick_config(data, tiny_encoder, tmp_path, loss=loss, mode="finetune",
                               epochs=1, save_model=False), progress=False)
        cfg = json.loads((out.run_dir / "config.json").read_text())
        metrics = json.loads((out.run_dir / "metrics.json").read_text())
        recorded[loss] = (cfg["head_lr_multiplier"], metrics["objective"]["hparams"]["lr_multiplier"])
    assert recorded == {"softmax": (100.0, 100.0), "proxy_anchor": (100.0, 100.0)}


class _RecordingTrial:
    """Stands in for an optuna trial: records every range it is asked for."""

    def __init__(self):
        self.ranges = {}

    def suggest_float(self, name, low, high, log=False):
        self.ranges[name] = (low, high, log)
        return low

    def suggest_int(self, name, low, high, log=False):
        self.ranges[name] = (low, high, log)
        return low

    def suggest_categorical(self, name, choices):
        self.ranges[name] = tuple(choices)
        return choices[0]


@pytest.mark.parametrize("mode", ["frozen", "finetune"])
def test_sweeps_search_one_shared_head_lr_range(mode):
    from bench.sweep.space import suggest

    drawn = {}
    for loss in ("softmax", "proxy_anchor", "proxy_nca", "supcon", "triplet"):
        trial = _RecordingTrial()
        params = suggest(trial, mode, loss)
        assert "loss.lr_multiplier" not in trial.ranges
        assert "lr_multiplier" not in params["loss_hparams"]
        drawn[loss] = trial.ranges.get("head_lr_multiplier")
    assert drawn["softmax"] == drawn["proxy_anchor"] == drawn["proxy_nca"] == (1.0, 1000.0, True)
    assert drawn["supcon"] is None and drawn["triplet"] is None  # no own parameters to train
