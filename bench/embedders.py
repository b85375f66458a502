"""What turns examples into embeddings during training: a fine-tuned encoder, or a small
head over cached frozen-encoder embeddings. Both expose the same three methods."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from bench.batching import TokenizedTexts, length_groups, sorted_batches
from bench.encoders import Encoder
from bench.packing import can_pack, pack, packed_forward


def autocast_dtype(device: torch.device, enabled: bool, cpu_bf16: bool = False):
    """The half-precision dtype autocast uses, or None for full precision: on CUDA when
    `enabled`, on CPU only when asked (`cpu_bf16`)."""
    if enabled and device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if cpu_bf16 and device.type == "cpu":
        return torch.bfloat16
    return None


def autocast(device: torch.device, enabled: bool, cpu_bf16: bool = False):
    dtype = autocast_dtype(device, enabled, cpu_bf16)
    if dtype is None:
        return torch.autocast(device.type, enabled=False)
    return torch.autocast(device.type, dtype=dtype)


@torch.inference_mode()
def encode_tokens(encoder: Encoder, tokens: TokenizedTexts, *, batch_size: int,
                  device: torch.device, amp: bool = True, pooled_only: bool = False,
                  desc: str = "encode", index: np.ndarray | None = None,
                  progress: bool = True, cpu_bf16: bool = False) -> np.ndarray:
    """Embed texts in longest-first batches (little padding), returned in input order."""
    was_training = encoder.training
    encoder.eval()
    index = np.arange(len(tokens)) if index is None else index
    out = np.empty((len(index), encoder.backbone.config.hidden_size if pooled_only
                    else encoder.output_dim), dtype=np.float32)
    bar = tqdm(total=len(index), desc=desc, unit="ex", leave=False, mininterval=1.0,
               disable=not progress)
    for rows in sorted_batches(tokens.lengths[index], batch_size):
        batch = {k: v.to(device, non_blocking=True) for k, v in tokens.batch(index[rows]).items()}
        with autocast(device, amp, cpu_bf16):
            hidden = encoder.backbone(**batch).last_hidden_state
            pooled = encoder.pool(hidden, batch["attention_mask"])
            emb = pooled if pooled_only else encoder.head(pooled)
        out[rows] = emb.float().cpu().numpy()
        bar.update(len(rows))
    bar.close()
    encoder.train(was_training)
    return out


class FinetuneEmbedder(nn.Module):
    def __init__(self, encoder: Encoder, tokens: dict[str, TokenizedTexts], *,
                 device: torch.device, eval_batch_size: int, amp: bool, cpu_bf16: bool = False):
        super().__init__()
        self.encoder = encoder
        self.cpu_bf16 = cpu_bf16
        self.progress = True
        self.tokens = tokens
        self.device = device
        self.eval_batch_size = eval_batch_size
        self.amp = amp
        self.split_by_length = False
        self.packing = can_pack(encoder)  # else length groups; benchmarks/length_groups.py

    @property
    def lengths(self) -> np.ndarray:
        return self.tokens["train"].lengths

    def train_embed(self, index: np.ndarray) -> torch.Tensor:
        # split_by_length (set by train() for class-drawn batches on the CPU): pack the texts
        # into rows (bench.packing; GoEmotions SupCon 0.79 -> 0.62 s per batch of 32, one
        # thread), or, for a backbone that cannot be packed, encode groups of similar length
        # apart (bench.batching.length_groups); a GPU pays per pass instead
        if self.split_by_length and self.packing:
            with autocast(self.device, self.amp, self.cpu_bf16):
                return packed_forward(self.encoder, pack(self.tokens["train"], index),
                                      self.device).float()
        groups = length_groups(self.lengths[index]) if self.split_by_length else []
        if len(groups) <= 1:
            return self._train_pass(index)
        out = torch.cat([self._train_pass(index[g]) for g in groups])
        back = torch.from_numpy(np.argsort(np.concatenate(groups))).to(out.device)
        return out[back]

    def _train_pass(self, index: np.ndarray) -> torch.Tensor:
        batch = {k: v.to(self.device, non_blocking=True)
                 for k, v in self.tokens["train"].batch(index).items()}
        with autocast(self.device, self.amp, self.cpu_bf16):
            return self.encoder(**batch).float()

    def embed(self, split: str, index: np.ndarray | None = None) -> torch.Tensor:
        out = encode_tokens(self.encoder, self.tokens[split], batch_size=self.eval_batch_size,
                            device=self.device, amp=self.amp, desc=f"embed {split}", index=index,
                            cpu_bf16=self.cpu_bf16, progress=self.progress)
        return torch.from_numpy(out)


class FrozenEmbedder(nn.Module):
    """An MLP head over cached embeddings; the encoder never runs during training."""

    def __init__(self, features: dict[str, np.ndarray], *, hidden: int, out_dim: int,
                 device: torch.device | None = None, cpu_bf16: bool = False):
        super().__init__()
        self.cpu_bf16 = cpu_bf16
        # a few hundred MB at most: keep them where the head runs, so batches never travel
        self.device = device or torch.device("cpu")
        self.features = {k: torch.from_numpy(v).to(self.device) for k, v in features.items()}
        in_dim = self.features["train"].shape[1]
        self.head = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Linear(hidden, out_dim))
        self.lengths = None
        # train() sets it on either embedder; a head over cached vectors has no lengths to split
        self.split_by_length = False

    def train_embed(self, index: np.ndarray) -> torch.Tensor:
        with autocast(self.device, False, self.cpu_bf16):
            rows = self.features["train"][torch.from_numpy(index).to(self.device)]
            return self.head(rows).float()

    @torch.inference_mode()
    def embed(self, split: str, index: np.ndarray | None = None) -> torch.Tensor:
        x = self.features[split]
        x = x if index is None else x[torch.from_numpy(index).to(self.device)]
        was_training = self.training
        self.eval()
        with autocast(self.device, False, self.cpu_bf16):
            out = torch.cat([self.head(x[i:i + 8192]).float() for i in range(0, len(x), 8192)])
        self.train(was_training)
        return out.cpu()  # torch.cat already made a new tensor
