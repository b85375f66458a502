"""The training loop shared by fine-tune and frozen mode; model selection on dev only."""

from __future__ import annotations

import copy
import math
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from bench.batching import training_batches
from bench.config import RunConfig
from bench.errors import TrainingError
from bench.metrics import MAY_BE_EMPTY, classification_metrics, empty_rule, predict, tune_thresholds
from bench.optim import make_optimizer


@dataclass
class TrainResult:
    curve: list[dict] = field(default_factory=list)
    best_epoch: int = -1
    best_dev_macro_f1: float = -1.0
    train_seconds: float = 0.0
    train_examples: int = 0
    stopped_early: bool = False
    best_dev_scores: np.ndarray | None = None  # reused by the final evaluation
    best_state: tuple[dict, dict] | None = None  # (embedder, objective) state of the best epoch
    bad_epochs: int = 0
    epochs_done: int = 0
    steps_per_epoch: int = 0
    passes_per_epoch: int = 1
    resumed_after: list[int] = field(default_factory=list)  # epochs done at each resume


def targets_tensor(labels: np.ndarray) -> torch.Tensor:
    t = torch.tensor(labels)
    return t.long() if t.ndim == 1 else t.float()


def fit_centroids(embedder, objective, labels: np.ndarray, sample: np.ndarray | None) -> None:
    emb = embedder.embed("train", sample)
    y = labels if sample is None else labels[sample]
    device = objective_device(objective)
    objective.fit_centroids(emb.to(device), targets_tensor(y).to(device))


def objective_device(objective) -> torch.device:
    tensors = list(objective.parameters()) + list(objective.buffers())
    return tensors[0].device if tensors else torch.device("cpu")


def dev_scores(embedder, objective, ds, centroid_sample) -> np.ndarray:
    if objective.uses_centroids:
        fit_centroids(embedder, objective, ds.train.labels, centroid_sample)
    with torch.inference_mode():
        emb = embedder.embed("dev").to(objective_device(objective))
        return objective.scores(emb).float().cpu().numpy()


def dev_macro_f1(scores: np.ndarray, ds) -> float:
    thresholds = tune_thresholds(scores, ds.dev.labels) if ds.multi_label else None
    pred = predict(scores, thresholds, allow_empty=empty_rule(ds.train.labels) == MAY_BE_EMPTY)
    return classification_metrics(pred, ds.dev.labels, ds.label_names)["macro_f1"]


def passes_per_epoch(min_steps: int | None, epochs: int, steps_per_pass: int) -> int:
    """Passes over the training set per epoch, so that `epochs` epochs make >= min_steps steps.

    A few-shot set is one or two batches: 10 epochs of one pass would be a handful of steps.
    Repeating it inside the epoch (rather than raising the epoch count) keeps one dev
    evaluation per epoch, which costs far more than a pass over 48 examples.
    """
    if not min_steps:
        return 1
    return max(1, math.ceil(min_steps / (epochs * steps_per_pass)))


def _diverged(value: float, step: int, objective) -> str:
    return (f"non-finite loss ({value}) at step {step} with objective {objective.name} "
            f"{objective.hparams}; lower the learning rate or change hyperparameters")


def train_step(embedder, objective, opt, sched, index: np.ndarray, targets: torch.Tensor,
               params: list, grad_clip: float, *, step: int) -> torch.Tensor:
    """One optimisation step on the rows `index`; returns the detached loss.

    A non-finite loss stops before the update, so the weights never turn into NaNs.
    """
    device = objective_device(objective)
    emb = embedder.train_embed(index)
    try:
        loss = objective(emb, targets[torch.from_numpy(index)].to(device, non_blocking=True))
    except ValueError as exc:  # e.g. non-finite embeddings after a diverged update
        raise TrainingError(f"{exc} at step {step} with objective "
                            f"{objective.name} {objective.hparams}") from exc
    # the objective's input check already syncs with the host, so this check is free
    if not bool(torch.isfinite(loss)):
        raise TrainingError(_diverged(float(loss.detach()), step, objective))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if grad_clip:
        torch.nn.utils.clip_grad_norm_(params, grad_clip)
    opt.step()
    sched.step()
    return loss.detach()


def _fault_step() -> int | None:
    """Fault injection for the interruption tests: SIGKILL this process at that global step."""
    value = os.environ.get("BENCH_FAULT_KILL_AT_STEP")
    return int(value) if value else None


