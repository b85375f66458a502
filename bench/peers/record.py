"""Run a peer on the suite's data and write its record in the suite's schema.

Same split, same training rows (--shots / --max-train / --train-fraction through
bench.prepare.limit_index), same test scoring (bench.metrics) and the run folder layout of
bench/save.py: config.json, env.json, status.json, metrics.json, objective_state.safetensors
(the peer's classifier) and test_predictions.npz. config.json holds a RunConfig with the
peer's own procedure values (lr, batch size, epochs) and `"peer": true`.
"""

from __future__ import annotations

import dataclasses
import time
from importlib import metadata

import numpy as np
import torch
from safetensors.torch import save_file

from bench.config import RunConfig
from bench.data.shots import shots_record
from bench.errors import DataError
from bench.evaluate import METRICS_SCHEMA_VERSION
from bench.io import atomic_save_file, atomic_write_json
from bench.metrics import classification_metrics, embedding_metrics
from bench.peers import setfit
from bench.prepare import limit_index, load_full_data, resolve_device, seed_everything
from bench.records import environment, new_run_dir, write_status
from bench.runner import RunOutput

PEER_PACKAGES = ("setfit", "sentence-transformers", "datasets")
PREDICTION_RULE = "logistic regression on the fine-tuned sentence embeddings; argmax"


def peer_config(cfg: RunConfig, opts: setfit.SetFitOptions) -> RunConfig:
    """What the record states: SetFit's own values for the options it shares with the suite;
    options that differ from SetFit's defaults are its hyperparameters (`loss_hparams`)."""
    return dataclasses.replace(
        cfg, loss="setfit", mode="finetune", lr=opts.lr, batch_size=opts.batch_size,
        epochs=opts.epochs, warmup_ratio=opts.warmup_ratio, weight_decay=opts.weight_decay,
        grad_clip=1.0,
        loss_hparams=opts.changed(), save_model=False, tags=(*cfg.tags, "peer"))


def _environment(device: torch.device) -> dict:
    env = environment(device)
    for name in PEER_PACKAGES:
        try:
            env["packages"][name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            env["packages"][name] = None
    return env


def _save_npz(path, **arrays) -> None:
    def save(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)

    atomic_save_file(path, save)


def run_setfit(cfg: RunConfig, opts: setfit.SetFitOptions, *, progress: bool = True) -> RunOutput:
    """Train SetFit on the run's training rows, score dev and test, write the record."""
    cfg = peer_config(cfg, opts)
    device = resolve_device(cfg.device)
    seed_everything(cfg.seed)
    t0 = time.perf_counter()
    full = load_full_data(cfg)
    if full.multi_label:
        raise DataError(f"bench peer setfit supports single-label data only, but got "
                        f"dataset={full.name!r} (multi-label)")
    idx = limit_index(cfg, full)
    ds = full if idx is None else dataclasses.replace(full, train=full.train.subset(idx))
    run_dir = new_run_dir(cfg.output_dir, f"{ds.name}-setfit-{opts.backend}-s{cfg.seed}", cfg.run_id)
    atomic_write_json(run_dir / "config.json", {
        **cfg.to_dict(), "identity": cfg.identity_hash(), "peer": True,
        "peer_options": dataclasses.asdict(opts), "procedure": setfit.__doc__.split("\n\n")[1]})
    atomic_write_json(run_dir / "env.json", _environment(device))
    write_status(run_dir, "running")
    timings = {"load_data": time.perf_counter() - t0}
    try:
        fitted = setfit.train(ds.train.texts, ds.train.labels, cfg, opts, device, progress=progress)
        t = time.perf_counter()
        dev_emb, test_emb = (fitted.embed(getattr(ds, s).texts, f"embed {s}") for s in ("dev", "test"))
        classes = np.asarray(fitted.head.classes_)
        dev_pred, test_pred = (classes[fitted.head.predict_proba(e).argmax(1)]
                               for e in (dev_emb, test_emb))
    except KeyboardInterrupt:
        write_status(run_dir, "interrupted", resume="rerun the same `bench peer` command")
        raise
    except BaseException as exc:
        write_status(run_dir, "failed", reason=f"{type(exc).__name__}: {exc}")
        raise
    timings.update(train=fitted.train_seconds, evaluate=time.perf_counter() - t)
    timings["total"] = time.perf_counter() - t0
    test = classification_metrics(test_pred, ds.test.labels, ds.label_names)
    test["embedding"] = embedding_metrics(test_emb, ds.test.labels, seed=cfg.seed)
    dev = classification_metrics(dev_pred, ds.dev.labels, ds.label_names)
    texts = 2 * fitted.pairs * opts.epochs  # two texts per pair, each epoch
    metrics = {
        "schema_version": METRICS_SCHEMA_VERSION, "peer": True,
        "dataset": {"name": ds.name, "source": ds.source, "multi_label": False,
                    "label_names": list(ds.label_names), "fingerprint": ds.fingerprint(),
                    "sizes": {s: len(getattr(ds, s)) for s in ("train", "dev", "test")}},
        "objective": {"name": "setfit", "hparams": dataclasses.asdict(opts), "peer": True},
        "dev": dev, "test": test, "thresholds": None,
        "prediction_rule": PREDICTION_RULE, "multi_label_rule": None,
        # no model selection: SetFit's fixed procedure; dev is scored for the record only
        "training": {"curve": [{"epoch": opts.epochs, "step": fitted.steps,
                                "train_loss": fitted.mean_loss, "dev_macro_f1": dev["macro_f1"]}],
                     "best_epoch": opts.epochs, "best_dev_macro_f1": dev["macro_f1"],
                     "stopped_early": False, "model_selection": None, "pairs": fitted.pairs,
                     "steps": fitted.steps, "examples": texts,
                     "examples_per_second": texts / max(fitted.train_seconds, 1e-9)},
        "timings": timings,
    }
    if cfg.shots is not None:
        metrics["dataset"]["shots"] = shots_record(ds.train.labels, ds.label_names, cfg.shots)
    head = {"coef": torch.from_numpy(np.ascontiguousarray(fitted.head.coef_, np.float32)),
            "intercept": torch.from_numpy(np.ascontiguousarray(fitted.head.intercept_, np.float32))}
    atomic_save_file(run_dir / "objective_state.safetensors", lambda tmp: save_file(head, tmp))
    _save_npz(run_dir / "test_predictions.npz", predictions=test_pred)
    atomic_write_json(run_dir / "metrics.json", metrics)
    write_status(run_dir, "complete")
    return RunOutput(run_dir, metrics)
