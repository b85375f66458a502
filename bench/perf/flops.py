"""Matmul peak of this machine and analytic FLOPs of a BERT training step.

Training FLOPs of one batch of B rows padded to width L (all tokens are computed, pads too):
    6 * P * B * L            linear layers: 2 FLOPs per weight per token forward, 4 backward
  + 12 * n_layers * h * B * L^2   attention scores QK^T and weights x V: 2 * 2*B*L^2*h forward,
                                   twice that backward
where P counts the weights of every nn.Linear inside the encoder layers (Q, K, V, output,
both FFN matrices) and h is the hidden size. Embeddings, layer norms, softmax, pooling and
the classifier head are left out (well under 1% for MiniLM), so the share is a lower bound.
"""

from __future__ import annotations

import time

import torch
from torch import nn


def encoder_dims(backbone: nn.Module) -> dict:
    linear = sum(m.weight.numel() for m in backbone.encoder.modules() if isinstance(m, nn.Linear))
    return {"linear_params": linear, "layers": backbone.config.num_hidden_layers,
            "hidden": backbone.config.hidden_size}


def train_flops(dims: dict, shapes: list[tuple[int, int, int]]) -> float:
    """FLOPs of the training steps whose batches had these (rows, width, real tokens)."""
    tokens = sum(b * w for b, w, _ in shapes)
    attention = sum(b * w * w for b, w, _ in shapes)
    return 6.0 * dims["linear_params"] * tokens + 12.0 * dims["layers"] * dims["hidden"] * attention


def matmul_peak(device: torch.device, *, size: int = 2048, reps: int = 8,
                dtype: torch.dtype = torch.float32) -> dict:
    """Best GFLOP/s of a size x size matmul over `reps` timed repetitions (after one warm-up)."""
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    best = float("inf")
    for i in range(reps + 1):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        torch.matmul(a, b)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if i:
            best = min(best, time.perf_counter() - start)
    return {"size": size, "reps": reps, "dtype": str(dtype).removeprefix("torch."),
            "gflops": 2.0 * size**3 / best / 1e9}


def step_gflops(dims: dict, side: dict, peak: float) -> dict:
    flops = train_flops(dims, side["shapes"])
    rate = flops / side["seconds"] / 1e9
    return {"gflop_per_step": flops / side["steps"] / 1e9, "gflops": rate,
            "share_of_peak": rate / peak}