def _run_epoch(embedder, objective, targets, batches, opt, sched, cfg, *, desc: str,
               progress: bool, first_step: int) -> torch.Tensor:
    device = objective_device(objective)
    embedder.train()
    objective.train()
    buf = torch.zeros(len(batches), device=device)
    params = list(embedder.parameters()) + objective.objective_parameters()
    kill_at = _fault_step()
    bar = tqdm(batches, desc=desc, unit="batch", disable=not progress, leave=False, mininterval=1.0)
    for step, index in enumerate(bar):
        if kill_at is not None and first_step + step == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        buf[step] = train_step(embedder, objective, opt, sched, index, targets, params,
                               cfg.grad_clip, step=first_step + step + 1)
        if progress and (step + 1) % 25 == 0:
            bar.set_postfix(loss=f"{float(buf[step]):.4f}", refresh=False)
    return buf


def train(embedder, objective, ds, cfg: RunConfig, *, centroid_sample: np.ndarray | None = None,
          on_epoch: Callable[[int, float], None] | None = None, progress: bool = True,
          checkpoint=None) -> TrainResult:
    """Train with early stopping on dev macro-F1; restore the best epoch's weights.

    `checkpoint` (a bench.checkpoint.Checkpoint) saves state after every epoch and, if it
    holds a saved state, resumes from it: the result equals an uninterrupted run.
    """
    rng = np.random.default_rng(cfg.seed)
    labels, targets = ds.train.labels, targets_tensor(ds.train.labels)
    # batches drawn by class mix lengths: encode them in length groups (CPU only)
    embedder.split_by_length = (objective.samples_per_class > 0 and embedder.lengths is not None
                                and embedder.device.type == "cpu")
    steps_per_pass = len(training_batches(labels, embedder.lengths, cfg.batch_size,
                                          objective.samples_per_class, np.random.default_rng(0)))
    passes = passes_per_epoch(cfg.min_steps, cfg.epochs, steps_per_pass)
    steps_per_epoch = steps_per_pass * passes
    opt, sched = make_optimizer(embedder, objective, cfg, steps_per_epoch * cfg.epochs)
    result = TrainResult(steps_per_epoch=steps_per_epoch, passes_per_epoch=passes)
    if checkpoint is not None and checkpoint.exists():
        result = checkpoint.load(embedder, objective, opt, sched, rng)
        # derived from the data, not saved: checkpoints made before this line lack them
        result.steps_per_epoch, result.passes_per_epoch = steps_per_epoch, passes
        result.resumed_after.append(result.epochs_done)
    for epoch in range(result.epochs_done, cfg.epochs):
        if result.bad_epochs >= cfg.patience:
            break
        batches = [b for _ in range(passes) for b in training_batches(
            labels, embedder.lengths, cfg.batch_size, objective.samples_per_class, rng)]
        start = time.perf_counter()
        buf = _run_epoch(embedder, objective, targets, batches, opt, sched, cfg,
                         desc=f"epoch {epoch + 1}/{cfg.epochs}", progress=progress,
                         first_step=epoch * steps_per_epoch)
        seconds = time.perf_counter() - start
        result.train_seconds += seconds
        result.train_examples += int(sum(len(b) for b in batches))
        scores = dev_scores(embedder, objective, ds, centroid_sample)
        f1 = dev_macro_f1(scores, ds)
        result.curve.append({"epoch": epoch + 1, "step": (epoch + 1) * steps_per_epoch,
                             "train_loss": float(buf.mean()),
                             "dev_macro_f1": f1, "seconds": seconds})
        if progress:
            tqdm.write(f"epoch {epoch + 1}: train loss {float(buf.mean()):.4f}, dev macro-F1 {f1:.4f}")
        if f1 > result.best_dev_macro_f1 or math.isnan(result.best_dev_macro_f1):
            result.best_epoch, result.best_dev_macro_f1, result.bad_epochs = epoch + 1, f1, 0
            result.best_dev_scores = scores
            result.best_state = copy.deepcopy((embedder.state_dict(), objective.state_dict()))
        else:
            result.bad_epochs += 1
        result.epochs_done = epoch + 1
        result.stopped_early = result.bad_epochs >= cfg.patience and epoch + 1 < cfg.epochs
        if checkpoint is not None:
            checkpoint.save(embedder, objective, opt, sched, rng, result)
        if on_epoch is not None:
            on_epoch(epoch, f1)
    if result.best_state is not None:
        embedder.load_state_dict(result.best_state[0])
        objective.load_state_dict(result.best_state[1])
    return result
