"""Run the perf sections and gather one JSON-ready record."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

import numpy as np
import torch

from bench.embedders import autocast_dtype
from bench.perf.common import PerfConfig, alternate, load_texts, machine_info, rate
from bench.perf.flops import encoder_dims, matmul_peak, step_gflops
from bench.runner import resolve_device

SCHEMA_VERSION = 1


def pooled(rounds: list[dict]) -> dict:
    """One side's rounds merged: totals plus per-round throughput."""
    shapes = [s for r in rounds for s in r["shapes"]]
    seconds = sum(r["seconds"] for r in rounds)
    padded = sum(b * w for b, w, _ in shapes)
    real = sum(t for _, _, t in shapes)
    return {"examples_per_second": rate(rounds), "seconds": seconds,
            "steps": sum(r["steps"] for r in rounds), "examples": sum(r["examples"] for r in rounds),
            "padded_tokens": padded, "real_tokens": real,
            "padded_tokens_per_second": padded / seconds, "padding_share": 1 - real / padded,
            "rounds_examples_per_second": [r["examples"] / r["seconds"] for r in rounds],
            "shapes": shapes}


def lever_variants(levers: tuple[str, ...], side, cfg: PerfConfig) -> dict[str, Callable]:
    from bench.perf.train_bench import run_bench

    def with_threads(n: int, **kw):
        def go(_round: int) -> dict:
            before = torch.get_num_threads()
            torch.set_num_threads(n)
            try:
                return run_bench(side, cfg, **kw)
            finally:
                torch.set_num_threads(before)
        return go

    variants = {"baseline": lambda r: run_bench(side, cfg)}
    for lever in levers:
        name, _, value = lever.partition("=")
        if name == "foreach":
            variants[lever] = lambda r: run_bench(side, cfg, optimizer_kind="foreach")
        else:  # PerfConfig has checked the names: threads=N
            variants[lever] = with_threads(int(value))
    return variants


def measure_levers(side, cfg: PerfConfig) -> dict:
    rounds = alternate(lever_variants(cfg.levers, side, cfg), cfg.rounds,
                       warm=side.embedder.device.type == "cuda")
    base = pooled(rounds["baseline"])
    base_losses = rounds["baseline"][0]["losses"]
    out = {}
    for name, rs in rounds.items():
        eps = pooled(rs)["examples_per_second"]
        diff = max(abs(a - b) for a, b in zip(rs[0]["losses"], base_losses, strict=True))
        per_round = [v["examples"] / v["seconds"] for v in rs]
        # per-round ratios pair each variant with the baseline run next to it in time
        ratios = [v / (b["examples"] / b["seconds"])
                  for v, b in zip(per_round, rounds["baseline"], strict=True)]
        out[name] = {"examples_per_second": eps, "ratio": eps / base["examples_per_second"],
                     "median_round_ratio": float(np.median(ratios)),
                     "rounds_examples_per_second": per_round, "max_loss_diff": diff}
    return out


def run_perf(cfg: PerfConfig) -> dict:
    device = resolve_device(cfg.device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    record = {"schema_version": SCHEMA_VERSION, "config": _config(cfg),
              "machine": machine_info(device)}
    if any(cfg.wants(s) for s in ("train", "trainer", "encode", "flops", "levers", "quality")):
        from bench.perf.train_bench import build_bench, run_bench

        data = load_texts(cfg)
        side = build_bench(cfg, data, device)
        record["texts"] = len(data.texts)
        variants = {}
        if cfg.wants("train"):
            variants["bench"] = lambda r: run_bench(side, cfg)
        if cfg.wants("trainer") or cfg.wants("quality"):
            from bench.perf.train_hf import build_hf, run_hf

            hf = build_hf(cfg, data)
        if cfg.wants("trainer"):
            variants["trainer"] = lambda r: run_hf(hf, cfg, device)
        if variants:
            rounds = alternate(variants, cfg.rounds, warm=device.type == "cuda")
            training = {k: pooled(v) for k, v in rounds.items()}
            if len(training) == 2:
                training["ratio"] = (training["bench"]["examples_per_second"]
                                     / training["trainer"]["examples_per_second"])
            record["training"] = training
        if cfg.wants("levers") and cfg.levers:
            record["levers"] = measure_levers(side, cfg)
        if cfg.wants("encode"):
            from bench.perf.encode import measure_encoding

            record["encoding"] = measure_encoding(side.embedder.encoder, side.tokenizer,
                                                  data.texts, cfg, device)
        if cfg.wants("flops"):
            record["flops"] = measure_flops(side, record.get("training", {}), cfg, device)
        if cfg.wants("quality"):  # last: it leaves both models trained
            from bench.perf.quality import measure_quality

            record["quality"] = measure_quality(side, hf, data, cfg, device)
    if cfg.wants("frozen"):
        from bench.perf.frozen import measure_frozen

        record["frozen"] = measure_frozen(cfg, device)
    for side_record in record.get("training", {}).values():
        if isinstance(side_record, dict):
            side_record.pop("shapes")
    record["machine"]["load_average_end"] = list(os.getloadavg())
    return record


def measure_flops(side, training: dict, cfg: PerfConfig, device: torch.device) -> dict:
    half = autocast_dtype(device, cfg.amp, cfg.cpu_bf16) is not None
    peak = matmul_peak(device, dtype=torch.bfloat16 if half else torch.float32)
    dims = encoder_dims(side.embedder.encoder.backbone)
    out = {"peak": peak, "encoder": dims}
    for name in ("bench", "trainer"):
        if name in training:
            out[name] = step_gflops(dims, training[name], peak["gflops"])
    return out


def _config(cfg: PerfConfig) -> dict:
    d = dataclasses.asdict(cfg)
    d["skip"] = sorted(cfg.skip)
    d["levers"], d["frozen_losses"] = list(cfg.levers), list(cfg.frozen_losses)
    return d
