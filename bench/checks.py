"""Option checks that need no data and no model: numbers, devices, encoders, files.

bench/validate.py runs them before any work starts. Each raises UsageError (exit status 2)
with one line naming the option as the CLI spells it, the rule and the value received.
`names` maps a RunConfig field to the option that set it where a command spells it otherwise
(grid: loss -> --losses).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path

import torch

from bench.config import PER_OBJECTIVE, RunConfig
from bench.data.reader import EXTENSIONS
from bench.encoders import HUB_ID, encoder_names, resolve_source
from bench.errors import BenchError, UsageError

SEED_MAX = 2**32 - 1  # numpy's seed range; a larger or negative seed fails in seed_everything
DEVICE = re.compile(r"(cpu|cuda|mps)(?::(0|[1-9][0-9]*))?")
FIELDS = frozenset(f.name for f in dataclasses.fields(RunConfig))


def option(field: str, names: Mapping[str, str] | None = None) -> str:
    return (names or {}).get(field, "--" + field.replace("_", "-"))


def usage_error(exc: Exception, names: Mapping[str, str] | None = None) -> UsageError:
    """RunConfig's own 'epochs must be >= 1, ...' spelled as the CLI does: '--epochs must ...'."""
    text = str(exc)
    field = text.split(" ", 1)[0]
    return UsageError(option(field, names) + text[len(field):] if field in FIELDS else text)


def exists(path: str | Path) -> bool:
    try:  # a NUL byte or an over-long name is not a path that exists, not a crash
        return Path(path).exists()
    except (OSError, ValueError):
        return False


def check_count(opt: str, field: str, value: object, low: int, high: float = math.inf) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        rule = f">= {low}" if high == math.inf else f"an integer in [{low}, {high}]"
        raise UsageError(f"{opt} must be {rule}, but got {field}={value!r}")


def check_number(opt: str, field: str, value: object, low: float, *, strict: bool,
                 high: float = math.inf) -> None:
    if value is None:
        return
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not (number and math.isfinite(value) and (value > low if strict else value >= low)
            and value <= high):
        rule = f"{'>' if strict else '>='} {low}" + (f" and <= {high}" if high < math.inf else "")
        raise UsageError(f"{opt} must be a finite number {rule}, but got {field}={value!r}")


def check_numbers(cfg: RunConfig, names: Mapping[str, str] | None = None) -> None:
    """Learning rates, weight decay, dimensions, sizes and the seed."""
    for field in ("lr", "head_lr_multiplier"):
        if getattr(cfg, field) != PER_OBJECTIVE:  # older records: the objective's own default
            check_number(option(field, names), field, getattr(cfg, field), 0, strict=True)
    for field in ("weight_decay", "grad_clip"):  # grad_clip 0 turns clipping off
        check_number(option(field, names), field, getattr(cfg, field), 0, strict=False)
    check_number(option("warmup_ratio", names), "warmup_ratio", cfg.warmup_ratio, 0,
                 strict=False, high=1)
    for field in ("embedding_dim", "head_hidden", "max_train", "centroid_samples"):
        check_count(option(field, names), field, getattr(cfg, field), 1)
    check_count(option("seed", names), "seed", cfg.seed, 0, SEED_MAX)


def check_device(name: str, opt: str = "--device") -> None:
    """auto, cpu, cuda, cuda:N or mps, and only a device this machine has."""
    m = DEVICE.fullmatch(name) if isinstance(name, str) else None
    if name == "auto" or m is not None and m.group(1) == "cpu":
        return
    if m is None:
        raise UsageError(f"{opt} must be auto, cpu, cuda, cuda:N or mps, but got device={name!r}")
    if m.group(1) == "mps":
        if not torch.backends.mps.is_available():
            raise UsageError(f"{opt} must be a device this machine has (no Apple MPS here; use "
                             f"--device cpu or auto), but got device={name!r}")
        return
    if not torch.cuda.is_available():
        raise UsageError(f"{opt} must be a device this machine has (CUDA is not available; use "
                         f"--device cpu or auto), but got device={name!r}")
    count = torch.cuda.device_count()
    if m.group(2) is not None and int(m.group(2)) >= count:
        raise UsageError(f"{opt} must be one of cuda:0..cuda:{count - 1} on this machine, "
                         f"but got device={name!r}")


def max_tokens(folder: str) -> int | None:
    """The most tokens a local model takes (the smaller of its positions and its tokenizer's
    limit), read from its JSON files without loading it; None when they do not say."""
    limits = []
    for file, key in (("config.json", "max_position_embeddings"),
                      ("tokenizer_config.json", "model_max_length")):
        try:
            value = json.loads((Path(folder) / file).read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(value, int) and 0 < value < 1_000_000:  # tokenizers say 1e30 for "none"
            limits.append(value)
    return min(limits, default=None)


def check_encoder(name: str, *, max_length: int | None = None, opt: str = "--encoder") -> None:
    """Registered, a local model folder or a Hub id (org/name), without loading it."""
    if name in encoder_names():
        try:
            source = resolve_source(name)
        except BenchError as exc:  # a registered encoder whose package is not installed
            raise UsageError(f"{opt}: {exc}") from None
    elif exists(name):
        source = name
        if not (Path(name) / "config.json").is_file():
            raise UsageError(f"{opt} must be a model folder with a config.json, a registered "
                             f"encoder or a Hub id org/name, but got encoder={name!r}")
    elif isinstance(name, str) and HUB_ID.fullmatch(name) and ".." not in name:
        return  # a Hub model: its limits are known only once it is downloaded
    else:
        close = difflib.get_close_matches(str(name), encoder_names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UsageError(f"{opt} must be a registered encoder ({', '.join(encoder_names())}), "
                         f"a local model folder or a Hub id org/name, but got encoder={name!r}"
                         f"{hint}")
    limit = max_tokens(source) if exists(source) else None
    if max_length is not None and limit is not None and max_length > limit:
        raise UsageError(f"--max-length must be <= {limit}, the most tokens encoder {name!r} "
                         f"takes, but got max_length={max_length}")


def check_file(opt: str, field: str, path: str | None) -> None:
    if path is None:
        return
    if Path(path).suffix.lower() not in EXTENSIONS:
        raise UsageError(f"{opt} must be a {'/'.join(EXTENSIONS)} file, but got {field}={path!r}")
    check_readable(opt, field, path)


def check_readable(opt: str, field: str, path: str, what: str = "file") -> None:
    try:
        with open(path, "rb"):  # opening reads nothing; it proves the file is there and readable
            pass
    except (OSError, ValueError) as exc:
        why = f"{what} not found" if isinstance(exc, FileNotFoundError) else (
            getattr(exc, "strerror", None) or exc)
        raise UsageError(f"{opt} must be a readable file, but got {field}={path!r}: {why}") from None
