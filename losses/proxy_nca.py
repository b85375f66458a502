"""Proxy-NCA loss (Movshovitz-Attias et al., ICCV 2017) with a multi-hot positive-proxy mask."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._checks import check_embeddings, require
from .base import Objective, SearchParam
from .registry import register


@register
class ProxyNCA(Objective):
    """Proxy-NCA loss: softmax over (scaled) distances to one learnable proxy per class.

    Needs: nothing special from the batch.
    Inputs: raw (N, D) embeddings; both embeddings and proxies are L2-normalised; int64 (N,)
    class ids, or (N, C) multi-hot targets.
    Loss: per example -log( sum_{p in P+} exp(-scale d(x,p)) / sum_p exp(-scale d(x,p)) ),
    d = squared Euclidean distance, P+ = the example's labels; mean over all examples.
    A multi-label row with no label (all-zero target) has no positive term: it adds only the
    negative term log sum_p exp(-scale d(x,p)), which pushes it away from every proxy (this
    term, and so the loss, can be negative); a batch of only such rows stays finite.
    With one label this is exactly pytorch-metric-learning's ProxyNCALoss (LpDistance(power=2),
    normalised, `softmax_scale` default 1, same name and default as PML; the paper has no scale).
    Prediction: `scores` = cosine similarity to each proxy (same ranking as -d).
    Reference: Movshovitz-Attias et al., "No Fuss Distance Metric Learning using Proxies",
    ICCV 2017.
    """

    name = "proxy_nca"
    defaults = {"softmax_scale": 1.0, "lr_multiplier": 1.0}
    search_space = {
        "softmax_scale": SearchParam(1.0, 64.0, log=True),
        "lr_multiplier": SearchParam(1.0, 1000.0, log=True),
    }

    def __init__(self, *, num_classes: int, embedding_dim: int, multi_label: bool, **hparams):
        super().__init__(
            num_classes=num_classes, embedding_dim=embedding_dim, multi_label=multi_label, **hparams
        )
        require(type(self).__name__, "softmax_scale", self.softmax_scale, minimum=0.0, strict=True)
        self.proxies = nn.Parameter(torch.empty(num_classes, embedding_dim))
        nn.init.kaiming_normal_(self.proxies, mode="fan_out")  # PML's default init

    def compute_loss(self, embeddings: Tensor, targets: Tensor) -> Tensor:
        # Unit vectors: |x - p|^2 = 2 - 2 cos; avoids cdist's non-smooth sqrt at d = 0.
        cos = F.normalize(embeddings, dim=1) @ F.normalize(self.proxies, dim=1).T
        sq_dist = (2 - 2 * cos).clamp(min=0)
        logits = -self.softmax_scale * sq_dist
        log_partition = torch.logsumexp(logits, dim=1)  # the negative term: every proxy
        log_prob = logits - log_partition.unsqueeze(1)
        pos = self.label_mask(targets)
        has_pos = pos.any(dim=1)
        # A label-less row keeps every proxy in the positive part, -log(sum of all probs) = 0
        # (masking them all to -inf would give a NaN gradient), and then gets the negative
        # term alone: the log-partition over proxies that are all its negatives.
        keep = pos | ~has_pos.unsqueeze(1)
        per_example = -torch.logsumexp(log_prob.masked_fill(~keep, float("-inf")), dim=1)
        return (per_example + log_partition * ~has_pos).mean()

    def scores(self, embeddings: Tensor) -> Tensor:
        check_embeddings(embeddings, self.embedding_dim)
        return F.normalize(embeddings.float(), dim=1) @ F.normalize(self.proxies, dim=1).T

    def class_vectors(self) -> Tensor:
        return self.proxies
