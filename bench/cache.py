"""Frozen-mode embedding cache: one file per (encoder, pooling, max length, split texts).

Each entry stores the key it was made with and a checksum of the array; an entry that is
truncated, corrupted or made with another key is reported in one line and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

from bench.io import atomic_save_file, atomic_write_json


def cache_dir() -> Path:
    return Path(os.environ.get("BENCH_CACHE_DIR", ".cache/emotion-bench"))


def texts_fingerprint(texts) -> str:
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def cache_key(*, encoder: str, pooling: str, max_length: int, texts) -> dict:
    return {"encoder": encoder, "pooling": pooling, "max_length": max_length,
            "texts_sha256": texts_fingerprint(texts), "n": len(texts), "version": 1}


def _paths(key: dict) -> tuple[Path, Path]:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]
    base = cache_dir() / digest
    return base.with_suffix(".npy"), base.with_suffix(".json")


def load_cached(key: dict) -> np.ndarray | None:
    array_path, meta_path = _paths(key)
    if not array_path.exists() and not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        if meta["key"] != key:
            raise ValueError("it was made with another key")
        array = np.load(array_path, allow_pickle=False)
        if hashlib.sha256(array.tobytes()).hexdigest() != meta["sha256"]:
            raise ValueError("checksum mismatch")
        if array.shape[0] != key["n"]:
            raise ValueError(f"{array.shape[0]} rows instead of {key['n']}")
        return array
    except Exception as exc:  # noqa: BLE001 - any damage means: rebuild
        print(f"cache: ignoring damaged entry {array_path} ({exc}); rebuilding", file=sys.stderr)
        return None


def store(key: dict, array: np.ndarray) -> None:
    array_path, meta_path = _paths(key)
    array = np.ascontiguousarray(array, dtype=np.float32)

    def save(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            np.save(fh, array, allow_pickle=False)

    atomic_save_file(array_path, save)
    atomic_write_json(meta_path, {"key": key, "sha256": hashlib.sha256(array.tobytes()).hexdigest(),
                                  "shape": list(array.shape)})


def uncached_texts(cfg, ds) -> int:
    """How many texts of `ds` have no cache entry yet for `cfg` (a quick estimate input:
    the entries are not verified here)."""
    missing = 0
    for split in ("train", "dev", "test"):
        texts = getattr(ds, split).texts
        key = cache_key(encoder=cfg.encoder, pooling=cfg.pooling,
                        max_length=cfg.max_length, texts=texts)
        missing += 0 if _paths(key)[0].exists() else len(texts)
    return missing
