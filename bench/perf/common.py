"""Configuration, shared data and machine facts for the perf harness."""

from __future__ import annotations

import os
import platform
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

SECTIONS = ("train", "trainer", "encode", "frozen", "flops", "levers", "quality")


@dataclass(frozen=True)
class PerfConfig:
    dataset: str = "goemotions"
    data_dir: str | None = None
    encoder: str = "minilm"
    texts: int = 2048  # random training texts shared by every training/encoding variant
    batch_size: int = 32
    max_length: int = 128
    steps: int = 20  # measured steps per round, after `warmup` unmeasured ones
    warmup: int = 3
    rounds: int = 2
    encode_texts: int = 1024
    frozen_epochs: int | None = None
    frozen_losses: tuple[str, ...] = ()  # empty: every registered objective
    levers: tuple[str, ...] = ()
    skip: frozenset[str] = frozenset()
    threads: int | None = None
    device: str = "auto"
    amp: bool = True
    cpu_bf16: bool = False  # bf16 autocast on CPU for both training sides (Trainer: bf16=True)
    quality_dev_texts: int = 2000
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("texts", "batch_size", "max_length", "steps", "rounds", "encode_texts",
                     "quality_dev_texts"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, but got {name}={getattr(self, name)}")
        if self.warmup < 1:  # the Trainer's clock needs the end of a warm-up step as its start
            raise ValueError(f"warmup must be >= 1, but got {self.warmup=}")
        for lever in self.levers:
            name, _, value = lever.partition("=")
            if not (lever == "foreach" or (name == "threads" and value.isdigit() and int(value))):
                raise ValueError(f"unknown lever {lever!r}: use foreach or threads=N (N >= 1)")
        unknown = set(self.skip) - set(SECTIONS)
        if unknown:
            raise ValueError(f"skip names must be among {SECTIONS}, but got {sorted(unknown)}")

    def wants(self, section: str) -> bool:
        return section not in self.skip


def sync(device: torch.device) -> None:
    """Wait for queued GPU work, so perf_counter brackets finished steps."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def alternate(variants: dict[str, Callable[[int], dict]], rounds: int, *,
              warm: bool = False) -> dict[str, list[dict]]:
    """Run each variant once per round; the order flips every round (ABBA...).

    `warm` first runs every variant once unmeasured: on CUDA each new batch shape costs
    kernel selection, which would otherwise land in whichever variant meets it first.
    """
    names = list(variants)
    if warm:
        for name in names:
            variants[name](-1)
    out: dict[str, list[dict]] = {n: [] for n in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            out[name].append(variants[name](r))
    return out


def rate(rounds: list[dict], amount: str = "examples") -> float:
    """Pooled throughput over rounds: total amount / total seconds."""
    seconds = sum(r["seconds"] for r in rounds)
    return sum(r[amount] for r in rounds) / seconds if seconds > 0 else float("nan")


def machine_info(device: torch.device) -> dict:
    import transformers

    from bench.records import cpu_info, git_commit

    model, flags = cpu_info()
    return {
        "hostname": socket.gethostname(),
        "cpu_model": model or platform.processor() or platform.machine(),
        "cpu_flags": flags,
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
        "device": str(device),
        "cuda_device": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "git_commit": git_commit(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


@dataclass(frozen=True)
class PerfData:
    texts: tuple[str, ...]
    labels: np.ndarray  # int64 primary class per text (single-label, so softmax is comparable)
    num_classes: int


def load_texts(cfg: PerfConfig, split: str = "train", n: int | None = None) -> PerfData:
    """A seeded random subset of `n` texts of a split (default cfg.texts), one class per text."""
    from bench.batching import primary_labels
    from bench.data import dataset_names, load_dataset
    from bench.errors import DataError

    data_dir = cfg.data_dir or os.environ.get("BENCH_DATA_DIR")
    if cfg.dataset in dataset_names() and not data_dir:
        raise DataError(f"perf measures on the real {cfg.dataset!r} texts but no data folder is "
                        "set: export BENCH_DATA_DIR=/path/to/data or pass --data-dir")
    try:
        ds = load_dataset(cfg.dataset, data_dir=data_dir)
    except DataError as exc:
        raise DataError(f"perf needs the {cfg.dataset!r} training texts: {exc}") from exc
    part = getattr(ds, split)
    rng = np.random.default_rng(cfg.seed)
    n = min(cfg.texts if n is None else n, len(part))
    idx = np.sort(rng.choice(len(part), n, replace=False))
    labels = primary_labels(part.labels[idx], rng)
    return PerfData(tuple(part.texts[i] for i in idx), labels.astype(np.int64), ds.num_classes)
