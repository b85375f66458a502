"""SetFit (Tunstall et al. 2022, "Efficient Few-Shot Learning Without Prompts") as a peer.

The procedure: (1) fine-tune the sentence encoder on text pairs generated from the labelled
examples, R iterations (default 20) of one positive pair (same label) and one negative pair
(different labels) per example, with a cosine-similarity loss (MSE between the cosine of
the two embeddings and 1 or 0), 1 epoch, lr 2e-5, batch 16 pairs, linear warm-up over 10%
of the steps then linear decay, weight decay 0.01 (setfit's l2_weight; not on biases and
LayerNorm weights, as transformers' Trainer), gradient clipping 1.0; (2) fit a logistic regression (scikit-learn defaults) on the
embeddings of the training texts; predict with it (argmax of its probabilities).

Two backends, both recorded in the run's config:
- "setfit": the `setfit` package itself (`pip install '.[peers]'`; setfit 1.2 works with
  this project's torch and transformers), given `num_iterations=R`, which switches it to
  the paper's R-iterations pair sampling. The encoder folder is loaded by SetFit
  (sentence-transformers), its maximum length set to the suite's --max-length.
- "builtin": this module's implementation of the same procedure on the suite's own encoder
  loading (bench.encoders) and tokenisation, for environments without the package and for
  the tests. Pairs follow setfit's ContrastiveDataset with num_iterations: every pair
  (i, j), i <= j, of training rows (so (i, i) is a positive), positives and negatives each
  cycled to R x N pairs, in a seeded order; embeddings are L2-normalised before the
  logistic regression, as all-MiniLM-L6-v2's sentence-transformers pipeline does.
Single-label data only (the multi-label variant is not implemented).
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from bench.errors import BenchError, DataError

BACKENDS = ("setfit", "builtin")
INSTALL_HINT = ("pip install '.[peers]' (the setfit package), or use --backend builtin "
                "(this suite's implementation of the same procedure)")


@dataclass(frozen=True)
class SetFitOptions:
    """SetFit's published defaults; the run record states every value."""

    iterations: int = 20  # R: pair-generation iterations (one positive, one negative each)
    epochs: int = 1
    lr: float = 2e-5
    batch_size: int = 16  # pairs per step
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01  # setfit's l2_weight, passed to the encoder's AdamW
    backend: str = "setfit"

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, but got {self.backend=}")
        for name in ("iterations", "epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, but got {name}={getattr(self, name)}")
        if not self.lr > 0 or not 0 <= self.warmup_ratio < 1:
            raise ValueError(f"need lr > 0 and 0 <= warmup_ratio < 1, but got {self.lr=}, "
                             f"{self.warmup_ratio=}")

    def changed(self) -> dict:
        """The options that differ from the defaults (they label the report's rows)."""
        default = SetFitOptions()
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if getattr(self, f.name) != getattr(default, f.name)}


@dataclass
class Fitted:
    embed: Callable[[Sequence[str], str], np.ndarray]  # (texts, bar label) -> embeddings
    head: object  # a fitted sklearn LogisticRegression
    train_seconds: float
    pairs: int
    steps: int
    mean_loss: float | None  # None where the package keeps it to itself


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


def train_package(texts, labels: np.ndarray, cfg, opts: SetFitOptions, device: torch.device,
                  progress: bool) -> Fitted:
    try:
        from datasets import Dataset
        from setfit import SetFitModel, Trainer, TrainingArguments
    except ImportError as exc:
        raise BenchError(f"--backend setfit needs the setfit package ({exc}): "
                         f"{INSTALL_HINT}") from None
    from transformers.trainer_callback import ProgressCallback

    from bench.encoders import resolve_source

    model = SetFitModel.from_pretrained(resolve_source(cfg.encoder), device=str(device),
                                        trust_remote_code=cfg.trust_remote_code)
    model.model_body.max_seq_length = cfg.max_length  # the suite's input length, not 256
    data = Dataset.from_dict({"text": list(texts), "label": labels.tolist()})
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(output_dir=tmp, batch_size=opts.batch_size,
                                 num_epochs=opts.epochs, num_iterations=opts.iterations,
                                 body_learning_rate=opts.lr, warmup_proportion=opts.warmup_ratio,
                                 l2_weight=opts.weight_decay, seed=cfg.seed, report_to="none",
                                 save_strategy="no", show_progress_bar=progress,
                                 logging_strategy="steps" if progress else "no",
                                 logging_first_step=progress)
        trainer = Trainer(model=model, args=args, train_dataset=data)
        if not progress:  # --quiet: the step bar is a callback the trainer made at init
            trainer.st_trainer.remove_callback(ProgressCallback)
        start = time.perf_counter()
        trainer.train()  # pair fine-tuning, then the logistic regression
        seconds = time.perf_counter() - start
    pairs = 2 * opts.iterations * len(labels)

    def embed(items: Sequence[str], desc: str) -> np.ndarray:
        return np.asarray(model.model_body.encode(list(items), batch_size=cfg.eval_batch_size,
                                                  show_progress_bar=progress, convert_to_numpy=True))

    return Fitted(embed, model.model_head, seconds, pairs,
                  opts.epochs * math.ceil(pairs / opts.batch_size), None)


def train(texts, labels: np.ndarray, cfg, opts: SetFitOptions, device: torch.device, *,
          progress: bool = True) -> Fitted:
    fit = train_package if opts.backend == "setfit" else train_builtin
    return fit(texts, labels, cfg, opts, device, progress)
