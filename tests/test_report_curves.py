"""`bench report` writes curves.md / curves.csv: dev macro-F1 per epoch of every current
fine-tune cell, with n per epoch, where each seed stopped, and the tables' convergence call."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bench.commands import report as report_cmd
from bench.report.curves import curve_sections
from bench.report.readme import BEGIN, END, update_readme
from bench.report.tables import build_tables
from tests.test_report import write_run


@pytest.fixture(autouse=True)
def _no_real_data(monkeypatch):
    monkeypatch.delenv("BENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def training(dev: list[float], best: int, stopped: bool, *, loss0: float = 1.0) -> dict:
    """A curve with known numbers: step 10 per epoch, train loss loss0 / epoch."""
    return {"best_epoch": best, "stopped_early": stopped, "steps_per_epoch": 10,
            "passes_per_epoch": 1,
            "curve": [{"epoch": e, "step": 10 * e, "train_loss": loss0 / e, "dev_macro_f1": d}
                      for e, d in enumerate(dev, start=1)]}


def fine(root: Path, loss: str, seed: int, train: dict | None, *, name: str = "",
         **config) -> None:
    """A fine-tune dair_emotion record; train None: metrics.json without a "training" key."""
    run = write_run(root, dataset="dair_emotion", loss=loss, seed=seed, multi_label=False,
                    mode="finetune", name=name or f"{loss}-s{seed}-{len(config)}", **config)
    metrics = json.loads((run / "metrics.json").read_text())
    metrics.pop("training")
    if train is not None:
        metrics["training"] = train
    (run / "metrics.json").write_text(json.dumps(metrics))


def known_tree(root: Path) -> Path:
    # softmax: three seeds stopping after epochs 4, 3 and 5; s2 best at its last epoch without
    # stopping early, but by 0.5 points only: converged
    fine(root, "softmax", 0, training([0.50, 0.60, 0.62, 0.61], 3, True, loss0=0.8))
    fine(root, "softmax", 1, training([0.40, 0.70, 0.65], 2, True, loss0=0.6))
    fine(root, "softmax", 2, training([0.45, 0.55, 0.60, 0.63, 0.635], 5, False, loss0=0.4))
    # proxy_anchor: s0 gains 10 points at its last epoch, not stopped early: not converged
    fine(root, "proxy_anchor", 0, training([0.30, 0.40, 0.50], 3, False))
    fine(root, "proxy_anchor", 1, training([0.50, 0.52, 0.51], 2, True))
    # supcon: one record without "training", one whose curve lacks its dev scores
    fine(root, "supcon", 0, None, name="supcon-no-training")
    broken = training([0.5, 0.6], 2, False)
    del broken["curve"][1]["dev_macro_f1"]
    fine(root, "supcon", 1, broken, name="supcon-broken-curve")
    # a few-shot ablation (min_steps=200) beside the default, 64 shots before 8 in file order
    for shots in (64, 8):
        for steps in (480, 200):
            fine(root, "proxy_anchor", 0, training([0.2, 0.3, 0.29], 2, False), shots=shots,
                 min_steps=steps, name=f"proxy_anchor-{shots}-{steps}")
    # neither shown: a frozen cell and a legacy fine-tune cell
    write_run(root, dataset="tweeteval_emotion", loss="softmax", seed=0, multi_label=False)
    fine(root, "triplet", 0, training([0.1, 0.2], 1, True), head_lr_multiplier="objective")
    return root


def args_for(runs: Path, out: Path) -> argparse.Namespace:
    return argparse.Namespace(runs=str(runs), out=str(out), data_dir=None, allow_missing=False)


def test_sections_rows_and_seeds(tmp_path):
    from bench.report.cells import group_cells
    from bench.report.collect import find_runs

    sections = curve_sections(build_tables(group_cells(find_runs(known_tree(tmp_path)))))
    assert [" · ".join(s.setting) for s in sections] == [
        "dair_emotion · finetune · minilm · full", "dair_emotion · finetune · minilm · shots=8",
        "dair_emotion · finetune · minilm · shots=64"]
    full = {r.objective: r for r in sections[0].rows}
    assert list(full) == ["softmax", "proxy_anchor", "supcon"]
    assert [(r.status) for r in full.values()] == ["converged", "not converged", "not converged"]
    assert [(s.seed, s.best_epoch, s.stopped_early, s.rising) for s in full["softmax"].seeds] == [
        (0, 3, True, False), (1, 2, True, False), (2, 5, False, False)]
    assert [s.rising for s in full["proxy_anchor"].seeds] == [True, False]
    assert [s.points for s in full["supcon"].seeds] == [(), ()]
    assert [r.settings for r in sections[1].rows] == ["", "min_steps=200"]


def test_curves_file_numbers_marks_link_and_regeneration(tmp_path):
    runs, out = known_tree(tmp_path / "runs"), tmp_path / "tables"
    args = args_for(runs, out)
    assert report_cmd.handle(args) == 0
    md = (out / "curves.md").read_text()
    assert md.startswith("# Dev macro-F1 per epoch of every fine-tune cell\n")
    softmax = md.split("### softmax · defaults: converged\n")[1].split("###")[0]
    assert ("Seeds: s0: best epoch 3 of 4, stopped early; s1: best epoch 2 of 3, stopped early; "
            "s2: best epoch 5 of 5, not stopped early.") in softmax
    # mean over the seeds that reached the epoch, n of them; train loss 0.8/e, 0.6/e, 0.4/e
    assert [line for line in softmax.splitlines() if line.startswith("| ") and "Epoch" not in line
            ] == ["| 1 | 10 | 0.6000 | 0.4500 | 3 |  |",
                  "| 2 | 20 | 0.3000 | 0.6167 | 3 |  |",
                  "| 3 | 30 | 0.2000 | 0.6233 | 3 | s1 (early) |",
                  "| 4 | 40 | 0.1500 | 0.6200 | 2 | s0 (early) |",
                  "| 5 | 50 | 0.0800 | 0.6350 | 1 | s2 (last epoch) |"]
    pa = md.split("### proxy_anchor · defaults: not converged\n")[1].split("###")[0]
    assert ("s0: best epoch 3 of 3, not stopped early, still rising; "
            "s1: best epoch 2 of 3, stopped early.") in pa
    assert "| 3 | 30 | 0.3333 | 0.5050 | 2 | s0 (last epoch), s1 (early) |" in pa
    assert ("### supcon · defaults: not converged\n\nSeeds: s0: no per-epoch dev curve in "
            "metrics.json (supcon-no-training); s1: no per-epoch dev curve in metrics.json "
            "(supcon-broken-curve).\n\n##") in md
    # the ablation is a row of its cell; shot counts in numeric order
    assert md.index("## dair_emotion · finetune · minilm · shots=8\n") < md.index(
        "### proxy_anchor · min_steps=200: converged") < md.index(
        "## dair_emotion · finetune · minilm · shots=64\n")
    assert "frozen ·" not in md and "tweeteval" not in md and "triplet" not in md
    csv = (out / "curves.csv").read_text().splitlines()
    assert csv[0] == ("dataset,mode,encoder,budget,objective,settings,seed,run,epoch,step,"
                      "train_loss,dev_macro_f1")
    assert "dair_emotion,finetune,minilm,full,softmax,,1,softmax-s1-0,3,30,0.200000,0.650000" in csv
    assert len(csv) == 1 + (4 + 3 + 5) + (3 + 3) + 4 * 3
    index = (out / "index.md").read_text()
    assert ("- [Dev macro-F1 per epoch of every fine-tune cell](curves.md) ([CSV](curves.csv))"
            in index)
    assert not (out / "curves.tex").exists()
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert report_cmd.handle(args) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first


def test_without_fine_tune_cells_and_in_the_results_readme(tmp_path):
    runs, out = tmp_path / "runs", tmp_path / "results" / "tables"
    write_run(runs, dataset="dair_emotion", loss="softmax", seed=0, multi_label=False)
    assert report_cmd.handle(args_for(runs, out)) == 0
    assert "\n(no current fine-tune cells)\n" in (out / "curves.md").read_text()
    assert (out / "curves.csv").read_text().count("\n") == 1  # the header only
    readme = tmp_path / "results" / "README.md"
    readme.write_text(f"# Results\n\n{BEGIN}\n{END}\n")
    update_readme(readme, out)
    text = readme.read_text()  # linked among the summaries, not inlined as a score table
    assert ("\n## Dev macro-F1 per epoch of every fine-tune cell\n\nToo long to show here "
            "(every epoch of every run): [curves.md](tables/curves.md) "
            "([CSV](tables/curves.csv))\n") in text
    assert "curves.tex" not in text and "no current fine-tune cells" not in text
    assert text.index("(tables/curves.md)") < text.index("#### dair_emotion · frozen")
