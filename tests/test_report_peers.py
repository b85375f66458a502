"""`bench report` writes peers.md / peers.csv: every objective against each peer (SetFit),
paired t-tests over seeds, Holm–Bonferroni over that table's own family."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from scipy import stats

from bench.commands import report as report_cmd
from bench.report.cells import group_cells
from bench.report.collect import find_runs
from bench.report.peers import peer_table
from bench.report.tables import build_tables
from tests.test_report import write_run

SHOTS8 = "dair_emotion · finetune · minilm · shots=8"
# Known test scores per seed (macro-F1, MAP@R) at 8 shots; the objectives are offsets of SetFit
SETFIT = {"macro_f1": (0.40, 0.42, 0.41), "map_at_r": (0.20, 0.22, 0.21)}
OFFSETS = {  # objective -> metric -> offset per seed
    "proxy_anchor": {"macro_f1": (0.10, 0.11, 0.09),  # +10 points every seed: win
                     "map_at_r": (0.03, -0.04, 0.02)},  # +0.3, large spread: tie
    "softmax": {"macro_f1": (-0.05, -0.06, -0.04),  # -5 points: loss
                "map_at_r": (-0.02, -0.021, -0.019)},  # -2 points: loss
}


@pytest.fixture(autouse=True)
def _no_real_data(monkeypatch):
    monkeypatch.delenv("BENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def scored(root: Path, loss: str, seed: int, f1: float, map_r: float, *, shots: int | None = 8,
           training: dict | None = None, **config) -> None:
    peer = {"peer": True} if loss == "setfit" else {}
    run = write_run(root, dataset="dair_emotion", loss=loss, seed=seed, multi_label=False,
                    mode="finetune", shots=shots, name=f"{loss}-{shots}-{seed}-{len(config)}",
                    **peer, **config)
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["test"]["macro_f1"] = f1
    metrics["test"]["embedding"]["map_at_r"] = map_r
    if training is not None:
        metrics["training"] = training
    (run / "metrics.json").write_text(json.dumps(metrics))


def value(loss: str, metric: str, seed: int) -> float:
    base = SETFIT[metric][seed]
    return base if loss == "setfit" else base + OFFSETS[loss][metric][seed]


def known_tree(root: Path) -> Path:
    """8 shots: SetFit, softmax, proxy_anchor over seeds 0-2, supcon still rising (not
    converged), a legacy proxy_anchor (never compared); 16 shots: one seed of SetFit and
    softmax (not enough seeds); 32 shots: SetFit alone; full data: no peer at all."""
    for s in range(3):
        for loss in ("setfit", *OFFSETS):
            scored(root, loss, s, value(loss, "macro_f1", s), value(loss, "map_at_r", s))
        rising = {"best_epoch": 4, "stopped_early": False,
                  "curve": [{"epoch": e, "dev_macro_f1": 0.1 * e} for e in range(1, 5)]}
        scored(root, "supcon", s, 0.9, 0.9, training=rising)
        scored(root, "proxy_anchor", s, 0.99, 0.99, head_lr_multiplier="objective")
        scored(root, "softmax", s, 0.5, 0.3, shots=None)
        scored(root, "proxy_anchor", s, 0.6 + 0.02 * s, 0.3, shots=None)
    scored(root, "setfit", 0, 0.50, 0.25, shots=16)
    scored(root, "softmax", 0, 0.47, 0.26, shots=16)
    scored(root, "setfit", 0, 0.55, 0.30, shots=32)
    return root


def holm_by_hand(ps: list[float]) -> list[float]:
    m, order = len(ps), sorted(range(len(ps)), key=lambda i: ps[i])
    out, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        out[i] = running
    return out


def test_every_objective_against_setfit_holm_corrected(tmp_path):
    table = peer_table(build_tables(group_cells(find_runs(known_tree(tmp_path / "runs")))))
    rows = {(" · ".join(r.setting), r.objective, r.metric): r.cell for r in table.rows}
    # shot counts in numeric order (8 before 16); softmax first, then alphabetical; the legacy
    # row and the tables without a peer or without an objective give no rows
    assert list(rows) == [(SHOTS8, o, m) for o in ("softmax", "proxy_anchor", "supcon")
                          for m in ("macro_f1", "map_at_r")] + [
        ("dair_emotion · finetune · minilm · shots=16", "softmax", m)
        for m in ("macro_f1", "map_at_r")]
    assert table.settings == 2 and {c.other for c in rows.values()} == {"setfit"}
    tested = [(o, m) for o in OFFSETS for m in ("macro_f1", "map_at_r")]
    raw = [stats.ttest_rel([value(o, m, s) for s in range(3)],
                           [value("setfit", m, s) for s in range(3)]).pvalue for o, m in tested]
    assert table.family == 4  # supcon: not converged; 16 shots: one seed; neither is tested
    expected = {("proxy_anchor", "macro_f1"): (10.0, "win"),
                ("proxy_anchor", "map_at_r"): (100 * sum(OFFSETS["proxy_anchor"]["map_at_r"]) / 3,
                                               "tie"),
                ("softmax", "macro_f1"): (-5.0, "loss"), ("softmax", "map_at_r"): (-2.0, "loss")}
    for (o, m), p, p_holm in zip(tested, raw, holm_by_hand(raw), strict=True):
        cell = rows[(SHOTS8, o, m)]
        assert cell.n == 3 and cell.delta == pytest.approx(expected[(o, m)][0])
        assert cell.p == pytest.approx(p) and cell.p_holm == pytest.approx(p_holm)
        assert cell.verdict == expected[(o, m)][1], (o, m)
    assert raw[1] > 0.05 and max(holm_by_hand(raw)[i] for i in (0, 2, 3)) < 0.05
    for m in ("macro_f1", "map_at_r"):
        assert rows[(SHOTS8, "supcon", m)].verdict == "not converged"
        assert rows[(SHOTS8, "supcon", m)].p_holm is None
    few = rows[("dair_emotion · finetune · minilm · shots=16", "softmax", "macro_f1")]
    assert (few.n, few.verdict, few.p_holm) == (1, "not enough seeds", None)
    assert few.delta == pytest.approx(-3.0)


def test_report_writes_peers_files_linked_and_byte_identical(tmp_path):
    runs, out = known_tree(tmp_path / "runs"), tmp_path / "tables"
    args = argparse.Namespace(runs=str(runs), out=str(out), data_dir=None, allow_missing=False)
    assert report_cmd.handle(args) == 0
    md = (out / "peers.md").read_text()
    assert md.startswith("# Every objective against each peer (SetFit)\n")
    assert "family of the 4 tests of this table (2 settings with a peer;" in md
    assert ("| Setting | Objective | Peer | Metric | Δ [95% CI] vs peer | n | p (Holm) | verdict |"
            in md)
    # differences of 10, 11 and 9 points: the 95% paired t interval is 10 ± t(0.975, 2) / √3
    half = stats.t.ppf(0.975, 2) * 1.0 / 3 ** 0.5
    assert half == pytest.approx(2.484, abs=1e-3)
    p = stats.ttest_rel([value("proxy_anchor", "macro_f1", s) for s in range(3)],
                        SETFIT["macro_f1"]).pvalue
    raw = [stats.ttest_rel([value(o, m, s) for s in range(3)],
                           [value("setfit", m, s) for s in range(3)]).pvalue
           for o in OFFSETS for m in ("macro_f1", "map_at_r")]
    p_holm = holm_by_hand(raw)[0]
    assert p == raw[0]
    assert (f"| {SHOTS8} | proxy_anchor | setfit | Macro-F1 | +10.0 [{10 - half:+.1f}, "
            f"{10 + half:+.1f}] | 3 | {p_holm:.4f} | win |") in md
    assert f"| {SHOTS8} | softmax | setfit | Macro-F1 | -5.0 [-7.5, -2.5] | 3 |" in md
    assert f"| {SHOTS8} | supcon | setfit | MAP@R | +69.0 [" in md  # described, not tested
    assert "| 3 | – | not converged |" in md
    assert ("| dair_emotion · finetune · minilm · shots=16 | softmax | setfit | Macro-F1 | -3.0 "
            "| 1 | – | not enough seeds |") in md
    assert "legacy" not in md.split("| Setting |")[1] and "shots=32" not in md
    assert md.endswith("Regenerate: `" + report_cmd.command_line(args) + "`\n")
    csv = (out / "peers.csv").read_text().splitlines()
    assert csv[0] == ("dataset,mode,encoder,budget,objective,peer,metric,n,delta_points,"
                      "ci95_points,p,p_holm,verdict")
    assert (f"dair_emotion,finetune,minilm,shots=8,proxy_anchor,setfit,macro_f1,3,10.000000,"
            f"{half:.6f},{p:.6f},{p_holm:.6f},win") in csv
    assert len(csv) == 1 + 8
    assert "- [Every objective against each peer (SetFit)](peers.md) ([CSV](peers.csv))" in (
        out / "index.md").read_text()
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert report_cmd.handle(args) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first


def test_peers_file_without_peers_and_in_the_results_readme(tmp_path):
    from bench.report.readme import BEGIN, END, update_readme

    runs, out = tmp_path / "runs", tmp_path / "results" / "tables"
    for s in range(2):
        scored(runs, "softmax", s, 0.5, 0.3, shots=None)
    args = argparse.Namespace(runs=str(runs), out=str(out), data_dir=None, allow_missing=False)
    assert report_cmd.handle(args) == 0
    md = (out / "peers.md").read_text()  # written anyway: the index link never dangles
    assert "| (no setting has both a peer run and an objective run) |" in md
    assert "family of the 0 tests of this table (0 settings with a peer;" in md
    assert (out / "peers.csv").read_text().count("\n") == 1  # the header only
    assert "(peers.md)" in (out / "index.md").read_text()
    readme = tmp_path / "results" / "README.md"
    readme.write_text(f"# Results\n\n{BEGIN}\n{END}\n")
    update_readme(readme, out)
    text = readme.read_text()  # among the summaries, not a score table with a .tex file
    assert text.index("## Verdict map") < text.index("## Every objective against each peer")
    assert text.index("## Every objective against each peer") < text.index("## Our numbers")
    assert "peers.tex" not in text


def test_verdict_map_best_other_is_an_objective_never_a_peer(tmp_path):
    """At 8 shots SetFit's macro-F1 (41) is above softmax's (36), but the verdict map's "best
    other" is the best other objective: softmax (supcon is not converged)."""
    from bench.report.verdicts import verdict_map

    tables = build_tables(group_cells(find_runs(known_tree(tmp_path / "runs"))))
    row = next(r for r in verdict_map(tables).rows if r.name == SHOTS8)
    for metric in ("macro_f1", "map_at_r"):
        assert row.cells[("best other", metric)].other == "softmax"
        assert row.cells[("softmax", metric)].other == "softmax"
    assert row.cells[("best other", "macro_f1")].delta == pytest.approx(15.0, abs=1e-6)
