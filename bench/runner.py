"""One run end to end: data -> embedder -> objective -> train -> score test once -> record."""

from __future__ import annotations

import dataclasses
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

import losses
from bench import cache
from bench.batching import tokenize
from bench.checkpoint import Checkpoint
from bench.config import RunConfig
from bench.data import EmotionDataset, load_dataset
from bench.data.sampling import train_subset_index
from bench.embedders import FinetuneEmbedder, FrozenEmbedder, encode_tokens
from bench.encoders import Encoder, load_backbone
from bench.errors import RunFolderError
from bench.evaluate import final_evaluation
from bench.io import atomic_write_json
from bench.records import environment, is_complete, new_run_dir, read_json, write_status
from bench.save import save_run
from bench.train import train


@dataclass
class RunOutput:
    run_dir: object
    metrics: dict


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_full_data(cfg: RunConfig) -> EmotionDataset:
    """The dataset with its whole train split (what `frozen_features` should be given)."""
    return load_dataset(cfg.dataset, data_dir=cfg.data_dir, text_column=cfg.text_column,
                        label_column=cfg.label_column, label_sep=cfg.label_sep,
                        dev_file=cfg.dev_file, test_file=cfg.test_file, split_seed=cfg.seed)


def limit_index(cfg: RunConfig, full: EmotionDataset) -> np.ndarray | None:
    return train_subset_index(full, max_train=cfg.max_train, fraction=cfg.train_fraction,
                              seed=cfg.seed)


def load_data(cfg: RunConfig) -> EmotionDataset:
    """The dataset as the run trains on it (train limited by max_train / train_fraction)."""
    full = load_full_data(cfg)
    idx = limit_index(cfg, full)
    return full if idx is None else dataclasses.replace(full, train=full.train.subset(idx))


def align_features(features: dict[str, np.ndarray], full: EmotionDataset,
                   idx: np.ndarray | None) -> dict[str, np.ndarray]:
    """Features made for the full train split are cut to the run's subsample."""
    n = len(features["train"])
    if idx is not None and n == len(full.train):
        return {**features, "train": features["train"][idx]}
    expected = len(full.train) if idx is None else len(idx)
    if n != expected:
        raise ValueError(f"features have {n} train rows but the run trains on {expected}")
    return features


def frozen_features(cfg: RunConfig, ds: EmotionDataset, device: torch.device,
                    backbone=None) -> dict[str, np.ndarray]:
    """Pooled frozen-encoder embeddings of every split, from the cache where possible.

    Give it the full dataset (`load_full_data`): runs cut train rows to their subsample.
    """
    features, encoder, tokenizer = {}, None, None
    for split in ("train", "dev", "test"):
        texts = getattr(ds, split).texts
        key = cache.cache_key(encoder=cfg.encoder, pooling=cfg.pooling,
                              max_length=cfg.max_length, texts=texts)
        cached = cache.load_cached(key)
        if cached is None:
            if encoder is None:
                tokenizer, model = backbone or load_backbone(
                    cfg.encoder, trust_remote_code=cfg.trust_remote_code)
                encoder = Encoder(model, pooling=cfg.pooling).to(device)
            tokens = tokenize(texts, tokenizer, cfg.max_length)
            cached = encode_tokens(encoder, tokens, batch_size=cfg.eval_batch_size, device=device,
                                   amp=cfg.amp, pooled_only=True, desc=f"encode {split}")
            cache.store(key, cached)
        features[split] = cached
    return features


def build_embedder(cfg: RunConfig, ds: EmotionDataset, device: torch.device, features=None):
    """(embedder, tokenizer or None); seeded so the head/projection init is reproducible."""
    if cfg.mode == "frozen":
        features = features if features is not None else frozen_features(cfg, ds, device)
        out_dim = cfg.embedding_dim or features["train"].shape[1]
        torch.manual_seed(cfg.seed)
        embedder = FrozenEmbedder(features, hidden=cfg.head_hidden, out_dim=out_dim, device=device)
        return embedder.to(device), None
    tokenizer, model = load_backbone(cfg.encoder, trust_remote_code=cfg.trust_remote_code)
    tokens = {s: tokenize(getattr(ds, s).texts, tokenizer, cfg.max_length)
              for s in ("train", "dev", "test")}
    torch.manual_seed(cfg.seed)
    encoder = Encoder(model, pooling=cfg.pooling, embedding_dim=cfg.embedding_dim).to(device)
    embedder = FinetuneEmbedder(encoder, tokens, device=device,
                                eval_batch_size=cfg.eval_batch_size, amp=cfg.amp)
    return embedder, tokenizer


