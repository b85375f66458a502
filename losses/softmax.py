"""Linear classifier on raw embeddings: cross-entropy, or sigmoid + BCE for multi-label."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from ._checks import check_embeddings
from .base import Objective, SearchParam
from .registry import register


@register
class Softmax(Objective):
    """Softmax (linear classifier) baseline.

    Needs: nothing special from the batch (any class mix works).
    Inputs: raw (N, D) embeddings; int64 (N,) class ids, or (N, C) multi-hot if `multi_label`.
    Loss: cross-entropy on `W x + b`; multi-label uses independent sigmoids with binary
    cross-entropy averaged over N*C (`BCEWithLogitsLoss` default), so one-hot multi-label
    targets do NOT give the single-label value (sigmoid vs softmax normalisation).
    A multi-label row with no label (all-zero target) is a negative for every class.
    Prediction: `scores` are the logits (argmax, or logit > 0 for multi-label).
    Reference: the standard fine-tuning head, e.g. Devlin et al., "BERT", NAACL 2019.
    """

    name = "softmax"
    defaults = {"lr_multiplier": 1.0}
    search_space = {"lr_multiplier": SearchParam(1.0, 100.0, log=True)}

    def __init__(self, *, num_classes: int, embedding_dim: int, multi_label: bool, **hparams):
        super().__init__(
            num_classes=num_classes, embedding_dim=embedding_dim, multi_label=multi_label, **hparams
        )
        self.classifier = nn.Linear(embedding_dim, num_classes)

    def compute_loss(self, embeddings: Tensor, targets: Tensor) -> Tensor:
        logits = self.classifier(embeddings)
        if self.multi_label:
            return F.binary_cross_entropy_with_logits(logits, targets.to(logits.dtype))
        return F.cross_entropy(logits, targets)

    def scores(self, embeddings: Tensor) -> Tensor:
        check_embeddings(embeddings, self.embedding_dim)
        return self.classifier(embeddings.float())

    def class_vectors(self) -> Tensor:
        return self.classifier.weight
