"""Does the faster loop learn as well? One pass over the perf texts, then dev macro-F1.

Both sides start from the same weights and train one epoch over the same texts with the
same hyperparameters (bench's fine-tune defaults: lr, 10% linear warm-up then linear decay,
weight decay, gradient clipping 1.0, batch size, max length) and classify the same dev texts
by the argmax of their softmax classifier. What still differs is what each side is: bench's
loop (length-bucketed batches, fused AdamW, mean pooling + linear classifier) and the
Trainer (random order, [CLS] pooler + dropout + linear classifier). The paired bootstrap
interval of the dev macro-F1 difference (bench - Trainer) measures the evaluation noise.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import torch

from bench.batching import tokenize
from bench.embedders import autocast, encode_tokens
from bench.perf.common import PerfConfig, PerfData, load_texts


def macro_f1(pred: np.ndarray, gold: np.ndarray, n_classes: int) -> float:
    """Macro-F1 over the classes present in gold or pred, as sklearn's default labels."""
    conf = np.bincount(gold * n_classes + pred, minlength=n_classes**2).reshape(n_classes, -1)
    tp, support, predicted = np.diag(conf), conf.sum(1), conf.sum(0)
    present = (support + predicted) > 0
    f1 = 2 * tp / np.maximum(support + predicted, 1)
    return float(f1[present].mean())


def paired_bootstrap(a: np.ndarray, b: np.ndarray, gold: np.ndarray, n_classes: int, *,
                     reps: int = 1000, seed: int = 0) -> list[float]:
    """95% interval of macro_f1(a) - macro_f1(b) over dev examples resampled together."""
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(reps):
        i = rng.integers(0, len(gold), len(gold))
        diffs.append(macro_f1(a[i], gold[i], n_classes) - macro_f1(b[i], gold[i], n_classes))
    return [float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))]


def bench_predictions(side, dev: PerfData, cfg: PerfConfig) -> np.ndarray:
    tokens = tokenize(dev.texts, side.tokenizer, cfg.max_length)
    emb = encode_tokens(side.embedder.encoder, tokens, batch_size=128, device=side.embedder.device,
                        amp=cfg.amp, cpu_bf16=cfg.cpu_bf16, progress=False)
    with torch.inference_mode():
        scores = side.objective.scores(torch.from_numpy(emb).to(side.embedder.device))
    return scores.argmax(1).cpu().numpy()


@torch.inference_mode()
def hf_predictions(hf, dev: PerfData, cfg: PerfConfig, device: torch.device) -> np.ndarray:
    from transformers import DataCollatorWithPadding

    collate = DataCollatorWithPadding(hf.tokenizer)
    enc = hf.tokenizer(list(dev.texts), truncation=True, max_length=cfg.max_length)
    rows = [{k: v[i] for k, v in enc.items()} for i in range(len(dev.texts))]
    hf.model.eval()
    out = []
    for start in range(0, len(rows), 128):
        batch = {k: v.to(device) for k, v in collate(rows[start:start + 128]).items()}
        with autocast(device, cfg.amp, cfg.cpu_bf16):
            out.append(hf.model(**batch).logits.float().argmax(1).cpu())
    return torch.cat(out).numpy()


def measure_quality(side, hf, data: PerfData, cfg: PerfConfig, device: torch.device) -> dict:
    from bench.batching import training_batches
    from bench.perf.train_bench import run_bench
    from bench.perf.train_hf import run_hf

    dev = load_texts(cfg, "dev", cfg.quality_dev_texts)
    n_steps = len(training_batches(data.labels, side.tokens.lengths, cfg.batch_size, 1,
                                   np.random.default_rng(cfg.seed)))
    epoch = dataclasses.replace(cfg, warmup=1, steps=n_steps - 1)  # one pass, all steps timed
    rc = side.run_cfg
    # warmup_steps below 1 is a ratio of the steps in transformers 5
    same = {"learning_rate": rc.lr, "warmup_steps": rc.warmup_ratio,
            "weight_decay": rc.weight_decay, "max_grad_norm": rc.grad_clip}
    out = {"train_texts": len(data.texts), "dev_texts": len(dev.texts), "steps": n_steps,
           "hyperparameters": same}
    preds = {}
    for name, train, predict in (
            ("bench", lambda: run_bench(side, epoch), lambda: bench_predictions(side, dev, cfg)),
            ("trainer", lambda: run_hf(hf, epoch, device, same),
             lambda: hf_predictions(hf, dev, cfg, device))):
        start = time.perf_counter()
        timed = train()
        seconds = time.perf_counter() - start
        preds[name] = predict()
        out[name] = {"dev_macro_f1": macro_f1(preds[name], dev.labels, dev.num_classes),
                     "epoch_seconds": seconds,
                     "examples_per_second": timed["examples"] / timed["seconds"]}
    out["difference"] = out["bench"]["dev_macro_f1"] - out["trainer"]["dev_macro_f1"]
    out["difference_ci95"] = paired_bootstrap(preds["bench"], preds["trainer"], dev.labels,
                                              dev.num_classes, seed=cfg.seed)
    return out
