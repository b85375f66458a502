"""Frozen-mode trial cost: one `bench.runner.run` per objective on cached embeddings, set up
as a sweep trial is (no model saved, test never scored), in one process as a sweep worker."""

from __future__ import annotations

import os
import tempfile
import time

import torch

import losses
from bench import cache
from bench.config import RunConfig
from bench.perf.common import PerfConfig
from bench.runner import frozen_features, load_full_data, run


def trial_config(cfg: PerfConfig, loss: str, output_dir: str) -> RunConfig:
    return RunConfig(loss=loss, dataset=cfg.dataset, mode="frozen", encoder=cfg.encoder,
                     max_length=cfg.max_length, epochs=cfg.frozen_epochs, seed=cfg.seed,
                     data_dir=cfg.data_dir or os.environ.get("BENCH_DATA_DIR"),
                     device=cfg.device, amp=cfg.amp, cpu_bf16=cfg.cpu_bf16, save_model=False,
                     score_test=False, output_dir=output_dir)


def measure_frozen(cfg: PerfConfig, device: torch.device) -> dict:
    names = list(cfg.frozen_losses or losses.names())
    with tempfile.TemporaryDirectory(prefix="bench-perf-frozen-") as tmp:
        first = trial_config(cfg, names[0], tmp).resolved()
        ds = load_full_data(first)
        todo = cache.uncached_texts(first, ds)  # encoded once, below
        if todo:
            print(f"perf: encoding {todo} texts into the frozen-embedding cache (once)")
        start = time.perf_counter()
        features = frozen_features(first, ds, device)
        feature_seconds = time.perf_counter() - start
        torch.optim.AdamW([torch.zeros(1)])  # its first use imports torch._dynamo (~1.5 s) once
        trials = {}
        for name in names:
            out = run(trial_config(cfg, name, tmp), features=features, progress=False)
            t, training = out.metrics["timings"], out.metrics["training"]
            trials[name] = {"train_seconds": t["train"], "total_seconds": t["total"],
                            "epochs": len(training["curve"]),
                            "seconds_per_epoch": t["train"] / max(1, len(training["curve"])),
                            "dev_macro_f1": training["best_dev_macro_f1"]}
    return {"train_rows": len(ds.train), "epochs": first.epochs,
            "features_seconds": feature_seconds, "encoded_now": todo, "trials": trials}
