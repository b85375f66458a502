"""Find complete run records and group them into cells (one objective x setting, many seeds).

Cell key: (dataset, mode, encoder, budget, loss); budget is "full", "max_train=N",
"fraction=F" or both, with "+sweep" appended for runs tagged "sweep-final" (the
hyperparameters a sweep chose), so tuned and default runs get separate tables. Inside a cell the seeds must be the only difference, so:
1. if any run is tagged "sweep-final", only those runs are kept; otherwise runs tagged
   "sweep*" (search trials) are dropped and plain runs are kept;
2. if the kept runs still differ in anything but the seed (hyperparameters, epochs, ...),
   the variant with the most seeds wins (ties: the newest run) and the rest are named
   on stderr;
3. two runs of the same seed: the newest (status.json "time", then folder name) is kept
   and the older one named on stderr.
Runs still running or failed are named on stderr and skipped; unreadable records are
returned by `scan_runs` as missing inputs (`bench report` stops on them, see inputs.py).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bench.errors import RunFolderError
from bench.records import METRICS_SCHEMA, read_json
from bench.report.inputs import ALL, Missing

CONFIG_KEYS = ("loss", "dataset", "mode", "encoder", "seed", "max_train", "train_fraction", "tags")
# Keys that never change a result, so they do not split a cell into variants.
NOT_VARIANT = ("seed", "output_dir", "run_id", "save_model", "save_test_embeddings", "device",
               "tags", "data_dir", "identity", "score_test")


@dataclass(frozen=True)
class Run:
    path: Path
    config: dict
    metrics: dict
    env: dict
    time: str

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
        data = ",".join(parts) or "full"
        # tuned runs get their own tables, beside the same setting run with the defaults
        return data + "+sweep" if "sweep-final" in self.tags else data

    @property
    def setting(self) -> tuple[str, str, str, str]:
        """(dataset, mode, encoder, budget): the rows of one table share it."""
        return (self.dataset, self.config["mode"], str(self.config["encoder"]), self.budget)

    @property
    def variant(self) -> str:
        # through RunConfig, so records written before an option existed get its default
        from bench.config import RunConfig

        try:
            full = RunConfig.from_dict(self.config).resolved().to_dict()
        except (TypeError, ValueError):
            full = self.config
        return json.dumps({k: v for k, v in full.items() if k not in NOT_VARIANT},
                          sort_keys=True)

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
    return Run(run_dir, config, metrics, env, str(status.get("time", "")))


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


def _pick(key: tuple, runs: list[Run]) -> list[Run]:
    final = [r for r in runs if "sweep-final" in r.tags]
    kept = final or [r for r in runs if not any(t.startswith("sweep") for t in r.tags)]
    variants: dict[str, list[Run]] = defaultdict(list)
    for r in kept:
        variants[r.variant].append(r)
    ranked = sorted(variants.values(), key=lambda rs: (len({r.seed for r in rs}),
                                                       max(r.order for r in rs)))
    if not ranked:
        return []
    chosen = ranked[-1]
    for other in ranked[:-1]:
        warn(f"cell {'/'.join(key)}: dropped {len(other)} run(s) with other settings than the "
             f"kept ones (e.g. {other[0].path}); cells must differ only in the seed")
    by_seed: dict[int, list[Run]] = defaultdict(list)
    for r in chosen:
        by_seed[r.seed].append(r)
    out = []
    for seed in sorted(by_seed):
        dups = sorted(by_seed[seed], key=lambda r: r.order)
        for old in dups[:-1]:
            warn(f"cell {'/'.join(key)}: seed {seed} appears twice; kept the newest "
                 f"{dups[-1].path}, ignored {old.path}")
        out.append(dups[-1])
    return out


def group_cells(runs: Iterable[Run]) -> dict[tuple[str, ...], list[Run]]:
    """{(dataset, mode, encoder, budget, loss): runs sorted by seed}, keys sorted."""
    groups: dict[tuple[str, ...], list[Run]] = defaultdict(list)
    for r in runs:
        groups[(*r.setting, r.loss)].append(r)
    cells = {key: _pick(key, groups[key]) for key in sorted(groups)}
    return {k: v for k, v in cells.items() if v}


def search_budget(runs: Iterable[Run]) -> str:
    """From tags: sweep-final runs may state their search as "budget=<text>" (e.g.
    "budget=30 trials") or "trials=<n>"; runs without "sweep-final" used the defaults."""
    runs = list(runs)
    if not any("sweep-final" in r.tags for r in runs):
        return "none (defaults)"
    found = sorted({t.split("=", 1)[1] + (" trials" if t.startswith("trials=") else "")
                    for r in runs for t in r.tags if t.startswith(("budget=", "trials="))})
    return "sweep " + (", ".join(found) if found else "(trial budget not recorded in run tags)")
