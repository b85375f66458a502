"""Circle loss as an emotion-bench objective: the worked example of a plugin.

Installed (`pip install ./examples/circle_loss`) it loads through its entry point; as a
single file it loads with `--plugin examples/circle_loss/circle_loss.py`. It uses only the
plugin API: `from losses import Objective, SearchParam, register`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from losses import Objective, SearchParam, register

__version__ = "0.1.0"


@register
class CircleLoss(Objective):
    """Circle loss on cosine similarity of L2-normalised embeddings, all pairs of a batch.

    Needs: at least two examples per class in a batch (`samples_per_class = 2`); an anchor
    without a positive or without a negative is left out, and a batch without any such
    anchor gives a zero loss that is still connected to the graph. No parameters of its own.
    Inputs: raw (N, D) embeddings; int64 (N,) class ids, or (N, C) multi-hot: a positive
    shares at least one label with the anchor, a negative shares none.
    Loss: per anchor, softplus(logsumexp_p(-gamma a_p (s_p - (1 - m)))
    + logsumexp_n(gamma a_n (s_n - m))) with a_p = relu(1 + m - s_p), a_n = relu(s_n + m)
    (weights not back-propagated), averaged over the anchors with a non-zero loss
    (PML's AvgNonZeroReducer, so values equal PML's CircleLoss). m = `margin`.
    Prediction: `scores` = cosine similarity to class centroids (call `fit_centroids` first).
    Reference: Sun et al., "Circle Loss: A Unified Perspective of Pair Similarity
    Optimization", CVPR 2020; defaults m = 0.4, gamma = 80 as in PML (the paper's setting
    for fine-grained retrieval).
    """

    name = "circle"
    defaults = {"margin": 0.4, "gamma": 80.0, "lr_multiplier": 1.0}
    search_space = {
        "margin": SearchParam(0.1, 0.5),
        "gamma": SearchParam(16.0, 256.0, log=True),
    }
    uses_centroids = True
    samples_per_class = 2

    def __init__(self, *, num_classes: int, embedding_dim: int, multi_label: bool, **hparams):
        super().__init__(
            num_classes=num_classes, embedding_dim=embedding_dim, multi_label=multi_label, **hparams
        )
        for key in ("margin", "gamma"):
            value = getattr(self, key)
            if not value > 0:
                raise ValueError(f"CircleLoss: {key} must be > 0 but got {key}={value}")

    def compute_loss(self, embeddings: Tensor, targets: Tensor) -> Tensor:
        x = F.normalize(embeddings, dim=1)
        sim = x @ x.T
        m = self.label_mask(targets).float()
        shared = (m @ m.T) > 0
        not_self = ~torch.eye(len(x), dtype=torch.bool, device=x.device)
        pos, neg = shared & not_self, ~shared & not_self
        # the weights a_p, a_n are constants in the paper's gradient (PML detaches them too)
        alpha_p = F.relu(1 + self.margin - sim.detach())
        alpha_n = F.relu(sim.detach() + self.margin)
        logit_p = -self.gamma * alpha_p * (sim - (1 - self.margin))
        logit_n = self.gamma * alpha_n * (sim - self.margin)
        # a finite fill, not -inf: a row without positives must not give logsumexp([-inf])
        lse_p = torch.logsumexp(logit_p.masked_fill(~pos, -1e9), dim=1)
        lse_n = torch.logsumexp(logit_n.masked_fill(~neg, -1e9), dim=1)
        valid = pos.any(dim=1) & neg.any(dim=1)
        losses = F.softplus(lse_p + lse_n) * valid
        nonzero = losses > 0
        # sum * 0 when nothing is non-zero: a finite zero that keeps a grad_fn to embeddings
        return (losses * nonzero).sum() / nonzero.sum().clamp(min=1) + sim.sum() * 0
