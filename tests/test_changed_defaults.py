"""A changed objective default (triplet's miner): new runs get new identities, records made
with the former default keep theirs and are reported as that variant, and resuming or
rebuilding one still uses the value it ran with."""

from __future__ import annotations

import pytest

import losses
from bench.config import RunConfig, changed_defaults
from bench.report.settings import settings_of
from losses import Objective, register
from losses.registry import isolated


def record(cfg: RunConfig) -> dict:
    d = {**cfg.to_dict(), "identity": cfg.identity_hash()}
    if not cfg.names_changed_defaults:  # written before the option existed
        del d["names_changed_defaults"]
    return d


def test_triplet_miner_default_changed_from_batch_hard():
    assert losses.get("triplet").defaults["miner"] == "semi_hard"
    assert changed_defaults("triplet") == {"miner": ("batch_hard", "semi_hard")}
    assert changed_defaults("softmax") == {}
    assert changed_defaults("not_registered_here") == {}  # a plugin's record: no change known


def test_new_configs_name_the_current_default_and_get_a_new_identity():
    new = RunConfig(loss="triplet", dataset="dair_emotion")
    assert new.loss_hparams == new.hparams() == {"miner": "semi_hard"}
    assert new.objective_hparams()["miner"] == "semi_hard"
    old = RunConfig(loss="triplet", dataset="dair_emotion", names_changed_defaults=False)
    assert old.loss_hparams == {} and old.hparams() == {"miner": "batch_hard"}
    assert new.identity_hash() != old.identity_hash()
    # the explicit current default is the default run itself
    same = RunConfig(loss="triplet", dataset="dair_emotion", loss_hparams={"miner": "semi_hard"})
    assert same.identity_hash() == new.identity_hash()
    # objectives without a changed default are untouched, identity included
    supcon = RunConfig(loss="supcon", dataset="dair_emotion")
    assert supcon.loss_hparams == {}
    legacy = RunConfig(loss="supcon", dataset="dair_emotion", names_changed_defaults=False)
    assert supcon.identity_hash() == legacy.identity_hash()


def test_a_record_without_the_hyperparameter_ran_with_the_former_default():
    stored = record(RunConfig(loss="triplet", dataset="dair_emotion",
                              names_changed_defaults=False))
    assert "miner" not in stored["loss_hparams"]
    back = RunConfig.from_dict(stored)
    assert back.identity_hash() == stored["identity"]  # campaigns still find it complete
    assert back.objective_hparams()["miner"] == "batch_hard"  # resume and predict use this
    assert settings_of(stored).objective == (("hp.miner", "batch_hard"),)
    # a record that named a miner, before or after the change, keeps it
    named = record(RunConfig(loss="triplet", dataset="dair_emotion", names_changed_defaults=False,
                             loss_hparams={"miner": "semi_hard", "margin": 0.2}))
    assert RunConfig.from_dict(named).identity_hash() == named["identity"]
    assert settings_of(named).objective == (("hp.margin", "0.2"),)
    new = record(RunConfig(loss="triplet", dataset="dair_emotion"))
    assert RunConfig.from_dict(new).identity_hash() == new["identity"]
    assert settings_of(new).objective == ()  # the default cell, not a variant


def test_registry_rejects_a_former_default_that_is_not_a_change():
    class Same(Objective):
        name = "same_default"
        defaults = {"lr_multiplier": 1.0, "k": 2}
        former_defaults = {"k": 2}

        def compute_loss(self, embeddings, targets):
            return embeddings.sum()

    class Unknown(Same):
        name = "unknown_former"
        former_defaults = {"nope": 1}

    with isolated():
        with pytest.raises(ValueError, match=r"former_defaults .* but got changed=\{'k': 2\}"):
            register(Same)
        with pytest.raises(ValueError, match=r"changed=\{'nope': 1\}"):
            register(Unknown)