def open_run_dir(cfg: RunConfig, ds: EmotionDataset, device, resume_dir) -> Path:
    if resume_dir is None:
        stem = f"{ds.name}-{cfg.loss}-{cfg.mode}-s{cfg.seed}"
        run_dir = new_run_dir(cfg.output_dir, stem, cfg.run_id)
        atomic_write_json(run_dir / "config.json", {**cfg.to_dict(), "identity": cfg.identity_hash()})
    else:
        run_dir = Path(resume_dir)
    atomic_write_json(run_dir / "env.json", environment(device))
    write_status(run_dir, "running")
    return run_dir


def config_to_resume(run_dir: str | Path) -> RunConfig:
    """The configuration of an unfinished run, read from its folder."""
    run_dir = Path(run_dir)
    if is_complete(run_dir):
        raise RunFolderError(f"{run_dir} is already complete; nothing to resume")
    return RunConfig.from_dict(read_json(run_dir / "config.json"))


def run(cfg: RunConfig, *, features=None, on_epoch=None, progress: bool = True,
        resume_dir: str | Path | None = None) -> RunOutput:
    """Train and evaluate one configuration; `resume_dir` continues an interrupted run."""
    cfg = cfg.resolved()
    device = resolve_device(cfg.device)
    seed_everything(cfg.seed)
    timings, t0 = {}, time.perf_counter()
    full = load_full_data(cfg)
    idx = limit_index(cfg, full)
    ds = full if idx is None else dataclasses.replace(full, train=full.train.subset(idx))
    if cfg.mode == "frozen":
        features = align_features(features if features is not None
                                  else frozen_features(cfg, full, device), full, idx)
    run_dir = open_run_dir(cfg, ds, device, resume_dir)
    timings["load_data"] = time.perf_counter() - t0

    t = time.perf_counter()
    embedder, tokenizer = build_embedder(cfg, ds, device, features)
    objective = losses.build(cfg.loss, num_classes=ds.num_classes, multi_label=ds.multi_label,
                             embedding_dim=_out_dim(embedder), **cfg.loss_hparams).to(device)
    timings["prepare"] = time.perf_counter() - t
    sample = None
    if cfg.mode == "finetune" and len(ds.train) > cfg.centroid_samples:
        sample = np.sort(np.random.default_rng(cfg.seed).choice(
            len(ds.train), cfg.centroid_samples, replace=False))
    checkpoint = Checkpoint(run_dir / "checkpoint") if cfg.mode == "finetune" else None
    try:
        result = train(embedder, objective, ds, cfg, centroid_sample=sample,
                       on_epoch=on_epoch, progress=progress, checkpoint=checkpoint)
    except KeyboardInterrupt:
        write_status(run_dir, "interrupted", resume=f"python -m bench run --resume {run_dir}")
        raise
    except BaseException as exc:
        write_status(run_dir, "failed", reason=f"{type(exc).__name__}: {exc}")
        raise
    timings["train"] = result.train_seconds

    t = time.perf_counter()
    metrics, extras = final_evaluation(embedder, objective, ds, cfg, sample,
                                       dev_scores=result.best_dev_scores)
    timings["evaluate"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    metrics.update(training={"curve": result.curve, "best_epoch": result.best_epoch,
                             "best_dev_macro_f1": result.best_dev_macro_f1,
                             "stopped_early": result.stopped_early,
                             "examples": result.train_examples,
                             "examples_per_second": result.train_examples / max(result.train_seconds, 1e-9)},
                   timings=timings)
    save_run(run_dir, cfg, ds, embedder, objective, tokenizer, metrics, extras)
    write_status(run_dir, "complete")
    if checkpoint is not None:
        checkpoint.remove()
    return RunOutput(run_dir, metrics)


def _out_dim(embedder) -> int:
    if isinstance(embedder, FrozenEmbedder):
        return embedder.head[-1].out_features
    return embedder.encoder.output_dim
