"""Load a trained run folder and use it: `load_run(path).predict(["so happy!"])`.

Only safetensors and JSON are read (never pickle), Hugging Face code stays off
(trust_remote_code=False), and nothing named in run.json can point outside the run folder.
A plugin objective's run needs its plugin loaded first: `bench.plugins.load_all([...])`.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

import losses
from bench.batching import TokenizedTexts, tokenize
from bench.embedders import autocast, encode_tokens
from bench.encoders import Encoder, load_backbone
from bench.errors import BenchError, RunFolderError
from bench.metrics import AT_LEAST_ONE, MAY_BE_EMPTY
from bench.metrics import predict as predict_rule
from bench.provenance import differs, missing_plugin
from bench.records import read_json
from bench.runfolder import check_manifest, frozen_source, inside, load_tensors


class TrainedModel:
    """A reloaded run: embeddings, class scores and predictions exactly as at training time."""

    def __init__(self, *, run_dir: Path, manifest: dict, encoder: Encoder, tokenizer,
                 head: nn.Module | None, objective, device: torch.device, amp: bool,
                 cpu_bf16: bool = False):
        self.run_dir, self.manifest = run_dir, manifest
        self.encoder, self.tokenizer, self.head, self.objective = encoder, tokenizer, head, objective
        self.device, self.amp, self.cpu_bf16 = device, amp, cpu_bf16
        self.label_names: tuple[str, ...] = tuple(manifest["label_names"])
        self.multi_label: bool = manifest["multi_label"]
        self.max_length: int = manifest["max_length"]
        t = manifest["thresholds"]
        self.thresholds = None if t is None else np.asarray(t, dtype=np.float32)
        # the run's rule: empty predictions only where its training data had rows with no label
        self.multi_label_rule: str | None = manifest.get(
            "multi_label_rule", AT_LEAST_ONE if self.multi_label else None)
        self.allow_empty = self.multi_label_rule == MAY_BE_EMPTY

    def _tokens(self, texts) -> TokenizedTexts:
        if isinstance(texts, str) or not isinstance(texts, (list, tuple)):
            raise TypeError(f"texts must be a list of strings, but got {type(texts).__name__}; "
                            "wrap a single text in a list: [text]")
        bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
        if bad is not None:
            raise TypeError(f"texts[{bad}] must be a str, but got {type(texts[bad]).__name__}")
        # the tokenizer cannot take lone surrogates ("\ud800"); replace them, keep the rest
        clean = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
        tokens = tokenize(clean, self.tokenizer, self.max_length)
        if tokens.truncated:
            n = tokens.truncated
            print(f"note: {n} text{'s were' if n != 1 else ' was'} truncated to "
                  f"{self.max_length} tokens", file=sys.stderr)
        return tokens

    def embed(self, texts, *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """float32 (N, D) embeddings, in input order (longest-first batches inside)."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, but got {batch_size=}")
        if len(texts) == 0:
            return np.zeros((0, self.objective.embedding_dim), np.float32)
        tokens = self._tokens(texts)
        frozen = self.head is not None
        quiet = contextlib.nullcontext() if progress else contextlib.redirect_stderr(io.StringIO())
        with quiet:  # encode_tokens always draws a bar
            out = encode_tokens(self.encoder, tokens, batch_size=batch_size, device=self.device,
                                amp=self.amp, pooled_only=frozen, desc="embed",
                                cpu_bf16=self.cpu_bf16)
        if frozen:  # as FrozenEmbedder.embed did at training time
            with torch.inference_mode(), autocast(self.device, False, self.cpu_bf16):
                out = self.head(torch.from_numpy(out).to(self.device)).float().cpu().numpy()
        return out

    def scores_of(self, embeddings: np.ndarray) -> np.ndarray:
        """(N, C) class scores by the objective's own rule (logits, proxies or centroids)."""
        with torch.inference_mode():
            emb = torch.from_numpy(embeddings).to(self.device)
            return self.objective.scores(emb).float().cpu().numpy()

    def scores(self, texts, *, batch_size: int = 64) -> np.ndarray:
        return self.scores_of(self.embed(texts, batch_size=batch_size))

    def predict_ids(self, texts, *, batch_size: int = 64) -> np.ndarray:
        """Exactly bench.metrics.predict: class ids, or a multi-hot (N, C) array."""
        return predict_rule(self.scores(texts, batch_size=batch_size), self.thresholds,
                            allow_empty=self.allow_empty)

    def predict(self, texts, *, batch_size: int = 64) -> list[dict]:
        scores = self.scores(texts, batch_size=batch_size)
        pred = predict_rule(scores, self.thresholds, allow_empty=self.allow_empty)
        names = self.label_names
        out = []
        for i, text in enumerate(texts):
            ids = np.flatnonzero(pred[i]) if self.multi_label else [int(pred[i])]
            out.append({"text": text, "labels": [names[j] for j in ids],
                        "scores": {n: float(s) for n, s in zip(names, scores[i], strict=True)}})
        return out


