"""Do learned class vectors mirror how emotions co-occur?

One number per run and vector kind: the Spearman rank correlation, over the upper
triangle of class pairs, between the cosine similarity of two class vectors and the
Jaccard index of the two labels in the training split (rows carrying both / rows
carrying either, over all train rows of the multi-label dataset). Vector kinds:
"proxies" (proxy_anchor, proxy_nca), "classifier" (softmax weights), and "centroids"
(fitted class means of training embeddings) for EVERY objective, the fair comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from bench.report.collect import CellKey, Run
from bench.report.inputs import Missing
from bench.report.stats import Summary, summarize

STATE_FILE = "objective_state.safetensors"
VECTOR_KEYS = {"proxies": "proxies", "classifier": "classifier.weight", "centroids": "centroids"}


def load_state(run: Run) -> dict[str, np.ndarray] | None:
    """The run's objective state; None when the file is absent or unreadable (`needs` says so)."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    path = run.path / STATE_FILE
    try:
        return load_file(str(path)) if path.exists() else None
    except (OSError, SafetensorError):
        return None


def state_problem(run: Run) -> str | None:
    """Why the run's objective state cannot be used, or None when it can."""
    if not (run.path / STATE_FILE).exists():
        return STATE_FILE
    return None if load_state(run) is not None else f"{STATE_FILE} unreadable"


def class_vectors(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """{kind: (C, D) array} for the kinds present; unfitted centroids are left out."""
    out = {}
    for kind, key in VECTOR_KEYS.items():
        if key not in state:
            continue
        if kind == "centroids" and "centroids_fitted" in state and not state["centroids_fitted"]:
            continue
        out[kind] = state[key].astype(np.float64)
    return out


def cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return unit @ unit.T


def jaccard(labels: np.ndarray) -> np.ndarray:
    """(C, C) Jaccard index of label pairs over multi-hot rows."""
    y = (np.asarray(labels) > 0).astype(np.float64)
    both = y.T @ y
    count = np.diag(both)
    either = count[:, None] + count[None, :] - both
    return np.divide(both, either, out=np.zeros_like(both), where=either > 0)


def spearman_upper(a: np.ndarray, b: np.ndarray) -> float:
    iu = np.triu_indices(len(a), k=1)
    rho = stats.spearmanr(a[iu], b[iu]).statistic
    return float(rho)


def load_run_dataset(run: Run, data_dir: str | None):
    """The run's dataset with its full train split (raises DataError when unavailable)."""
    import dataclasses

    from bench.config import RunConfig
    from bench.runner import load_full_data

    cfg = RunConfig.from_dict(run.config)
    return load_full_data(dataclasses.replace(cfg, data_dir=data_dir or cfg.data_dir))


def load_train_labels(run: Run, data_dir: str | None) -> np.ndarray:
    """Full train labels of the run's dataset (raises DataError when unavailable)."""
    return load_run_dataset(run, data_dir).train.labels


@dataclass(frozen=True)
class Relation:
    setting: tuple[str, str, str, str]
    loss: str
    kind: str
    rho: Summary
    seeds: tuple[int, ...]
    settings: str = ""  # what differs from the defaults ("" = defaults)
    legacy: bool = False


def relations(cells: dict[CellKey, list[Run]], cooccurrence: dict[str, np.ndarray]
              ) -> list[Relation]:
    """Relation rows for cells of datasets in `cooccurrence` ({dataset: (C, C) matrix})."""
    out = []
    for key, runs in cells.items():
        setting, loss = key.setting, key.loss
        if setting[0] not in cooccurrence:
            continue
        per_kind: dict[str, dict[int, float]] = {}
        for run in runs:
            state = load_state(run)
            for kind, vec in class_vectors(state or {}).items():
                rho = spearman_upper(cosine_matrix(vec), cooccurrence[setting[0]])
                if not math.isnan(rho):
                    per_kind.setdefault(kind, {})[run.seed] = rho
        for kind in sorted(per_kind):
            vals = per_kind[kind]
            out.append(Relation(setting, loss, kind, summarize(vals.values()),
                                tuple(sorted(vals)), key.settings.label, key.settings.legacy))
    return out


def cooccurrence_with_failures(cells: dict[CellKey, list[Run]], data_dir: str | None
                               ) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Jaccard matrices of the multi-label datasets among the cells, and {dataset: why not}
    for those whose training labels could not be loaded."""
    from bench.errors import BenchError

    out: dict[str, np.ndarray] = {}
    tried: set[tuple[str, str]] = set()  # (dataset, source): each source is tried once
    failed: dict[str, str] = {}
    for runs in cells.values():
        run = runs[0]
        source = (run.dataset, str(run.config["dataset"]))
        if not run.metrics["dataset"]["multi_label"] or run.dataset in out or source in tried:
            continue
        tried.add(source)
        try:
            out[run.dataset] = jaccard(load_train_labels(run, data_dir))
        except (BenchError, OSError) as exc:
            failed.setdefault(run.dataset, str(exc))
    return out, {d: failed[d] for d in sorted(set(failed) - set(out))}


def cooccurrence_for(cells: dict[CellKey, list[Run]], data_dir: str | None,
                     note) -> dict[str, np.ndarray]:
    """Jaccard matrices of the multi-label datasets among the cells; `note` says what is skipped."""
    out, failed = cooccurrence_with_failures(cells, data_dir)
    for dataset, why in failed.items():
        note(f"relations: skipped {dataset} (training labels unavailable: {why})")
    return out


def needs(cells: dict[CellKey, list[Run]], failed: dict[str, str],
          output: str = "relations") -> list[Missing]:
    """What the relations table lacks: the objective state of every run of a multi-label
    dataset, and that dataset's training labels (for the co-occurrence)."""
    out = [Missing(output, dataset, f"training labels unavailable ({why})")
           for dataset, why in failed.items()]
    for runs in cells.values():
        out += [Missing(output, str(r.path), why) for r in runs
                if r.metrics["dataset"]["multi_label"] and (why := state_problem(r))]
    return out
