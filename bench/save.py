"""Write what a run produced: the record (always) and the reloadable model (unless disabled).

Layout of a run folder:
  config.json, env.json, status.json, metrics.json  the record (small, committed)
  objective_state.safetensors                       proxies / classifier / centroids
  test_predictions.npz                              test predictions, for paired tests
  test_embeddings.npz                               only with --save-test-embeddings
  model/                                            only with a saved model:
    encoder/            Hugging Face format (fine-tune mode; AutoModel.from_pretrained loads it)
    head.safetensors    frozen-mode MLP head or fine-tune projection, if any
    objective.safetensors, run.json
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
from safetensors.torch import save_file

from bench.io import atomic_save_file, atomic_write_json
from bench.metrics import empty_rule
from bench.provenance import plugin_entry

TEST_EMBEDDING_ROWS = 2000


def _state(module) -> dict:
    return {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}


def _save_npz(path: Path, **arrays) -> None:
    def save(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)

    atomic_save_file(path, save)


def model_manifest(cfg, ds, objective, thresholds) -> dict:
    return {
        "format_version": 1, "mode": cfg.mode, "encoder": cfg.encoder, "pooling": cfg.pooling,
        "max_length": cfg.max_length, "embedding_dim": cfg.embedding_dim,
        "head_hidden": cfg.head_hidden, "objective": objective.name,
        "hparams": objective.hparams, "multi_label": ds.multi_label,
        "label_names": list(ds.label_names), "dataset": ds.name,
        "thresholds": None if thresholds is None else [float(t) for t in thresholds],
        "multi_label_rule": empty_rule(ds.train.labels),  # may a prediction be empty
        **plugin_entry(objective),  # which plugin to load again; never imported from here
    }


def save_model(run_dir: Path, cfg, ds, embedder, objective, tokenizer, thresholds) -> None:
    staging = Path(tempfile.mkdtemp(dir=run_dir, prefix=".model-"))
    try:
        if cfg.mode == "finetune":
            encoder = embedder.encoder
            encoder.backbone.save_pretrained(staging / "encoder", safe_serialization=True)
            tokenizer.save_pretrained(staging / "encoder")
            if encoder.projection is not None:
                save_file(_state(encoder.projection), str(staging / "head.safetensors"))
        else:
            save_file(_state(embedder.head), str(staging / "head.safetensors"))
        save_file(_state(objective), str(staging / "objective.safetensors"))
        atomic_write_json(staging / "run.json", model_manifest(cfg, ds, objective, thresholds))
        target = run_dir / "model"
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def save_run(run_dir: Path, cfg, ds, embedder, objective, tokenizer, metrics, extras) -> None:
    atomic_save_file(run_dir / "objective_state.safetensors",
                     lambda tmp: save_file(_state(objective), tmp))
    if extras["test_predictions"] is not None:
        _save_npz(run_dir / "test_predictions.npz", predictions=extras["test_predictions"])
    if cfg.save_test_embeddings and extras["test_embeddings"] is not None:
        emb, rng = extras["test_embeddings"], np.random.default_rng(cfg.seed)
        rows = np.sort(rng.choice(len(emb), min(len(emb), TEST_EMBEDDING_ROWS), replace=False))
        _save_npz(run_dir / "test_embeddings.npz", rows=rows, embeddings=emb[rows].astype(np.float16))
    if cfg.save_model:
        save_model(run_dir, cfg, ds, embedder, objective, tokenizer, extras["thresholds"])
    atomic_write_json(run_dir / "metrics.json", metrics)
