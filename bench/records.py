"""Run folders: unique creation, environment capture, and the versioned metrics schema."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import secrets
import subprocess
from importlib import metadata
from pathlib import Path

import torch

from bench.errors import RunFolderError
from bench.io import atomic_write_json

METRICS_SCHEMA = 1
PACKAGES = ("torch", "transformers", "numpy", "scikit-learn", "scipy", "pytorch-metric-learning",
            "optuna", "tokenizers", "safetensors", "emotion-bench")


def new_run_dir(output_dir: str | Path, stem: str, run_id: str | None = None) -> Path:
    """Create a fresh run folder; two runs started at once never share one (exclusive mkdir)."""
    root = Path(output_dir)
    root.mkdir(parents=True, exist_ok=True)
    for _ in range(20):
        name = run_id or f"{stem}-{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        path = root / name
        try:
            path.mkdir()
            return path
        except FileExistsError:
            if run_id is not None:
                raise RunFolderError(f"run folder {path} already exists; pick another --run-id "
                                     "or use --resume to continue it") from None
    raise RunFolderError(f"could not create a unique run folder under {root}")


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, cwd=Path(__file__).resolve().parent)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5,
                               cwd=Path(__file__).resolve().parent).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "") if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


# instruction sets that decide how fast a CPU run is (bf16 matmuls: `--cpu-bf16` is fast with
# AMX, usable with AVX512-BF16); the model name alone does not say which a VM exposes
CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")


def cpu_info(cpuinfo: str | Path = "/proc/cpuinfo") -> tuple[str | None, list[str]]:
    """(model name, which of CPU_FLAGS it has) from Linux's cpuinfo; (None, []) elsewhere.
    Sessions here land on different CPUs: a wall time says little without them."""
    try:
        text = Path(cpuinfo).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None, []
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # the first processor's block describes them all
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    flags = set(fields.get("flags", "").split())
    return fields.get("model name") or None, [f for f in CPU_FLAGS if f in flags]


def environment(device: torch.device) -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    model, flags = cpu_info()
    return {
        "packages": versions,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "cpu_flags": flags,
        "torch_threads": torch.get_num_threads(),
        "device": str(device),
        "cuda_device": torch.cuda.get_device_name(0) if device.type == "cuda" else None,
        "git_commit": git_commit(),
    }


def write_status(run_dir: Path, status: str, **extra) -> None:
    atomic_write_json(run_dir / "status.json", {"status": status, **extra,
                                                "time": dt.datetime.now().isoformat()})


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunFolderError(f"{path} is missing: the run folder is incomplete") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunFolderError(f"{path} is not valid JSON ({exc}); the file is damaged") from None


def is_complete(run_dir: Path) -> bool:
    try:
        return read_json(run_dir / "status.json").get("status") == "complete"
    except RunFolderError:
        return False


def scan_runs(*folders: str | Path, recursive: bool = False
              ) -> tuple[dict[str, Path], dict[str, Path]]:
    """(identity -> complete run folder, identity -> unfinished folder with a checkpoint).

    Looks at the run folders directly below each folder (every level with `recursive`); the
    first folder in name order wins. A folder whose config.json is missing, damaged or has no
    identity (a model's own config.json, say) is no match, never an error: one broken folder
    must not stop a campaign that resumes around it.
    """
    done: dict[str, Path] = {}
    partial: dict[str, Path] = {}
    for folder in folders:
        configs = Path(folder).rglob("config.json") if recursive else Path(folder).glob(
            "*/config.json")
        for config in sorted(configs):
            try:
                ident = read_json(config).get("identity")
            except RunFolderError:
                continue
            if not isinstance(ident, str):
                continue
            if is_complete(config.parent):
                done.setdefault(ident, config.parent)
            elif (config.parent / "checkpoint").is_dir():
                partial.setdefault(ident, config.parent)
    return done, partial
