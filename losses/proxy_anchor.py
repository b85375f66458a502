"""Proxy-Anchor loss (Kim et al., CVPR 2020) with a multi-hot positive-proxy mask."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._checks import check_embeddings, require
from .base import Objective, SearchParam
from .registry import register


def log1p_sum_exp(x: Tensor, keep: Tensor, dim: int) -> Tensor:
    """log(1 + sum over kept entries of exp(x)); 0 where nothing is kept, gradient never NaN."""
    x = x.masked_fill(~keep, float("-inf"))
    zeros = torch.zeros_like(x.select(dim, 0)).unsqueeze(dim)
    return torch.logsumexp(torch.cat([x, zeros], dim=dim), dim=dim)


@register
class ProxyAnchor(Objective):
    """Proxy-Anchor loss: one learnable proxy per class, each proxy is an anchor.

    Needs: nothing special from the batch; proxies absent from it only get the negative term.
    Inputs: raw (N, D) embeddings (L2-normalised here, as are the proxies); int64 (N,) class
    ids, or (N, C) multi-hot: a proxy is positive for an example iff it carries that label.
    Loss: 1/|P+| sum_{p in P+} log(1 + sum_{x in X_p+} exp(-alpha (s(x,p) - margin)))
    + 1/C sum_p log(1 + sum_{x in X_p-} exp(alpha (s(x,p) + margin))), s = cosine similarity,
    P+ = proxies with a positive in the batch. Equals pytorch-metric-learning's ProxyAnchorLoss.
    A multi-label row with no label (all-zero target) is in every proxy's X_p- and no X_p+: it
    adds only negative terms; in a batch of only such rows P+ is empty and the first sum is 0.
    Prediction: `scores` = cosine similarity to each proxy.
    Reference: Kim et al., "Proxy Anchor Loss for Deep Metric Learning", CVPR 2020; defaults
    (margin 0.1, alpha 32, proxy lr x100, kaiming-normal fan_out init) follow the official code.
    """

    name = "proxy_anchor"
    defaults = {"margin": 0.1, "alpha": 32.0, "lr_multiplier": 100.0}
    search_space = {
        "margin": SearchParam(0.0, 0.5),
        "alpha": SearchParam(4.0, 64.0, log=True),
        "lr_multiplier": SearchParam(1.0, 1000.0, log=True),
    }

    def __init__(self, *, num_classes: int, embedding_dim: int, multi_label: bool, **hparams):
        super().__init__(
            num_classes=num_classes, embedding_dim=embedding_dim, multi_label=multi_label, **hparams
        )
        require(type(self).__name__, "margin", self.margin, minimum=0.0, strict=False)
        require(type(self).__name__, "alpha", self.alpha, minimum=0.0, strict=True)
        self.proxies = nn.Parameter(torch.empty(num_classes, embedding_dim))
        nn.init.kaiming_normal_(self.proxies, mode="fan_out")

    def compute_loss(self, embeddings: Tensor, targets: Tensor) -> Tensor:
        cos = F.normalize(embeddings, dim=1) @ F.normalize(self.proxies, dim=1).T  # (N, C)
        pos = self.label_mask(targets)
        pos_term = log1p_sum_exp(-self.alpha * (cos - self.margin), pos, dim=0)  # (C,)
        neg_term = log1p_sum_exp(self.alpha * (cos + self.margin), ~pos, dim=0)
        num_pos_proxies = pos.any(dim=0).sum().clamp(min=1)
        return pos_term.sum() / num_pos_proxies + neg_term.sum() / self.num_classes

    def scores(self, embeddings: Tensor) -> Tensor:
        check_embeddings(embeddings, self.embedding_dim)
        return F.normalize(embeddings.float(), dim=1) @ F.normalize(self.proxies, dim=1).T

    def class_vectors(self) -> Tensor:
        return self.proxies
