"""A campaign v2 run's folder as benchmarks/campaign_v2.py watches it: which folder a launch
made, the epochs its checkpoint holds, its settings, and the log line of an epoch."""

from __future__ import annotations

from pathlib import Path

from bench.errors import RunFolderError
from bench.records import read_json


def cell_folders(out: Path, cell: tuple) -> set[Path]:
    return set(out.glob(f"{cell[0]}-{cell[1]}-finetune-s{cell[2]}-*"))


def run_folder(out: Path, cell: tuple, ident: str, before: set[Path] = frozenset()
               ) -> Path | None:
    # the folder `bench run` made for this cell: the newest with its identity that was not
    # there `before` the launch (an interrupted attempt without a checkpoint has the same
    # identity, and the new run makes its folder only after a second or two)
    for folder in sorted(cell_folders(out, cell) - before, reverse=True):
        try:
            if read_json(folder / "config.json").get("identity") == ident:
                return folder
        except RunFolderError:
            continue
    return None


def checkpoint_result(folder: Path | None) -> dict:
    # the run checkpoints after every epoch: its curve, best epoch and epochs without a gain
    try:
        result = read_json(folder / "checkpoint" / "state.json")["result"]
        return result if isinstance(result.get("curve"), list) else {}
    except (TypeError, RunFolderError, KeyError, AttributeError):
        return {}


def new_epochs(folder: Path | None, seen: int) -> list[dict]:
    # its curve is the progress a log can show
    return checkpoint_result(folder).get("curve", [])[seen:]


def setting(folder: Path | None, key: str) -> int | None:
    """The run's `key` in its config.json (`epochs`: its cap); None while unknown."""
    try:
        return read_json(folder / "config.json")[key] if folder else None
    except (RunFolderError, KeyError):
        return None


def epoch_cap(folder: Path | None) -> int | None:
    """The most epochs the run in `folder` may train (its config's `epochs`); None unknown."""
    return setting(folder, "epochs")


def share_left(folder: Path | None) -> float:
    """The share of its epoch cap a run has still to train: 1 for a new run, less for a
    resumable one by the epochs in its checkpoint (the deadline need not wait for those)."""
    cap = epoch_cap(folder)
    return max(0.0, 1.0 - len(new_epochs(folder, 0)) / cap) if cap else 1.0


def epoch_line(cell: tuple, row: dict, cap: int | None) -> str:
    # what is left is an upper bound: early stopping may end the run sooner
    left = cap - row["epoch"] if cap else 0
    more = f"; at most {left} more, ~{left * row['seconds'] / 60:.0f} min" if left > 0 else ""
    return (f"{cell} epoch {row['epoch']}: dev macro-F1 {row['dev_macro_f1']:.4f}, train loss "
            f"{row['train_loss']:.4f}, {row['seconds']:.0f}s{more}")


def log_name(cell: tuple) -> str:
    return f".log-{cell[0]}-{cell[1]}-s{cell[2]}.txt"
