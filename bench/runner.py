"""One run end to end: data -> embedder -> objective -> train -> score test once -> record."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import losses
from bench.checkpoint import Checkpoint
from bench.config import RunConfig
from bench.data import EmotionDataset
from bench.data.shots import shots_record
from bench.errors import RunFolderError
from bench.evaluate import final_evaluation
from bench.io import atomic_write_json
from bench.prepare import (  # noqa: F401  (re-exported: the public entry points)
    align_features,
    build_embedder,
    frozen_features,
    limit_index,
    load_data,
    load_full_data,
    out_dim,
    resolve_device,
    seed_everything,
)
from bench.records import environment, is_complete, new_run_dir, read_json, write_status
from bench.save import save_run
from bench.train import train


@dataclass
class RunOutput:
    run_dir: object
    metrics: dict


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
        resume_dir: str | Path | None = None, resumable: bool = True) -> RunOutput:
    """Train and evaluate one configuration; `resume_dir` continues an interrupted run.

    resumable=False: no per-epoch checkpoint (a fine-tuned MiniLM's is ~350 MB). Sweep trials
    use it: a trial is never resumed (a killed worker's trial is re-run from scratch), and a
    pruned trial's checkpoint would otherwise stay on disk for good."""
    cfg = cfg.resolved()
    device = resolve_device(cfg.device)
    seed_everything(cfg.seed)
    timings, t0 = {}, time.perf_counter()
    full = load_full_data(cfg)
    idx = limit_index(cfg, full)
    ds = full if idx is None else dataclasses.replace(full, train=full.train.subset(idx))
    if cfg.mode == "frozen":
        features = align_features(features if features is not None
                                  else frozen_features(cfg, full, device, progress=progress),
                                  full, idx)
    run_dir = open_run_dir(cfg, ds, device, resume_dir)
    timings["load_data"] = time.perf_counter() - t0

    t = time.perf_counter()
    embedder, tokenizer = build_embedder(cfg, ds, device, features)
    embedder.progress = progress  # its encoder passes draw bars only when the run does
    objective = losses.build(cfg.loss, num_classes=ds.num_classes, multi_label=ds.multi_label,
                             embedding_dim=out_dim(embedder), **cfg.objective_hparams()).to(device)
    timings["prepare"] = time.perf_counter() - t
    sample = None
    if cfg.mode == "finetune" and len(ds.train) > cfg.centroid_samples:
        sample = np.sort(np.random.default_rng(cfg.seed).choice(
            len(ds.train), cfg.centroid_samples, replace=False))
    checkpoint = (Checkpoint(run_dir / "checkpoint") if cfg.mode == "finetune" and resumable
                  else None)
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
                             "steps_per_epoch": result.steps_per_epoch,
                             "passes_per_epoch": result.passes_per_epoch,
                             # epochs done when an interrupted run was resumed; timings'
                             # "total" is then the last process's wall time, "train" all of it
                             "resumed_after_epochs": result.resumed_after,
                             "examples_per_second": result.train_examples / max(result.train_seconds, 1e-9)},
                   timings=timings)
    if cfg.shots is not None:  # the few-shot rule and the counts it gave, beside the sizes
        metrics["dataset"]["shots"] = shots_record(ds.train.labels, ds.label_names, cfg.shots)
    save_run(run_dir, cfg, ds, embedder, objective, tokenizer, metrics, extras)
    write_status(run_dir, "complete")
    if checkpoint is not None:
        checkpoint.remove()
    return RunOutput(run_dir, metrics)
