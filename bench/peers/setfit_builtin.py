"""SetFit's "builtin" backend: the paper's procedure on the suite's own encoder loading and
tokenisation (the procedure and both backends: bench.peers.setfit), for environments without
the setfit package and for the tests: its pair sampling and its pair fine-tuning.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from bench.errors import DataError
from bench.peers.setfit import Fitted, SetFitOptions


def contrastive_pairs(labels: np.ndarray, *, iterations: int,
                      seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left rows, right rows, target 1/0) of R x N positive and R x N negative pairs,
    alternating positive and negative, as setfit's ContrastiveDataset(num_iterations=R)."""
    i, j = np.triu_indices(len(labels))
    order = np.random.default_rng(seed).permutation(len(i))
    i, j = i[order], j[order]
    same = labels[i] == labels[j]
    if same.all():
        raise DataError(f"SetFit needs at least two classes in the training set, but got "
                        f"{len(np.unique(labels))}")
    n = iterations * len(labels)
    picks = np.stack([np.resize(np.flatnonzero(same), n), np.resize(np.flatnonzero(~same), n)],
                     axis=1).ravel()  # np.resize repeats cyclically, like setfit's cycling
    return i[picks], j[picks], same[picks].astype(np.float32)


def _schedule(steps: int, warmup_ratio: float) -> Callable[[int], float]:
    warmup = max(1, int(warmup_ratio * steps))
    return lambda s: (s + 1) / warmup if s < warmup else max(0.0, (steps - s) / max(1, steps - warmup))


def train_builtin(texts, labels: np.ndarray, cfg, opts: SetFitOptions, device: torch.device,
                  progress: bool) -> Fitted:
    from sklearn.linear_model import LogisticRegression

    from bench.batching import tokenize
    from bench.embedders import autocast, encode_tokens
    from bench.encoders import Encoder, load_backbone
    from bench.optim import adamw_kernel

    tokenizer, model = load_backbone(cfg.encoder, trust_remote_code=cfg.trust_remote_code)
    encoder = Encoder(model, pooling=cfg.pooling).to(device)
    tokens = tokenize(texts, tokenizer, cfg.max_length)
    left, right, target = contrastive_pairs(labels, iterations=opts.iterations, seed=cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    batches = [b for _ in range(opts.epochs) for b in np.array_split(
        rng.permutation(len(left)), math.ceil(len(left) / opts.batch_size))]
    params = [p for p in encoder.parameters() if p.requires_grad]
    # transformers' Trainer decays matrices only (not biases, not LayerNorm weights)
    groups = [{"params": [p for p in params if p.ndim >= 2], "weight_decay": opts.weight_decay},
              {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=opts.lr, **adamw_kernel(device))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _schedule(len(batches), opts.warmup_ratio))
    losses = torch.zeros(len(batches))
    start = time.perf_counter()
    encoder.train()
    for step, b in enumerate(tqdm(batches, desc="setfit pairs", unit="batch", leave=False,
                                  disable=not progress, mininterval=1.0)):
        # both sides in one forward pass: the attention mask keeps the padding out
        batch = tokens.batch(np.concatenate([left[b], right[b]]))
        with autocast(device, cfg.amp, cfg.cpu_bf16):
            emb = encoder(**{k: v.to(device) for k, v in batch.items()}).float()
        cos = F.cosine_similarity(emb[:len(b)], emb[len(b):])
        loss = F.mse_loss(cos, torch.from_numpy(target[b]).to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)  # transformers' Trainer default
        opt.step()
        sched.step()
        losses[step] = loss.detach().cpu()

    def embed(items: Sequence[str], desc: str) -> np.ndarray:
        out = encode_tokens(encoder, tokenize(list(items), tokenizer, cfg.max_length),
                            batch_size=cfg.eval_batch_size, device=device, amp=cfg.amp,
                            desc=desc, progress=progress, cpu_bf16=cfg.cpu_bf16)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    head = LogisticRegression().fit(embed(texts, "embed train"), labels)
    return Fitted(embed, head, time.perf_counter() - start, len(left), len(batches),
                  float(losses.mean()))
