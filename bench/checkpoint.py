"""End-of-epoch checkpoints for resuming a killed run: safetensors and JSON, never pickle.

A checkpoint holds the weights, optimizer and scheduler state, every random-number
generator, and the best epoch so far, so a resumed run ends exactly where an
uninterrupted run with the same seed ends (on CPU). Each save is staged in a temporary
folder and swapped in by rename: a kill at any moment leaves one complete checkpoint.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from bench.errors import RunFolderError
from bench.io import atomic_write_json


def _flat(prefix: str, state: dict) -> dict[str, torch.Tensor]:
    return {f"{prefix}{k}": v.detach().cpu().clone().contiguous() for k, v in state.items()}


def _unflat(tensors: dict, prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}


class Checkpoint:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.old = self.folder.with_name(self.folder.name + ".old")

    def exists(self) -> bool:
        return (self.folder / "state.json").exists() or (self.old / "state.json").exists()

    def save(self, embedder, objective, opt, sched, rng: np.random.Generator, result) -> None:
        staging = Path(tempfile.mkdtemp(dir=self.folder.parent, prefix=".checkpoint-"))
        opt_state = opt.state_dict()
        tensors = {**_flat("embedder.", embedder.state_dict()),
                   **_flat("objective.", objective.state_dict()),
                   "rng.torch": torch.get_rng_state()}
        for idx, slots in opt_state["state"].items():
            tensors.update({f"opt.{idx}.{name}": t.detach().cpu().clone()
                            for name, t in slots.items()})
        if result.best_state is not None:
            tensors.update(_flat("best.embedder.", result.best_state[0]))
            tensors.update(_flat("best.objective.", result.best_state[1]))
            tensors["best.dev_scores"] = torch.from_numpy(result.best_dev_scores)
        save_file(tensors, str(staging / "tensors.safetensors"))
        sched_state = {k: v for k, v in sched.state_dict().items() if k != "lr_lambdas"}
        fields = ("curve", "best_epoch", "best_dev_macro_f1", "train_seconds", "train_examples",
                  "bad_epochs", "epochs_done", "stopped_early", "resumed_after")
        atomic_write_json(staging / "state.json", {
            "result": {f: getattr(result, f) for f in fields},
            "param_groups": opt_state["param_groups"], "scheduler": sched_state,
            "numpy_rng": rng.bit_generator.state, "python_rng": _py_state(),
        })
        if self.folder.exists():
            self.folder.rename(self.old)
        staging.rename(self.folder)
        shutil.rmtree(self.old, ignore_errors=True)

    def load(self, embedder, objective, opt, sched, rng: np.random.Generator):
        from bench.train import TrainResult

        folder = self.folder if (self.folder / "state.json").exists() else self.old
        try:
            state = json.loads((folder / "state.json").read_text())
            tensors = load_file(str(folder / "tensors.safetensors"))
        except (OSError, ValueError) as exc:
            raise RunFolderError(f"checkpoint {folder} is damaged ({exc}); delete it to "
                                 "restart the run from scratch") from None
        embedder.load_state_dict(_unflat(tensors, "embedder."))
        objective.load_state_dict(_unflat(tensors, "objective."))
        groups = [{**g, "betas": tuple(g["betas"])} for g in state["param_groups"]]
        opt_slots: dict[int, dict] = {}
        for key, t in _unflat(tensors, "opt.").items():
            idx, name = key.split(".", 1)
            opt_slots.setdefault(int(idx), {})[name] = t
        opt.load_state_dict({"state": opt_slots, "param_groups": groups})
        sched.load_state_dict({**state["scheduler"], "lr_lambdas": [None] * len(groups)})
        torch.set_rng_state(tensors["rng.torch"])
        rng.bit_generator.state = state["numpy_rng"]
        random.setstate((state["python_rng"][0], tuple(state["python_rng"][1]),
                         state["python_rng"][2]))
        result = TrainResult(**state["result"])
        if "best.dev_scores" in tensors:
            result.best_state = (_unflat(tensors, "best.embedder."),
                                 _unflat(tensors, "best.objective."))
            result.best_dev_scores = tensors["best.dev_scores"].numpy()
        return result

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        shutil.rmtree(self.old, ignore_errors=True)


def _py_state() -> list:
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]
