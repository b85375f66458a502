"""bench's own fine-tuning step (the body of the loop in bench/train.py), timed per round.

The step mirrors bench.train.train line for line; optimiser and schedule come from
bench.optim.make_optimizer itself, so a change there shows up here.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import torch

import losses
from bench.batching import TokenizedTexts, tokenize, training_batches
from bench.config import RunConfig
from bench.embedders import FinetuneEmbedder
from bench.encoders import Encoder, load_backbone
from bench.optim import make_optimizer
from bench.perf.common import PerfConfig, PerfData, sync
from bench.train import train_step

OPTIMIZERS = ("default", "foreach")  # "default": bench.optim.adamw_kernel's choice


@dataclass
class BenchSide:
    embedder: FinetuneEmbedder
    objective: torch.nn.Module
    tokens: TokenizedTexts
    tokenizer: object
    targets: torch.Tensor
    initial: tuple[dict, dict]  # reloaded each round, so every round trains the same way
    run_cfg: RunConfig


def build_bench(cfg: PerfConfig, data: PerfData, device: torch.device) -> BenchSide:
    tokenizer, model = load_backbone(cfg.encoder)
    tokens = tokenize(data.texts, tokenizer, cfg.max_length)
    torch.manual_seed(cfg.seed)
    encoder = Encoder(model, pooling="mean").to(device)
    embedder = FinetuneEmbedder(encoder, {"train": tokens}, device=device,
                                eval_batch_size=128, amp=cfg.amp, cpu_bf16=cfg.cpu_bf16)
    objective = losses.build("softmax", num_classes=data.num_classes, multi_label=False,
                             embedding_dim=encoder.output_dim).to(device)
    run_cfg = RunConfig(loss="softmax", dataset=cfg.dataset, mode="finetune", amp=cfg.amp,
                        cpu_bf16=cfg.cpu_bf16,
                        batch_size=cfg.batch_size, max_length=cfg.max_length).resolved()
    initial = copy.deepcopy((embedder.state_dict(), objective.state_dict()))
    return BenchSide(embedder, objective, tokens, tokenizer, torch.from_numpy(data.labels), initial, run_cfg)


def optimizer(side: BenchSide, steps: int, kind: str):
    """bench's optimiser and schedule; `foreach` swaps in the foreach AdamW kernel (a lever)."""
    if kind not in OPTIMIZERS:
        raise ValueError(f"optimizer kind must be one of {OPTIMIZERS}, but got {kind=}")
    opt, sched = make_optimizer(side.embedder, side.objective, side.run_cfg, steps)
    if kind == "foreach":
        groups = [{"params": g["params"], "lr": g["initial_lr"],
                   "weight_decay": g["weight_decay"]} for g in opt.param_groups]
        opt = torch.optim.AdamW(groups, lr=side.run_cfg.lr, foreach=True)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, sched.lr_lambdas[0])
    return opt, sched


def batch_shapes(tokens: TokenizedTexts, batches: list[np.ndarray]) -> list[tuple[int, int, int]]:
    """(rows, padded width, real tokens) of each batch."""
    return [(len(b), int(tokens.lengths[b].max()), int(tokens.lengths[b].sum())) for b in batches]


def run_bench(side: BenchSide, cfg: PerfConfig, *, optimizer_kind: str = "default") -> dict:
    """warm-up + measured steps from the initial weights; returns seconds, counts, losses."""
    emb_mod, objective, device = side.embedder, side.objective, side.embedder.device
    emb_mod.load_state_dict(side.initial[0])
    objective.load_state_dict(side.initial[1])
    total = cfg.warmup + cfg.steps
    opt, sched = optimizer(side, total, optimizer_kind)
    rng = np.random.default_rng(cfg.seed)
    batches: list[np.ndarray] = []
    while len(batches) < total:  # more epochs over the subset when it is small
        batches += training_batches(side.targets.numpy(), side.tokens.lengths,
                                    cfg.batch_size, objective.samples_per_class, rng)
    batches = batches[:total]
    params = list(emb_mod.parameters()) + objective.objective_parameters()
    torch.manual_seed(cfg.seed)  # same dropout masks in every round and variant
    emb_mod.train()
    objective.train()
    buf = torch.zeros(total, device=device)
    for step, index in enumerate(batches):
        if step == cfg.warmup:
            sync(device)
            start = time.perf_counter()
        buf[step] = train_step(emb_mod, objective, opt, sched, index, side.targets, params,
                               side.run_cfg.grad_clip, step=step + 1)
    sync(device)
    seconds = time.perf_counter() - start
    measured = batch_shapes(side.tokens, batches[cfg.warmup:])
    return {"seconds": seconds, "steps": cfg.steps, "examples": sum(s[0] for s in measured),
            "shapes": measured, "losses": buf.cpu().tolist()}
