"""Find complete, readable run records (`scan_runs`); cells.py groups them into cells.

Runs still running or failed are named on stderr and skipped; unreadable records are
returned by `scan_runs` as missing inputs (`bench report` stops on them, see inputs.py).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from bench.errors import RunFolderError
from bench.records import METRICS_SCHEMA, read_json
from bench.report.inputs import ALL, Missing
from bench.report.settings import Settings, settings_of, still_rising

CONFIG_KEYS = ("loss", "dataset", "mode", "encoder", "seed", "max_train", "train_fraction", "tags")


class CellKey(NamedTuple):
    dataset: str
    mode: str
    encoder: str
    budget: str
    settings: Settings
    loss: str

    @property
    def setting(self) -> tuple[str, str, str, str]:
        return (self.dataset, self.mode, self.encoder, self.budget)


@dataclass(frozen=True)
class Run:
    path: Path
    config: dict
    metrics: dict
    env: dict
    time: str
    settings: Settings = Settings()

    @property
    def still_rising(self) -> bool:
        return still_rising(self.config, self.metrics)

    @property
    def dataset(self) -> str:
        return self.metrics["dataset"]["name"]

    @property
    def loss(self) -> str:
        return self.config["loss"]

    @property
    def seed(self) -> int:
        return int(self.config["seed"])

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.config.get("tags") or ())

    @property
    def budget(self) -> str:
        parts = []
        if self.config.get("max_train") is not None:
            parts.append(f"max_train={self.config['max_train']}")
        if self.config.get("train_fraction") is not None:
            parts.append(f"fraction={self.config['train_fraction']:g}")
        if self.config.get("shots") is not None:
            parts.append(f"shots={self.config['shots']}")
        data = ",".join(parts) or "full"
        # tuned runs get their own tables, beside the same setting run with the defaults
        return data + "+sweep" if "sweep-final" in self.tags else data

    @property
    def setting(self) -> tuple[str, str, str, str]:
        """(dataset, mode, encoder, budget): the rows of one table share it."""
        return (self.dataset, self.config["mode"], str(self.config["encoder"]), self.budget)

    @property
    def order(self) -> tuple[str, str]:
        return (self.time, self.path.name)


def warn(message: str) -> None:
    print(message, file=sys.stderr)


def _check(run_dir: Path, config: dict, metrics: dict) -> None:
    if metrics.get("schema_version") != METRICS_SCHEMA:
        raise RunFolderError(f"metrics.json schema_version={metrics.get('schema_version')!r} "
                             f"is unknown (expected {METRICS_SCHEMA})")
    missing = [k for k in CONFIG_KEYS if k not in config]
    try:
        test = metrics["test"]
        needed = (metrics["dataset"]["name"], metrics["dataset"]["multi_label"],
                  test["macro_f1"], test["micro_f1"], test["embedding"]["map_at_r"])
        del needed
    except (KeyError, TypeError) as exc:
        missing.append(f"metrics {exc}")
    if missing:
        raise RunFolderError(f"missing keys {missing}")


def load_run(run_dir: Path) -> Run:
    status = read_json(run_dir / "status.json")
    if status.get("status") != "complete":
        raise RunFolderError(f"status is {status.get('status')!r}, not 'complete'")
    config, metrics = read_json(run_dir / "config.json"), read_json(run_dir / "metrics.json")
    if not isinstance(config, dict) or not isinstance(metrics, dict):
        raise RunFolderError("config.json and metrics.json must hold JSON objects")
    _check(run_dir, config, metrics)
    env = read_json(run_dir / "env.json") if (run_dir / "env.json").exists() else {}
    try:
        settings = settings_of(config)
    except (TypeError, ValueError) as exc:
        raise RunFolderError(f"config.json does not describe a run ({exc})") from None
    return Run(run_dir, config, metrics, env, str(status.get("time", "")), settings)


def _scope(run_dir: Path) -> tuple[str, str] | None:
    """(dataset, mode) of a record whose metrics cannot be read, from its config if it can."""
    try:
        config = read_json(run_dir / "config.json")
        return (Path(str(config["dataset"])).stem, str(config["mode"]))
    except (RunFolderError, KeyError, TypeError, AttributeError):
        return None


def scan_runs(root: str | Path) -> tuple[list[Run], list[Missing]]:
    """Every complete, readable run under `root` (recursive, sorted by path), and the records
    that cannot be read. Runs still running or failed are not inputs: named on stderr only."""
    runs, unreadable = [], []
    for config_file in sorted(Path(root).rglob("config.json")):
        run_dir = config_file.parent
        if not ((run_dir / "status.json").exists() or (run_dir / "env.json").exists()):
            continue  # e.g. a saved Hugging Face encoder folder, not a run record
        try:
            status = read_json(run_dir / "status.json")
            if isinstance(status, dict) and status.get("status") not in ("complete", None):
                warn(f"skipped run {run_dir}: status is {status.get('status')!r}, not 'complete'")
                continue
            runs.append(load_run(run_dir))
        except RunFolderError as exc:
            why = str(exc).replace(f"{run_dir}/", "")  # captions must not depend on the clone's path
            unreadable.append(Missing(ALL, str(run_dir), f"unreadable record ({why})",
                                      _scope(run_dir)))
    return runs, unreadable


def find_runs(root: str | Path) -> list[Run]:
    """Every complete, readable run under `root`; unreadable records are named on stderr."""
    runs, unreadable = scan_runs(root)
    for m in unreadable:
        warn(f"skipped run {m.source}: {m.what}")
    return runs
