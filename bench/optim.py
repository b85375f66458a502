"""AdamW with bench's parameter groups and schedule, shared by the loop and the perf harness."""

from __future__ import annotations

import torch

from bench.config import RunConfig


def adamw_kernel(device: torch.device) -> dict:
    # fused: one pass over params, grads and moments; the MiniLM step ran 1.28x faster than
    # with foreach on CPU, losses equal (results/perf/cpu-fp32.json, `--levers foreach`)
    return {"fused": True} if device.type in ("cpu", "cuda") else {"foreach": True}


def make_optimizer(embedder, objective, cfg: RunConfig, steps: int):
    groups = [{"params": [p for p in embedder.parameters() if p.requires_grad],
               "lr": cfg.lr, "weight_decay": cfg.weight_decay}]
    own = objective.objective_parameters()
    if own:
        groups.append({"params": own, "lr": cfg.lr * objective.lr_multiplier, "weight_decay": 0.0})
    opt = torch.optim.AdamW(groups, lr=cfg.lr, **adamw_kernel(groups[0]["params"][0].device))
    warmup = max(1, int(cfg.warmup_ratio * steps))

    def schedule(step: int) -> float:  # linear warm-up, then linear decay to zero
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (steps - step) / max(1, steps - warmup))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, schedule)
