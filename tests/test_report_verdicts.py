"""Issues 12 (part 6) and 19: variants are cells of their own, legacy records never feed a
verdict, unconverged fine-tune cells give none, Holm over the family, the verdict map."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from scipy import stats

from bench.commands import report as report_cmd
from bench.report.cells import group_cells
from bench.report.collect import find_runs
from bench.report.stats import holm
from bench.report.tables import build_tables
from bench.report.verdict_figure import UNDECIDED, draw
from bench.report.verdicts import COMPARISONS, METRICS, verdict_map
from tests.test_report import write_run

SEEDS = range(5)
NOISE = (0.0, 0.02, -0.015, 0.01, -0.025)
ALTERNATING = (0.03, -0.03, 0.028, -0.031, 0.002)  # mean ~0, large spread: a tie


@pytest.fixture(autouse=True)
def _no_real_data(monkeypatch):
    monkeypatch.delenv("BENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def record(root: Path, dataset: str, loss: str, seed: int, f1: float, *, tag: str = "",
           training: dict | None = None, **config) -> None:
    run = write_run(root, dataset=dataset, loss=loss, seed=seed, multi_label=False,
                    name=f"{dataset}-{loss}{tag}-s{seed}", **config)
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["test"]["macro_f1"] = f1
    metrics["test"]["embedding"]["map_at_r"] = f1 / 2
    if training is not None:
        metrics["training"] = training
    (run / "metrics.json").write_text(json.dumps(metrics))


def curve(best: int, last: int, stopped: bool) -> dict:
    return {"best_epoch": best, "stopped_early": stopped,
            "curve": [{"epoch": e, "dev_macro_f1": 0.1 * e} for e in range(1, last + 1)]}


def known_tree(root: Path) -> Path:
    """win: +10 points every seed; loss: -10; tie: noise around 0; one_seed: n = 1;
    rising: fine-tune still improving at its last epoch; a head-lr variant of "win" where
    proxy_anchor loses to its own softmax; legacy records that would be a huge win."""
    for s in SEEDS:
        for dataset, pa in (("win", 0.60 + 0.5 * NOISE[s]), ("loss", 0.40 + 0.5 * NOISE[s]),
                            ("tie", 0.51 + NOISE[s] + ALTERNATING[s])):
            record(root, dataset, "softmax", s, 0.50 + NOISE[s])
            record(root, dataset, "proxy_anchor", s, pa)
        record(root, "win", "softmax", s, 0.70 + NOISE[s], tag="-h10", head_lr_multiplier=10.0)
        record(root, "win", "proxy_anchor", s, 0.62 + 0.5 * NOISE[s], tag="-h10", head_lr_multiplier=10.0)
        record(root, "win", "supcon", s, 0.55 + 0.8 * NOISE[s])
        record(root, "legacy", "softmax", s, 0.20, head_lr_multiplier="objective")
        record(root, "legacy", "proxy_anchor", s, 0.90 + NOISE[s], head_lr_multiplier="objective")
    for s in range(3):
        done, rising = curve(3, 5, True), curve(4, 4, False)
        record(root, "rising", "softmax", s, 0.50 + NOISE[s], mode="finetune", training=rising)
        record(root, "rising", "proxy_anchor", s, 0.60 + 0.5 * NOISE[s], mode="finetune", training=done)
    record(root, "one_seed", "softmax", 0, 0.50)
    record(root, "one_seed", "proxy_anchor", 0, 0.55)
    return root


def vmap_of(runs: Path):
    return verdict_map(build_tables(group_cells(find_runs(runs))))


def test_verdict_map_labels_colours_and_family(tmp_path):
    vmap = vmap_of(known_tree(tmp_path / "runs"))
    rows = {r.name: r for r in vmap.rows}
    expected = {"win · frozen · minilm · full": "win", "loss · frozen · minilm · full": "loss",
                "tie · frozen · minilm · full": "tie",
                "win · frozen · minilm · full · head_lr_multiplier=10": "loss",
                "one_seed · frozen · minilm · full": "not enough seeds",
                "rising · finetune · minilm · full": "not converged"}
    assert set(rows) == set(expected)  # legacy records are not in the map
    for name, verdict in expected.items():
        for metric in METRICS:
            cell = rows[name].cells[("softmax", metric)]
            assert cell.verdict == verdict, (name, metric)
    variant = rows["win · frozen · minilm · full · head_lr_multiplier=10"]
    fair = sum(0.62 + 0.5 * NOISE[s] - (0.70 + NOISE[s]) for s in SEEDS) / len(SEEDS)
    assert variant.cells[("softmax", "macro_f1")].delta == pytest.approx(100 * fair)
    # best other in "win": supcon (55) beats softmax (50) on macro-F1; +5 points every seed
    best = rows["win · frozen · minilm · full"].cells[("best other", "macro_f1")]
    assert best.other == "supcon" and best.verdict == "win" and best.n == 5
    # the family: win, loss, tie, the variant (best other = softmax there: counted once) and
    # win vs supcon, for 2 metrics; one_seed and rising have no test
    assert vmap.family == 2 * 5
    # Holm over exactly those raw p-values
    unique = {(r.name, c.other, m): c for r in vmap.rows for (_, m), c in r.cells.items()
              if c.p is not None}  # softmax as best other: the same test, once
    raw = [c.p for c in unique.values()]
    assert len(raw) == vmap.family
    for c, p_adj in zip(unique.values(), holm(raw), strict=True):
        assert c.p_holm == pytest.approx(p_adj)
    # the figure: each cell's colour sign follows its verdict, undecided cells are hatched grey
    fig = draw(vmap)
    patches = {p.get_gid(): p for p in fig.axes[0].patches}
    for i, row in enumerate(vmap.rows):
        for j, key in enumerate([(c, m) for c in COMPARISONS for m in METRICS]):
            cell, patch = row.cells[key], patches[f"{i},{j}"]
            r, _, b, _ = patch.get_facecolor()
            if cell.verdict == "win":
                assert b > r, (row.name, key)
            elif cell.verdict == "loss":
                assert r > b, (row.name, key)
            elif cell.verdict == "tie":
                assert (b > r) == (cell.delta > 0), (row.name, key)
            else:
                assert patch.get_facecolor() == pytest.approx(UNDECIDED)
                assert patch.get_hatch() == "///"
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "not enough seeds" in texts and "not converged" in texts and "▲ win" in texts


def test_holm_matches_the_definition():
    ps = [0.01, 0.04, 0.03, 0.005]
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1 -> max(0.06, 0.04)=0.06
    assert holm(ps) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []


def test_report_tables_variants_legacy_and_byte_identical_map(tmp_path):
    runs, out = known_tree(tmp_path / "runs"), tmp_path / "tables"
    args = argparse.Namespace(runs=str(runs), out=str(out), data_dir=None, allow_missing=False)
    assert report_cmd.handle(args) == 0
    win = (out / "win-frozen-minilm-full.md").read_text()
    assert "| softmax · head_lr_multiplier=10 |" in win  # a variant row, not merged or dropped
    assert "| proxy_anchor · head_lr_multiplier=10 |" in win and "| supcon |" in win
    csv = (out / "win-frozen-minilm-full.csv").read_text().splitlines()
    pa10 = next(line for line in csv if ",proxy_anchor,head_lr_multiplier=10,macro_f1," in line)
    p = stats.ttest_rel([0.62 + 0.5 * NOISE[s] for s in SEEDS],
                        [0.70 + NOISE[s] for s in SEEDS]).pvalue
    assert float(pa10.split(",")[11]) == pytest.approx(p, abs=1e-6)  # vs its fair softmax
    assert not (out / "legacy-frozen-minilm-full.md").exists()
    legacy = (out / "legacy-legacy-frozen-minilm-full.md").read_text()
    assert "Legacy records" in legacy and "†" not in legacy.split("|---")[1]
    rising = (out / "rising-finetune-minilm-full.md").read_text()
    assert "| softmax (not converged) |" in rising and "| proxy_anchor |" in rising
    summary = (out / "summary_proxy_anchor_vs_softmax.md").read_text()
    assert "legacy ·" not in summary and "family of the 10 tests" in summary
    # not converged: no test, but the difference and its 95% interval are still shown
    diff = [100 * (0.10 - 0.5 * NOISE[s]) for s in range(3)]
    half = stats.t.ppf(0.975, 2) * stats.sem(diff)
    lo, hi = sum(diff) / 3 - half, sum(diff) / 3 + half
    assert (f"| rising · finetune · minilm · full | Macro-F1 | +9.9 [{lo:+.1f}, {hi:+.1f}] | 3 | – "
            "| not converged |") in summary
    first = {n: (out / n).read_bytes() for n in ("verdict_map.md", "verdict_map.tex",
                                                 "verdict_map.csv", "summary_proxy_anchor_vs_softmax.md")}
    assert "| one_seed · frozen · minilm · full | +5.0: not enough seeds (n=1) |" in first[
        "verdict_map.md"].decode()
    assert report_cmd.handle(args) == 0
    assert {n: (out / n).read_bytes() for n in first} == first
    index = (out / "index.md").read_text()
    assert index.index("win-frozen-minilm-full") < index.index("## Legacy records") < index.index(
        "legacy-legacy-frozen")


def test_published_numbers_beside_fair_ones_and_readme_order(tmp_path):
    from bench.report.readme import BEGIN, END, update_readme

    runs = tmp_path / "runs"
    for s in range(3):
        for loss in ("softmax", "proxy_anchor"):
            write_run(runs, dataset="goemotions", loss=loss, seed=s, multi_label=True)
        # legacy records, however good, are neither "ours" nor in the verdicts
        record(runs, "dair_emotion", "softmax", s, 0.99, head_lr_multiplier="objective")
        record(runs, "dair_emotion", "proxy_anchor", s, 0.98, head_lr_multiplier="objective")
    out = tmp_path / "results" / "tables"
    args = argparse.Namespace(runs=str(runs), out=str(out), data_dir=None, allow_missing=True)
    assert report_cmd.handle(args) == 0
    published = (out / "published.md").read_text()
    assert ("| goemotions | 46.0 | Demszky et al. 2020, GoEmotions (ACL) | no fair full-data "
            "cell yet | 55.2 ± 2.5 (proxy_anchor, best of 2 objectives, full, n=3) | encoder: ours "
            "all-MiniLM-L6-v2"
            in published)
    assert "theirs one threshold, 0.3, for every class" in published
    # a cell where one objective has run says so instead of calling it the best
    write_run(runs, dataset="goemotions", loss="supcon", seed=0, multi_label=True,
              mode="finetune", name="ft-supcon-0")
    assert report_cmd.handle(args) == 0
    published = (out / "published.md").read_text()
    assert "(supcon, the only objective run yet, full, n=1) | 55.2 ± 2.5" in published
    dair = next(line for line in published.splitlines() if line.startswith("| dair_emotion"))
    assert "88.2" in dair and "99" not in dair and dair.count("no fair full-data cell yet") == 2
    assert "tweeteval_emotion | 76.1 |" in published
    readme = tmp_path / "results" / "README.md"
    readme.write_text(f"# Results\n\n{BEGIN}\n{END}\n")
    (tmp_path / "results" / "figures").mkdir()
    (tmp_path / "results" / "figures" / "verdict_map.png").write_bytes(b"png")
    update_readme(readme, out)
    text = readme.read_text()
    order = ["objective_state.safetensors", "## Where proxy_anchor beats softmax",
             "![Verdict map](figures/verdict_map.png)", "## Verdict map",
             "## Our numbers beside published ones", "## Emotion relationships",
             "#### goemotions · frozen · minilm · full", "## Legacy records",
             "#### dair_emotion · frozen · minilm · full (legacy records)"]
    assert [text.index(s) for s in order] == sorted(text.index(s) for s in order)


def test_answer_is_written_from_the_verdict_map(tmp_path):
    from bench.report.answer import BEGIN, END, update_answer

    tables = tmp_path / "tables"
    tables.mkdir()
    head = ("dataset,mode,encoder,budget,settings,comparison,other,metric,n,delta_points,"
            "ci95_points,p,p_holm,verdict\n")
    rows = ["a,frozen,m,full,,softmax,softmax,macro_f1,5,3.0,1.0,0.001,0.004,win",
            "b,frozen,m,full,,softmax,softmax,macro_f1,5,-2.0,1.0,0.001,0.004,loss",
            "c,finetune,m,full,,softmax,softmax,macro_f1,3,0.1,1.5,0.9,0.9,tie",
            "e,finetune,m,full,,softmax,softmax,macro_f1,2,-0.2,11.6,0.9,0.9,tie",
            "d,frozen,m,full,,softmax,softmax,macro_f1,1,5.0,,,,not enough seeds",
            "a,frozen,m,full,epochs=15,softmax,softmax,macro_f1,5,9.0,0.5,0.001,0.004,win",
            "a,frozen,m,full,,softmax,softmax,map_at_r,5,-9.0,0.5,0.001,0.004,loss",
            "a,frozen,m,full,,best other,supcon,macro_f1,5,-1.0,0.5,0.001,0.004,loss"]
    (tables / "verdict_map.csv").write_text(head + "\n".join(rows) + "\n")
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{BEGIN}\nold\n{END}\nrest\n")
    update_answer(readme, tables)
    text = readme.read_text()
    assert text.startswith("# x\n") and text.endswith(f"{END}\nrest\n") and "old" not in text
    # variants (settings column) and other comparisons do not count
    assert "wins 1, loses 1 and ties 2 of the 4 settings" in text
    # the ties' intervals: e [-11.8, +11.4] and c [-1.4, +1.6], the narrowest
    assert ("the 95% intervals of the tied differences (uncorrected) reach from -11.8 to "
            "+11.4 points; the narrowest, c finetune (full), is [-1.4, +1.6].") in text
    assert "wins in a frozen (full, +3.0) and loses in b frozen (full, -2.0)" in text
    assert "1 more setting has no verdict" in text
    assert "(MAP@R) it wins 0, loses 1 and ties 0." in text
    readme.write_text("no markers")
    with pytest.raises(Exception, match="needs the two lines"):
        update_answer(readme, tables)


@pytest.mark.parametrize("devs, stopped, rising", [
    ([0.50, 0.60, 0.70], False, True),      # +10 points at the last epoch
    ([0.70, 0.72, 0.725], False, False),    # +0.5 points: one more epoch adds under a point
    ([0.70, 0.72, 0.71], False, False),     # best before the last epoch
    ([0.50, 0.60, 0.70], True, False),      # stopped early
    ([0.50], False, True),                  # one epoch shows nothing
])
def test_still_rising_is_a_gain_of_a_point_at_the_last_epoch(devs, stopped, rising):
    from bench.report.settings import still_rising

    curve = [{"epoch": e, "dev_macro_f1": d} for e, d in enumerate(devs, 1)]
    best = 1 + max(range(len(devs)), key=devs.__getitem__)
    training = {"best_epoch": best, "stopped_early": stopped, "curve": curve}
    assert still_rising({"mode": "finetune"}, {"training": training}) is rising


def test_a_proxy_anchor_row_without_softmax_stays_in_the_map(tmp_path):
    """A first proxy_anchor run where softmax has not run yet: its row is kept with every
    cell saying why there is no verdict, instead of dropping out of the map silently."""
    runs = known_tree(tmp_path / "runs")
    for s in SEEDS:
        record(runs, "alone", "proxy_anchor", s, 0.55)
    rows = {r.setting[0]: r for r in vmap_of(runs).rows if not r.label}
    assert {c.verdict for c in rows["alone"].cells.values()} == {"no comparison"}
    assert {c.other for c in rows["alone"].cells.values()} == {""}
    assert rows["win"].cells[("softmax", "macro_f1")].verdict == "win"  # the rest unchanged


def test_best_other_is_a_row_that_can_be_tested(tmp_path):
    # triplet has the highest mean but one seed; supcon shares all three: supcon is compared
    runs = tmp_path / "runs"
    for s in range(3):
        record(runs, "d", "softmax", s, 0.50 + NOISE[s])
        record(runs, "d", "proxy_anchor", s, 0.52 + NOISE[s])
        record(runs, "d", "supcon", s, 0.55 + 0.5 * NOISE[s])
    record(runs, "d", "triplet", 0, 0.90)
    cell = {r.name: r for r in vmap_of(runs).rows}["d · frozen · minilm · full"].cells[
        ("best other", "macro_f1")]
    assert (cell.other, cell.n) == ("supcon", 3) and cell.verdict in ("win", "loss", "tie")
    # with no row that shares two seeds, the highest mean is still shown, without a verdict
    solo = tmp_path / "solo"
    record(solo, "d", "proxy_anchor", 0, 0.52)
    record(solo, "d", "supcon", 1, 0.55)
    record(solo, "d", "triplet", 0, 0.90)
    cell = {r.name: r for r in vmap_of(solo).rows}["d · frozen · minilm · full"].cells[
        ("best other", "macro_f1")]
    assert cell.other.startswith("triplet") and (cell.n, cell.verdict) == (1, "not enough seeds")
