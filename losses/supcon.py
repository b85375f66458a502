"""Supervised contrastive loss (Khosla et al., NeurIPS 2020) with multi-label positives."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ._checks import require
from .base import Objective, SearchParam, pair_masks
from .registry import register


@register
class SupCon(Objective):
    """Supervised contrastive loss on L2-normalised embeddings.

    Needs: at least two examples per class in a batch (`samples_per_class = 2`); anchors
    without a positive are left out of the mean, and a batch without any positive pair gives
    a zero loss that is still connected to the graph.
    Inputs: raw (N, D) embeddings; int64 (N,) class ids, or (N, C) multi-hot: a positive
    shares at least one label with the anchor. So a multi-label row with no label (all-zero
    target) is never an anchor or a positive; it stays in other anchors' denominators.
    Loss: per anchor i, -1/|P(i)| sum_{p in P(i)} log( exp(s_ip / t) / sum_{k != i} exp(s_ik / t) ),
    s = cosine similarity, t = temperature; mean over anchors with |P(i)| > 0. Equals PML's
    SupConLoss, except that PML returns 0 for a batch without any negative pair.
    Prediction: `scores` = cosine similarity to class centroids (call `fit_centroids` first).
    Reference: Khosla et al., "Supervised Contrastive Learning", NeurIPS 2020 (L_out variant);
    temperature default 0.1 as in PML.
    """

    name = "supcon"
    defaults = {"temperature": 0.1, "lr_multiplier": 1.0}
    search_space = {"temperature": SearchParam(0.01, 1.0, log=True)}
    uses_centroids = True
    samples_per_class = 2

    def __init__(self, *, num_classes: int, embedding_dim: int, multi_label: bool, **hparams):
        super().__init__(
            num_classes=num_classes, embedding_dim=embedding_dim, multi_label=multi_label, **hparams
        )
        require(type(self).__name__, "temperature", self.temperature, minimum=0.0, strict=True)

    def compute_loss(self, embeddings: Tensor, targets: Tensor) -> Tensor:
        x = F.normalize(embeddings, dim=1)
        logits = (x @ x.T) / self.temperature
        pos, _ = pair_masks(self.label_mask(targets))
        self_mask = torch.eye(len(x), dtype=torch.bool, device=x.device)
        # Finite fill (not -inf) for self: a 1-example batch must not yield logsumexp([-inf]).
        denom = torch.logsumexp(logits.masked_fill(self_mask, -1e9), dim=1)
        # mean over P(i) of (s_ip/t - denom_i) = sum_p w_ip s_ip/t - denom_i with w = 1/|P(i)|:
        # no (N, N) log-probability matrix, forward or backward
        num_pos = pos.sum(dim=1)
        has_pos = num_pos > 0
        weights = pos.to(logits.dtype) / num_pos.clamp(min=1).unsqueeze(1)
        per_anchor = (logits * weights).sum(dim=1) - denom
        return -(per_anchor * has_pos).sum() / has_pos.sum().clamp(min=1)
