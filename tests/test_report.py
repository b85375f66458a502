"""`bench report`: statistics, selection rules, rendering and byte-identical regeneration."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from bench.commands import report as report_cmd
from bench.config import MODE_DEFAULTS
from bench.report.cells import group_cells
from bench.report.collect import find_runs
from bench.report.stats import paired, summarize
from bench.report.tables import slug

LOSSES = ("softmax", "proxy_anchor", "supcon")
SEEDS = (0, 1, 2)
DATASETS = {"goemotions": True, "dair_emotion": False}  # name -> multi_label
LABELS = ("joy", "anger", "fear", "neutral")
# Known macro-F1: proxy_anchor beats softmax by ~0.05 every seed (significant), supcon is
# noisy around softmax (not significant).
BASE = {"softmax": 0.50, "proxy_anchor": 0.55, "supcon": 0.50}
NOISE = {"softmax": (0.0, 0.01, -0.01), "proxy_anchor": (0.001, 0.012, -0.008),
         "supcon": (0.03, -0.02, -0.009)}


def macro(loss: str, seed: int, dataset: str) -> float:
    return (BASE.get(loss, 0.4) + NOISE.get(loss, (0.0,) * 3)[seed % 3]
            + (0.1 if dataset == "dair_emotion" else 0.0))


def write_run(root: Path, *, dataset: str, loss: str, seed: int, multi_label: bool,
              status: str = "complete", tags=(), time: str = "2024-01-01T00:00:00",
              name: str | None = None, extra: dict | None = None, **config) -> Path:
    run = root / (name or f"{dataset}-{loss}-s{seed}")
    run.mkdir(parents=True)
    f1 = macro(loss, seed, dataset)
    cfg = {"loss": loss, "dataset": dataset, "mode": "frozen", "encoder": "minilm",
           "seed": seed, "max_train": None, "train_fraction": None, "tags": list(tags),
           "identity": "x", **config}
    # current records state every resolved default (the shared head lr among them); tests
    # of legacy records pass head_lr_multiplier="objective"
    for key, value in MODE_DEFAULTS[cfg["mode"]].items():
        cfg.setdefault(key, value)
    third = "exact_match" if multi_label else "accuracy"
    per_class = {n: {"precision": 0.5, "recall": 0.5, "f1": f1 + 0.01 * i, "support": 10}
                 for i, n in enumerate(LABELS)}
    metrics = {"schema_version": 1,
               "dataset": {"name": dataset, "multi_label": multi_label, "label_names": LABELS},
               "objective": {"name": loss, "hparams": {}},
               "test": {"macro_f1": f1, "micro_f1": f1 + 0.1, third: f1 - 0.1,
                        "per_class": per_class, "embedding": {"map_at_r": f1 / 2}},
               "timings": {"train": 10.0 * (1 + len(loss)), "total": 20.0},
               # converged: best at epoch 2, stopped early at 5 (cells without it give no verdict)
               "training": {"best_epoch": 2, "stopped_early": True,
                            "curve": [{"epoch": e, "dev_macro_f1": f1} for e in range(1, 6)]},
               **(extra or {})}
    for fname, obj in (("config.json", cfg), ("metrics.json", metrics),
                       ("env.json", {"git_commit": "abc123"}),
                       ("status.json", {"status": status, "time": time})):
        (run / fname).write_text(json.dumps(obj), encoding="utf-8")
    return run


def make_tree(root: Path) -> Path:
    for dataset, multi in DATASETS.items():
        for loss in LOSSES:
            for seed in SEEDS:
                write_run(root, dataset=dataset, loss=loss, seed=seed, multi_label=multi)
    return root


@pytest.fixture(autouse=True)
def _no_real_data(monkeypatch):
    """Synthetic records name real datasets: never load them (or reach the Hub) here."""
    monkeypatch.delenv("BENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def report(runs: Path, out: Path, *, allow_missing: bool = True) -> int:
    """These synthetic trees have no objective states or datasets, which only relations.md
    needs: allowed here; tests/test_report_inputs.py checks the strict default."""
    return report_cmd.handle(argparse.Namespace(runs=str(runs), out=str(out), data_dir=None,
                                                allow_missing=allow_missing))


def test_stats_match_scipy():
    x = [0.5, 0.52, 0.47]
    s = summarize(x)
    lo, hi = stats.t.interval(0.95, 2, loc=np.mean(x), scale=stats.sem(x))
    assert s.n == 3 and s.mean == pytest.approx(np.mean(x))
    assert s.ci95 == pytest.approx((hi - lo) / 2)
    a, b = {0: 0.5, 1: 0.6, 2: 0.7, 5: 1.0}, {0: 0.4, 1: 0.45, 2: 0.65}
    t = paired(a, b)
    assert t.n == 3 and t.p == pytest.approx(stats.ttest_rel([0.5, 0.6, 0.7],
                                                             [0.4, 0.45, 0.65]).pvalue)
    assert paired({0: 1.0}, {0: 0.5}).p is None  # one common seed: no test
    # the 95% paired t interval of the mean difference, also without a test
    diff = np.array([0.1, 0.15, 0.05])
    assert t.ci95 == pytest.approx(stats.t.ppf(0.975, 2) * stats.sem(diff))
    assert paired({0: .5, 1: .6, 2: .7}, {0: .4, 1: .45, 2: .65}, test=False).ci95 == t.ci95
    assert math.isnan(paired({0: 1.0}, {0: 0.5}).ci95)  # one seed: no interval
    assert paired({0: .6, 1: .7}, {0: .5, 1: .6}).ci95 == pytest.approx(0.0, abs=1e-12)


def test_report_numbers_bold_dagger_and_regeneration(tmp_path, capsys):
    runs, out = make_tree(tmp_path / "runs"), tmp_path / "tables"
    assert report(runs, out) == 0
    rows = (out / "goemotions-frozen-minilm-full.csv").read_text().splitlines()
    header = rows[0].split(",")
    recs = [dict(zip(header, r.split(","), strict=True)) for r in rows[1:]]
    pa = next(r for r in recs if r["loss"] == "proxy_anchor" and r["metric"] == "macro_f1")
    pa_vals = [macro("proxy_anchor", s, "goemotions") for s in SEEDS]
    sm_vals = [macro("softmax", s, "goemotions") for s in SEEDS]
    assert float(pa["mean"]) == pytest.approx(np.mean(pa_vals), abs=1e-6)
    assert float(pa["ci95"]) == pytest.approx(stats.t.ppf(0.975, 2) * stats.sem(pa_vals), abs=1e-6)
    assert float(pa["p_vs_softmax"]) == pytest.approx(stats.ttest_rel(pa_vals, sm_vals).pvalue,
                                                      abs=1e-6)
    assert pa["significant"] == "1" and pa["best"] == "1" and pa["n"] == "3"
    # † is Holm-corrected over every test of the table: recomputed here, step-down by hand
    ps = sorted(float(r["p_vs_softmax"]) for r in recs if r["p_vs_softmax"])
    m = len(ps)
    assert m == 4 * (len({r["loss"] for r in recs}) - 1)  # every non-baseline row x 4 metrics
    steps = [min(1.0, (m - k) * p) for k, p in enumerate(ps)]
    rank = ps.index(float(pa["p_vs_softmax"]))
    # (the CSV rounds p to 6 decimals, so the recomputation agrees to rounding)
    assert float(pa["p_holm"]) == pytest.approx(max(steps[:rank + 1]), rel=0.02)
    for r in recs:  # significant = the corrected p below 0.05, never the raw one
        assert r["significant"] == ("" if not r["p_vs_softmax"]
                                    else str(int(float(r["p_holm"]) < 0.05)))
    md = (out / "goemotions-frozen-minilm-full.md").read_text()
    assert f"after Holm–Bonferroni over the {m} tests of this table" in md
    pa_line = next(line for line in md.splitlines() if line.startswith("| proxy_anchor"))
    assert "**55.2 ± 2.5**†" in pa_line and "†" in pa_line
    sm_line = next(line for line in md.splitlines() if line.startswith("| softmax"))
    sup_line = next(line for line in md.splitlines() if line.startswith("| supcon"))
    assert "†" not in sm_line and "†" not in sup_line and "**" not in sm_line
    assert "Exact match" in md and "none (defaults)" in md and "abc123" in md
    assert "python -m bench report --runs" in md
    assert "Accuracy" in (out / "dair_emotion-frozen-minilm-full.md").read_text()
    tex = (out / "goemotions-frozen-minilm-full.tex").read_text()
    assert r"\toprule" in tex and r"proxy\_anchor" in tex and r"\label{tab:" in tex
    assert r"$^\dagger$" in tex and "$<$ 0.05" in tex and "\\textbf{" in tex and "proxy_anchor &" not in tex
    # 8 tests in the verdict map (2 datasets x {softmax, best other = supcon} x 2 metrics);
    # Holm multiplies the smallest p by 8
    summary = (out / "summary_proxy_anchor_vs_softmax.md").read_text()
    p_holm = 8 * stats.ttest_rel(pa_vals, sm_vals).pvalue
    # Δ with its 95% paired t interval, from the per-seed differences
    diff = 100 * (np.array(pa_vals) - np.array(sm_vals))
    half = stats.t.ppf(0.975, 2) * stats.sem(diff)
    assert round(diff.mean(), 1) == 5.2 and half > 0
    assert (f"| Macro-F1 | +5.2 [{diff.mean() - half:+.1f}, {diff.mean() + half:+.1f}] | 3 | "
            f"{p_holm:.4f} | win | supcon |") in summary
    assert "family of the 8 tests" in summary
    index = (out / "index.md").read_text()
    assert "goemotions-frozen-minilm-full.md" in index
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert report(runs, out) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first


def test_bad_runs_are_named_and_skipped(tmp_path, capsys):
    runs = make_tree(tmp_path / "runs")
    bad = write_run(runs, dataset="goemotions", loss="triplet", seed=0, multi_label=True)
    (bad / "metrics.json").write_text("{not json", encoding="utf-8")
    running = write_run(runs, dataset="goemotions", loss="proxy_nca", seed=0, multi_label=True,
                        status="running")
    old = write_run(runs, dataset="goemotions", loss="schema", seed=0, multi_label=True,
                    extra={"schema_version": 99})
    found = find_runs(runs)
    err = capsys.readouterr().err
    assert str(bad) in err and "not valid JSON" in err
    assert str(running) in err and "'running'" in err
    assert str(old) in err and "schema_version" in err
    assert len(found) == len(LOSSES) * len(SEEDS) * len(DATASETS)


def test_sweep_final_runs_get_their_own_table_and_newest_duplicate_wins(tmp_path, capsys):
    runs = tmp_path / "runs"
    for seed in SEEDS:
        write_run(runs, dataset="goemotions", loss="softmax", seed=seed, multi_label=True)
        write_run(runs, dataset="goemotions", loss="softmax", seed=seed, multi_label=True,
                  tags=("sweep-final", "budget=20 trials"), name=f"final-{seed}", lr=0.01)
    write_run(runs, dataset="goemotions", loss="softmax", seed=0, multi_label=True,
              tags=("sweep-final", "budget=20 trials"), name="final-0-newer", lr=0.01,
              time="2025-01-01T00:00:00")
    cells = group_cells(find_runs(runs))
    defaults, tuned = (cells[k] for k in sorted(cells))  # "full" sorts before "full+sweep"
    assert [r.path.name for r in tuned] == ["final-0-newer", "final-1", "final-2"]
    assert all("sweep-final" not in r.tags for r in defaults) and len(defaults) == 3
    assert "seed 0 appears twice" in capsys.readouterr().err
    out = tmp_path / "tables"
    report(runs, out)
    assert "none (defaults)" in (out / "goemotions-frozen-minilm-full.md").read_text()
    assert "sweep 20 trials" in (out / "goemotions-frozen-minilm-full_sweep.md").read_text()


def test_lowres_rows_match_limit_train(tmp_path):
    from bench.commands.lowres import train_rows
    from bench.data import limit_train, load_dataset

    csv = tmp_path / "d.csv"
    csv.write_text("text,label\n" + "".join(f"t{i},{'abc'[i % 3]}\n" for i in range(90)))
    full = load_dataset(str(csv), split_seed=1)
    for frac, seed in ((0.1, 0), (0.5, 1), (1.0, 2)):
        idx = train_rows(full, frac, seed)
        sub = limit_train(full, fraction=frac, seed=seed).train
        assert tuple(full.train.texts[i] for i in idx) == sub.texts
        assert np.array_equal(full.train.labels[idx], sub.labels)


def test_real_lowres_runs_resume_and_feed_report(tmp_path, tiny_encoder, capsys):
    from bench.cli import main

    csv = tmp_path / "tiny.csv"
    csv.write_text("text,label\n" + "".join(
        f"{w} text {i},{w}\n" for i in range(20) for w in ("joy", "anger", "fear")))
    runs = tmp_path / "runs"
    argv = ["lowres", "--dataset", str(csv), "--mode", "frozen", "--encoder", tiny_encoder,
            "--fractions", "0.5,1.0", "--losses", "softmax,proxy_anchor", "--seeds", "2",
            "--epochs", "1", "--device", "cpu", "--output-dir", str(runs), "--quiet"]
    assert main(argv) == 0
    assert "8 runs planned, 0 already complete" in capsys.readouterr().out
    assert main(argv) == 0
    assert "8 runs planned, 8 already complete" in capsys.readouterr().out
    cells = group_cells(find_runs(runs))
    assert len(cells) == 4 and all(len(v) == 2 for v in cells.values())
    key = next(k for k in cells if k.budget == "fraction=0.5" and k.loss == "softmax")
    assert key.setting == (csv.stem, "frozen", tiny_encoder, "fraction=0.5")
    assert key.settings.label == "epochs=1" and not key.settings.legacy
    run = cells[key][0]
    assert run.config["tags"] == ["lowres"] and not (run.path / "model").exists()
    assert run.metrics["training"]["examples"] == 24  # half of 48 train rows, one epoch
    out = tmp_path / "tables"
    assert report(runs, out) == 0
    md = (out / f"{csv.stem}-frozen-{slug(Path(tiny_encoder).name)}-fraction=0.5.md").read_text()
    # one epoch, best at the last: shown, but labelled "not converged" (no verdict)
    assert "| softmax (not converged) |" in md and "| proxy_anchor (not converged) |" in md
    assert "Accuracy" in md


def test_readme_section_is_generated_between_markers(tmp_path):
    from bench.commands.report import command_line
    from bench.report.readme import BEGIN, END, update_readme

    runs = tmp_path / "runs"
    for seed in SEEDS:
        write_run(runs, dataset="goemotions", loss="softmax", seed=seed, multi_label=True)
    out = tmp_path / "results" / "tables"
    report(runs, out)
    readme = tmp_path / "results" / "README.md"
    readme.write_text(f"# Results\n\nprose stays\n\n{BEGIN}\nold numbers\n{END}\n\nafter\n")
    update_readme(readme, out)
    text = readme.read_text()
    assert text.startswith("# Results\n\nprose stays") and text.endswith(f"{END}\n\nafter\n")
    assert "old numbers" not in text and "#### goemotions · frozen" in text
    assert "(tables/goemotions-frozen-minilm-full.tex)" in text
    first = readme.read_bytes()
    update_readme(readme, out)
    assert readme.read_bytes() == first
    import argparse
    with_readme = command_line(argparse.Namespace(runs="r", out="o", readme="R.md"))
    assert with_readme == command_line(argparse.Namespace(runs="./r/", out="o", readme=None))


def test_a_table_without_tests_says_so(tmp_path):
    """One seed per objective: no paired test, and the caption says why instead of quoting
    a Holm family of 0 tests."""
    runs = tmp_path / "runs"
    for loss in LOSSES:
        write_run(runs, dataset="dair_emotion", loss=loss, seed=0, multi_label=False)
    assert report(runs, tmp_path / "tables") == 0
    md = (tmp_path / "tables" / "dair_emotion-frozen-minilm-full.md").read_text()
    assert "No † yet: no row has a fair softmax baseline with two or more common seeds" in md
    assert "Holm–Bonferroni over the 0 tests" not in md
    assert not [line for line in md.splitlines() if line.startswith("| ") and "†" in line]
