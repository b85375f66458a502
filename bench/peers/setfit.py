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
  (sentence-transformers), its maximum length set to the suite's --max-length
  (bench.peers.setfit_package).
- "builtin": this suite's implementation of the same procedure on the suite's own encoder
  loading (bench.encoders) and tokenisation, for environments without the package and for
  the tests. Pairs follow setfit's ContrastiveDataset with num_iterations: every pair
  (i, j), i <= j, of training rows (so (i, i) is a positive), positives and negatives each
  cycled to R x N pairs, in a seeded order; embeddings are L2-normalised before the
  logistic regression, as all-MiniLM-L6-v2's sentence-transformers pipeline does
  (bench.peers.setfit_builtin).
Single-label data only (the multi-label variant is not implemented). This module holds
what both backends share: the options, the fitted result and the choice of backend.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

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


def train(texts, labels: np.ndarray, cfg, opts: SetFitOptions, device: torch.device, *,
          progress: bool = True) -> Fitted:
    # imported here, not at the top: each backend imports this module for SetFitOptions
    # and Fitted, and only the chosen one need be imported
    if opts.backend == "setfit":
        from bench.peers.setfit_package import train_package as fit
    else:
        from bench.peers.setfit_builtin import train_builtin as fit
    return fit(texts, labels, cfg, opts, device, progress)
