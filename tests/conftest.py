"""Shared fixtures: a tiny randomly initialised BERT (built once per session) and data paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def real_data_dir() -> Path | None:
    for candidate in (os.environ.get("BENCH_DATA_DIR"), REPO.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "goemotions").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    found = real_data_dir()
    if found is None:
        pytest.skip("real datasets not found: set BENCH_DATA_DIR")
    return found


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory) -> str:
    """A 2-layer, 32-d BERT with MiniLM's tokenizer, saved as a local Hugging Face folder."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from bench.encoders import resolve_source

    folder = tmp_path_factory.mktemp("tiny-bert")
    torch.manual_seed(0)
    config = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=256)
    BertModel(config).save_pretrained(folder)
    AutoTokenizer.from_pretrained(resolve_source("minilm")).save_pretrained(folder)
    return str(folder)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Each test gets its own embedding cache, so tests never see each other's files."""
    monkeypatch.setenv("BENCH_CACHE_DIR", str(tmp_path / "cache"))
