"""Checks that make a run folder safe to load: everything inside it, a well-formed
manifest, safetensors only, and no encoder path that the folder itself chooses."""

from __future__ import annotations

from pathlib import Path

from torch import nn

from bench.encoders import HUB_ID, encoder_names
from bench.errors import RunFolderError
from bench.metrics import AT_LEAST_ONE, MAY_BE_EMPTY


def inside(run_dir: Path, path: Path, what: str) -> Path:
    if not path.exists():
        raise RunFolderError(f"{path} is missing: {what}; the run folder is incomplete")
    if not path.resolve().is_relative_to(run_dir.resolve()):
        raise RunFolderError(f"{path} points outside the run folder {run_dir}; refusing to load")
    return path


def check_manifest(path: Path, m: dict) -> dict:
    def need(key: str, ok) -> None:
        if key not in m or not ok(m[key]):
            raise RunFolderError(f"{path}: field {key!r} is missing or invalid, but got "
                                 f"{m.get(key)!r:.80}; the file is damaged")

    if not isinstance(m, dict):
        raise RunFolderError(f"{path}: expected a JSON object, but got {type(m).__name__}")
    need("format_version", lambda v: v == 1)
    need("mode", lambda v: v in ("finetune", "frozen"))
    need("pooling", lambda v: v in ("mean", "cls"))
    need("label_names", lambda v: isinstance(v, list) and len(v) >= 2
         and all(isinstance(x, str) for x in v))
    n = len(m["label_names"])
    need("multi_label", lambda v: isinstance(v, bool))
    need("thresholds", lambda v: (v is None) if not m["multi_label"] else
         isinstance(v, list) and len(v) == n and all(isinstance(x, (int, float)) for x in v))
    for key in ("max_length", "head_hidden"):
        need(key, lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1)
    need("embedding_dim", lambda v: v is None or isinstance(v, int) and v >= 1)
    need("objective", lambda v: isinstance(v, str))
    need("hparams", lambda v: isinstance(v, dict))
    need("encoder", lambda v: isinstance(v, str) and v != "")
    if "multi_label_rule" in m:  # older manifests lack it: they used at_least_one
        need("multi_label_rule", lambda v: v in ((AT_LEAST_ONE, MAY_BE_EMPTY)
                                                 if m["multi_label"] else (None,)))
    if "plugin" in m:  # only a plugin objective's manifest has it
        need("plugin", lambda v: isinstance(v, dict))
    return m


def frozen_source(path: Path, name: str) -> str:
    """A registry name or Hub id: never a path from the run folder's own files."""
    if name in encoder_names():
        return name
    if HUB_ID.fullmatch(name) and ".." not in name and not Path(name).exists():
        return name
    raise RunFolderError(
        f"{path}: encoder {name!r} is neither a registered encoder nor a Hub id (org/name); "
        "a run folder may not make the loader read other paths. If you trust this run, "
        "name the encoder yourself: --encoder FOLDER (load_run(..., encoder=FOLDER))")


def load_tensors(path: Path, module: nn.Module, run_dir: Path, what: str) -> None:
    from safetensors.torch import load_file

    inside(run_dir, path, what)
    try:
        module.load_state_dict(load_file(str(path)), strict=True)
    except Exception as exc:  # damaged file, or shapes that do not match run.json
        raise RunFolderError(f"{path}: cannot load {what} ({str(exc)[:200]})") from None