def _build(run_dir: Path, m: dict, encoder_override: str | None):
    model_dir = run_dir / "model"
    # before any loading: the record only names its plugin, for the user to load
    if "plugin" in m and m["objective"] not in losses.names():
        why = missing_plugin(m["objective"], m["plugin"])
        raise RunFolderError(f"{model_dir / 'run.json'}: {why}")
    if "plugin" in m and (note := differs(m["objective"], m["plugin"])):
        print(note, file=sys.stderr)
    frozen = m["mode"] == "frozen"
    if frozen:
        name = encoder_override or frozen_source(model_dir / "run.json", m["encoder"])
    else:
        name = str(inside(run_dir, model_dir / "encoder", "the fine-tuned encoder"))
    try:
        # a run folder holds safetensors only: a pickled .bin in it is never loaded
        tokenizer, backbone = load_backbone(name, trust_remote_code=False,
                                            safetensors_only=not frozen)
    except BenchError as exc:
        raise RunFolderError(str(exc)) from None
    except Exception as exc:  # e.g. a damaged config.json or weights file
        raise RunFolderError(f"{name}: cannot load the encoder ({str(exc)[:200]})") from None
    hidden = backbone.config.hidden_size
    encoder = Encoder(backbone, pooling=m["pooling"],
                      embedding_dim=None if frozen else m["embedding_dim"])
    head = None
    if frozen:
        head = nn.Sequential(nn.Linear(hidden, m["head_hidden"]), nn.GELU(),
                             nn.Linear(m["head_hidden"], m["embedding_dim"] or hidden))
        load_tensors(model_dir / "head.safetensors", head, run_dir, "the frozen-mode head")
    elif encoder.projection is not None:
        load_tensors(model_dir / "head.safetensors", encoder.projection, run_dir,
                      "the projection")
    dim = head[-1].out_features if frozen else encoder.output_dim
    try:
        objective = losses.build(m["objective"], num_classes=len(m["label_names"]),
                                 embedding_dim=dim, multi_label=m["multi_label"], **m["hparams"])
    except ValueError as exc:
        raise RunFolderError(f"{model_dir / 'run.json'}: {exc}") from None
    load_tensors(model_dir / "objective.safetensors", objective, run_dir, "the objective")
    return encoder, tokenizer, head, objective


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except RuntimeError:
        raise BenchError(f"device must be auto, cpu, cuda or cuda:N, but got {name!r}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise BenchError(f"device {name!r} asked for, but CUDA is not available; use --device cpu")
    return dev


def load_run(path: str | Path, *, device: str = "auto", encoder: str | None = None
             ) -> TrainedModel:
    """Reload a complete run folder (or its model/ subfolder) for prediction and embedding.

    `encoder` overrides the frozen-mode encoder named in run.json (e.g. a local folder).
    """
    run_dir = Path(path)
    if run_dir.name == "model" and (run_dir / "run.json").is_file():
        run_dir = run_dir.parent
    if not run_dir.is_dir():
        raise RunFolderError(f"{run_dir}: run folder not found; pass the folder that "
                             "`bench run` printed (results/runs/<id>)")
    status = read_json(run_dir / "status.json")
    if not isinstance(status, dict) or status.get("status") != "complete":
        state = status.get("status") if isinstance(status, dict) else status
        why = f" ({status['reason']})" if isinstance(status, dict) and "reason" in status else ""
        raise RunFolderError(f"{run_dir}: the run is not complete (status.json says {state!r}"
                             f"{why}); wait for it to finish, or rerun it")
    if not (run_dir / "model").is_dir():
        raise RunFolderError(f"{run_dir / 'model'} is missing: the run was trained with "
                             "--no-save-model; rerun without --no-save-model to get a model")
    manifest_path = inside(run_dir, run_dir / "model" / "run.json", "the model manifest")
    m = check_manifest(manifest_path, read_json(manifest_path))
    cfg = read_json(run_dir / "config.json") if (run_dir / "config.json").is_file() else {}
    dev = _device(device)
    enc, tokenizer, head, objective = _build(run_dir, m, encoder)
    for module in (enc, head, objective):
        if module is not None:
            module.to(dev).eval()
    return TrainedModel(run_dir=run_dir, manifest=m, encoder=enc, tokenizer=tokenizer, head=head,
                        objective=objective, device=dev,
                        amp=bool(cfg.get("amp", True)) if isinstance(cfg, dict) else True,
                        cpu_bf16=isinstance(cfg, dict) and bool(cfg.get("cpu_bf16", False)))
