"""Everything a run needs before training: device, seeds, data, cached features, embedder."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import torch

from bench import cache
from bench.batching import tokenize
from bench.config import RunConfig
from bench.data import EmotionDataset, load_dataset
from bench.data.sampling import train_subset_index
from bench.data.shots import shots_index
from bench.embedders import FinetuneEmbedder, FrozenEmbedder, encode_tokens
from bench.encoders import Encoder, load_backbone


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
                        label_columns=cfg.label_columns, ignore_columns=cfg.ignore_columns,
                        dev_file=cfg.dev_file, test_file=cfg.test_file, split_seed=cfg.seed)


def limit_index(cfg: RunConfig, full: EmotionDataset) -> np.ndarray | None:
    """Train rows the run uses: its few-shot set, its stratified subsample, or None (all)."""
    if cfg.shots is not None:
        return shots_index(full.train.labels, full.label_names, shots=cfg.shots, seed=cfg.seed)
    return train_subset_index(full, max_train=cfg.max_train, fraction=cfg.train_fraction,
                              seed=cfg.seed)


def load_data(cfg: RunConfig) -> EmotionDataset:
    """The dataset as the run trains on it (train limited by shots, max_train, train_fraction)."""
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
                    backbone=None, *, progress: bool = True) -> dict[str, np.ndarray]:
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
                                   amp=cfg.amp, pooled_only=True, desc=f"encode {split}",
                                   progress=progress)
            cache.store(key, cached)
        features[split] = cached
    return features


def build_embedder(cfg: RunConfig, ds: EmotionDataset, device: torch.device, features=None):
    """(embedder, tokenizer or None); seeded so the head/projection init is reproducible."""
    if cfg.mode == "frozen":
        features = features if features is not None else frozen_features(cfg, ds, device)
        out_dim = cfg.embedding_dim or features["train"].shape[1]
        torch.manual_seed(cfg.seed)
        embedder = FrozenEmbedder(features, hidden=cfg.head_hidden, out_dim=out_dim, device=device,
                                  cpu_bf16=cfg.cpu_bf16)
        return embedder.to(device), None
    tokenizer, model = load_backbone(cfg.encoder, trust_remote_code=cfg.trust_remote_code)
    tokens = {s: tokenize(getattr(ds, s).texts, tokenizer, cfg.max_length)
              for s in ("train", "dev", "test")}
    torch.manual_seed(cfg.seed)
    encoder = Encoder(model, pooling=cfg.pooling, embedding_dim=cfg.embedding_dim).to(device)
    embedder = FinetuneEmbedder(encoder, tokens, device=device,
                                eval_batch_size=cfg.eval_batch_size, amp=cfg.amp,
                                cpu_bf16=cfg.cpu_bf16)
    return embedder, tokenizer


def out_dim(embedder) -> int:
    if isinstance(embedder, FrozenEmbedder):
        return embedder.head[-1].out_features
    return embedder.encoder.output_dim
