"""Training objectives on embeddings: `losses.build(name, num_classes=..., ...)`.

Importing the package registers the five built-in objectives.
"""

from . import proxy_anchor, proxy_nca, softmax, supcon, triplet  # noqa: F401  (registration)
from .base import Objective, SearchParam
from .registry import build, get, names, register

__all__ = ["Objective", "SearchParam", "build", "get", "names", "register"]
