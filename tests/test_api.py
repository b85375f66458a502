"""bench.api.load_run: reloaded runs predict and embed exactly as at training time, and a
damaged, incomplete or untrustworthy run folder is refused with a RunFolderError."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from bench.api import load_run
from bench.config import RunConfig
from bench.errors import RunFolderError
from bench.runner import load_data, run

WORDS = {"joy": "happy glad great fun", "anger": "mad angry furious hate",
         "fear": "scared afraid worried panic"}


def write_csv(path: Path, *, multi: bool = False, n: int = 60) -> Path:
    names = list(WORDS)
    rows = ["text,label"]
    for i in range(n):
        a, b = names[i % 3], names[(i // 3) % 3]
        labels = ",".join(dict.fromkeys([a, b])) if multi else a
        rows.append(f'"i am {WORDS[a].split()[i % 4]} and {WORDS[b].split()[i % 4]} {i}","{labels}"')
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tiny_encoder, tmp_path_factory) -> dict:
    """Four small runs: fine-tune/frozen x single/multi-label, made once for the module."""
    root = tmp_path_factory.mktemp("api-runs")
    single, multi = write_csv(root / "single.csv"), write_csv(root / "multi.csv", multi=True)
    common = dict(encoder=tiny_encoder, epochs=1, batch_size=8, device="cpu",
                  output_dir=str(root / "runs"))
    cfgs = {
        "finetune": RunConfig(loss="proxy_anchor", dataset=str(single), mode="finetune",
                              save_test_embeddings=True, **common),
        "frozen": RunConfig(loss="triplet", dataset=str(single), mode="frozen", **common),
        "multi": RunConfig(loss="softmax", dataset=str(multi), label_sep=",", mode="finetune",
                           embedding_dim=16, **common),
        "multi_frozen": RunConfig(loss="proxy_nca", dataset=str(multi), label_sep=",",
                                  mode="frozen", embedding_dim=8, **common),
        "bf16": RunConfig(loss="supcon", dataset=str(single), mode="finetune", cpu_bf16=True,
                          **common),
        "bf16_frozen": RunConfig(loss="softmax", dataset=str(multi), label_sep=",",
                                 mode="frozen", cpu_bf16=True, **common),
        "nomodel": RunConfig(loss="softmax", dataset=str(single), mode="frozen",
                             save_model=False, **common),
    }
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BENCH_CACHE_DIR", str(root / "cache"))
        return {k: (Path(run(c, progress=False).run_dir), c) for k, c in cfgs.items()}


def _load(runs, key, tiny_encoder):
    run_dir = runs[key][0]
    return load_run(run_dir, device="cpu", encoder=tiny_encoder if "frozen" in key else None)


@pytest.mark.parametrize("key", ["finetune", "frozen", "multi", "multi_frozen", "bf16",
                                 "bf16_frozen"])
def test_reloaded_predictions_equal_training_time(runs, key, tiny_encoder):
    run_dir, cfg = runs[key]
    model = _load(runs, key, tiny_encoder)
    ds = load_data(cfg.resolved())
    expected = np.load(run_dir / "test_predictions.npz")["predictions"]
    got = model.predict_ids(list(ds.test.texts))
    np.testing.assert_array_equal(got, expected)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert model.label_names == tuple(ds.label_names) == tuple(metrics["dataset"]["label_names"])
    assert model.multi_label == ds.multi_label
    if ds.multi_label:
        np.testing.assert_array_equal(model.thresholds, np.float32(metrics["thresholds"]))
        assert got.shape == (len(ds.test), 3) and got.sum(1).min() >= 1
    else:
        assert model.thresholds is None and got.shape == (len(ds.test),)


def test_finetune_embeddings_match_training_and_plain_transformers(runs, tiny_encoder):
    from transformers import AutoModel, AutoTokenizer

    run_dir, cfg = runs["finetune"]
    model = _load(runs, "finetune", tiny_encoder)
    texts = list(load_data(cfg.resolved()).test.texts)
    emb = model.embed(texts)
    saved = np.load(run_dir / "test_embeddings.npz")  # training-time, stored as float16
    np.testing.assert_allclose(emb[saved["rows"]], saved["embeddings"].astype(np.float32),
                               atol=2e-3, rtol=2e-3)
    np.testing.assert_allclose(model.embed(texts, batch_size=1), emb, atol=1e-5)
    hf = AutoModel.from_pretrained(run_dir / "model" / "encoder").eval()
    tok = AutoTokenizer.from_pretrained(run_dir / "model" / "encoder")
    with torch.no_grad():
        for i, text in enumerate(texts):
            hidden = hf(**tok(text, return_tensors="pt")).last_hidden_state[0]
            np.testing.assert_allclose(hidden.mean(0).numpy(), emb[i], atol=1e-5)


def test_predict_output_and_awkward_texts(runs, tiny_encoder, capsys):
    model = _load(runs, "multi", tiny_encoder)
    texts = ["", "   ", "so happy 😀🎉", "مرحبا بالعالم", "e\u0301\u0308 a\u200db", "nul\x00byte",
             "lone \ud800 surrogate", "happy " * 400]
    out = model.predict(texts)
    assert [o["text"] for o in out] == texts
    for o in out:
        assert o["labels"] and set(o["labels"]) <= set(model.label_names)
        assert list(o["scores"]) == list(model.label_names)
        assert all(np.isfinite(v) for v in o["scores"].values())
    assert "note: 1 text was truncated to 128 tokens" in capsys.readouterr().err
    assert model.embed(texts).shape == (len(texts), 16)
    assert model.embed([]).shape == (0, 16)
    with pytest.raises(TypeError, match="wrap a single text"):
        model.predict("one text")


def _copy(runs, key, tmp_path) -> Path:
    return Path(shutil.copytree(runs[key][0], tmp_path / key))


def _edit_manifest(run_dir: Path, **changes) -> None:
    path = run_dir / "model" / "run.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_missing_folder_and_missing_model(runs, tmp_path):
    with pytest.raises(RunFolderError, match="run folder not found"):
        load_run(tmp_path / "nope")
    with pytest.raises(RunFolderError, match="rerun without --no-save-model"):
        load_run(runs["nomodel"][0])


@pytest.mark.parametrize("damage, match", [
    (lambda d: (d / "status.json").write_text('{"status": "running"}'), "not complete"),
    (lambda d: (d / "status.json").unlink(), "status.json is missing"),
    (lambda d: (d / "model/run.json").write_text('{"format_version": 1, "mo'), "not valid JSON"),
    (lambda d: _edit_manifest(d, mode="zero-shot"), "field 'mode'"),
    (lambda d: _edit_manifest(d, label_names=["a", "b"]), "objective.safetensors: cannot load"),
    (lambda d: (d / "model/objective.safetensors").unlink(), "objective.safetensors is missing"),
    (lambda d: (d / "model/objective.safetensors").write_bytes(b"\x08\x00"), "cannot load"),
    (lambda d: shutil.rmtree(d / "model/encoder"), "model/encoder is missing"),
    (lambda d: (d / "model/encoder/config.json").write_text("{"), "load.*encoder.*config.json"),
    (lambda d: (d / "model/encoder/model.safetensors").write_bytes(b"\x08"), "load.*encoder"),
])
def test_damaged_finetune_run_is_refused(runs, tmp_path, damage, match):
    run_dir = _copy(runs, "finetune", tmp_path)
    damage(run_dir)
    with pytest.raises(RunFolderError, match=match):
        load_run(run_dir, device="cpu")


@pytest.mark.parametrize("name", ["/etc", "../../x/y", "..", "~/models/m", "org/../../etc"])
def test_frozen_encoder_path_in_run_json_is_refused(runs, tmp_path, name):
    run_dir = _copy(runs, "frozen", tmp_path)
    _edit_manifest(run_dir, encoder=name)
    with pytest.raises(RunFolderError, match="neither a registered encoder nor a Hub id"):
        load_run(run_dir, device="cpu")


def test_local_encoder_folder_needs_explicit_override(runs, tmp_path, tiny_encoder):
    with pytest.raises(RunFolderError, match="--encoder FOLDER"):
        load_run(runs["frozen"][0], device="cpu")  # run.json names the tiny folder by path
    assert load_run(runs["frozen"][0], device="cpu", encoder=tiny_encoder).predict(["x"])


def test_link_out_of_the_run_folder_is_refused(runs, tmp_path):
    run_dir = _copy(runs, "finetune", tmp_path)
    outside = tmp_path / "elsewhere.safetensors"
    shutil.move(run_dir / "model/objective.safetensors", outside)
    (run_dir / "model/objective.safetensors").symlink_to(outside)
    with pytest.raises(RunFolderError, match="outside the run folder"):
        load_run(run_dir, device="cpu")


def test_model_subfolder_is_accepted(runs):
    model = load_run(runs["finetune"][0] / "model", device="cpu")
    assert model.run_dir == runs["finetune"][0]
