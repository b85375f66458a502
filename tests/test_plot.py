"""`bench plot`: every figure from synthetic records, and one-line skips without inputs."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

import losses
from bench.commands import plot as plot_cmd
from bench.commands import report as report_cmd
from bench.report.inputs import MissingInputs
from tests.test_report import LABELS, LOSSES, SEEDS, make_tree, write_run

FIGURES = ("verdict_map", "scores", "per_emotion_delta_goemotions_frozen", "lowres", "tsne_goemotions",
           "similarity_goemotions", "cost")


@pytest.fixture(autouse=True)
def _no_real_data(monkeypatch):
    monkeypatch.delenv("BENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def tiny_csv(tmp_path: Path) -> Path:
    """A multi-label file whose labels co-occur in a known pattern (joy|love-like pairs)."""
    rng = np.random.default_rng(0)
    lines = ["text,label"]
    for i in range(200):
        a = LABELS[i % 4]
        b = LABELS[(i % 4) ^ 1] if rng.random() < 0.4 else None
        lines.append(f"text number {i},{a}|{b}" if b else f"text number {i},{a}")
    path = tmp_path / "tiny_goemotions.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def add_artifacts(run: Path, loss: str, n_test: int, *, embeddings: bool = True) -> None:
    """objective_state.safetensors with the real key names, and test embeddings."""
    torch.manual_seed(0)
    obj = losses.build(loss, num_classes=len(LABELS), embedding_dim=8, multi_label=True)
    obj.fit_centroids(torch.randn(40, 8), (torch.rand(40, len(LABELS)) > 0.5).long())
    save_file({k: v.contiguous() for k, v in obj.state_dict().items()},
              str(run / "objective_state.safetensors"))
    if not embeddings:
        return
    rows = np.arange(n_test)
    np.savez(run / "test_embeddings.npz", rows=rows,
             embeddings=np.random.default_rng(1).normal(size=(n_test, 8)).astype(np.float16))


def full_tree(tmp_path: Path) -> Path:
    from bench.data import load_dataset

    csv = tiny_csv(tmp_path)
    n_test = len(load_dataset(str(csv), label_sep="|").test)
    runs = make_tree(tmp_path / "runs")
    for run in sorted(runs.glob("goemotions-*")):
        cfg = run / "config.json"
        cfg.write_text(cfg.read_text().replace('"dataset": "goemotions"',
                                               f'"dataset": "{csv}", "label_sep": "|"'))
        add_artifacts(run, run.name.split("-")[1], n_test)
    for frac in (0.1, 0.5):
        for loss in ("softmax", "proxy_anchor"):
            for seed in SEEDS:
                run = write_run(runs / "lowres", dataset="goemotions", loss=loss, seed=seed,
                                multi_label=True, tags=("lowres",), train_fraction=frac,
                                name=f"lr-{frac}-{loss}-{seed}")
                add_artifacts(run, loss, n_test, embeddings=False)
    return runs


def plot(runs: Path, out: Path, *, allow_missing: bool = False) -> int:
    return plot_cmd.handle(argparse.Namespace(runs=str(runs), out=str(out), dataset="goemotions",
                                              data_dir=None, allow_missing=allow_missing))


def test_every_figure_is_written(tmp_path, capsys):
    runs, out = full_tree(tmp_path), tmp_path / "figures"
    assert plot(runs, out) == 0
    assert "skipped figure" not in capsys.readouterr().err
    for name in FIGURES:
        for ext in ("png", "pdf"):
            assert (out / f"{name}.{ext}").stat().st_size > 1000, name
    # relations table: proxies, classifier and centroids of every objective
    tables = tmp_path / "tables"
    report_cmd.handle(argparse.Namespace(runs=str(runs), out=str(tables), data_dir=None))
    rel = (tables / "relations.csv").read_text().splitlines()
    kinds = {(line.split(",")[4], line.split(",")[7]) for line in rel[1:]}
    assert {("proxy_anchor", "proxies"), ("softmax", "classifier"), ("supcon", "centroids"),
            ("softmax", "centroids")} <= kinds
    assert all(line.split(",")[10] == "3" for line in rel[1:] if ",full," in line)


def test_skips_are_one_line_notes(tmp_path, capsys):
    runs = tmp_path / "runs"
    runs.mkdir()
    assert plot(runs, tmp_path / "figures") == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == len(FIGURES) and all(e.startswith("skipped figure: ") for e in err)
    assert not list(tmp_path.glob("figures/*.png"))
    make_tree(runs)  # scores but no lowres, no embeddings, no objective state
    with pytest.raises(MissingInputs, match="--allow-missing"):
        plot(runs, tmp_path / "figures")  # the similarity figure lacks its inputs
    assert "objective_state.safetensors (needed by similarity_goemotions)" in capsys.readouterr().err
    assert not list(tmp_path.glob("figures/*.png"))  # nothing drawn before the check
    assert plot(runs, tmp_path / "figures", allow_missing=True) == 0
    err = capsys.readouterr().err
    assert "low-resource curve" in err and "t-SNE" in err and "similarity" in err
    assert (tmp_path / "figures" / "scores.pdf").stat().st_size > 1000


def test_similarity_figure_keeps_the_complete_comparison(tmp_path):
    """A first fine-tuned proxy_anchor seed must not replace the frozen cell where every
    objective has seeds; once every objective is fine-tuned with 3 seeds, that cell wins."""
    from bench.report.cells import group_cells
    from bench.report.collect import find_runs
    from bench.report.maps import similarity_key

    runs = full_tree(tmp_path)

    def key():
        return similarity_key(group_cells(find_runs(runs)), "goemotions")

    assert key().mode == "frozen"
    order = ("proxy_anchor", *[loss for loss in LOSSES if loss != "proxy_anchor"])
    for loss in order:
        for seed in SEEDS:
            run = write_run(runs, dataset="goemotions", loss=loss, seed=seed, multi_label=True,
                            mode="finetune", name=f"ft-{loss}-{seed}")
            add_artifacts(run, loss, 10, embeddings=False)
            expected = "finetune" if loss == order[-1] and seed == SEEDS[-1] else "frozen"
            assert key().mode == expected, (loss, seed)
