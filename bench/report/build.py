"""`bench report` end to end: run records -> tables, summary, verdict map, seeds per cell,
objectives against peers, dev curves of the fine-tune cells, compute cost, published numbers,
relations, index.

Every output is a pure function of the run records and the command line (sorted order,
fixed float formatting, no timestamps), so regenerating gives byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

from bench.io import atomic_write_text
from bench.report import cost, curves, peers, progress, published, render
from bench.report import relations as rel
from bench.report import verdict_render as vr
from bench.report.cells import group_cells
from bench.report.collect import scan_runs, warn
from bench.report.inputs import affects, caption_note, enforce
from bench.report.stats import fmt
from bench.report.tables import Table, build_tables
from bench.report.verdicts import verdict_map

SUMMARY, VERDICT_MAP, PUBLISHED = "summary_proxy_anchor_vs_softmax", "verdict_map", "published"


def relations_markdown(rows: list[rel.Relation], command: str, *, incomplete: str = "") -> str:
    lines = ["# Emotion relationships in the class vectors", "",
             "Spearman ρ between the cosine similarity of two class vectors and the Jaccard "
             "index of the two emotions in the training labels, over all class pairs (upper "
             "triangle); mean ± 95% CI (t-distribution over seeds). Higher: the geometry "
             "mirrors co-occurrence more closely. Centroids are computed for every objective. "
             "Settings: what differs from the defaults; legacy: made before the shared head "
             "learning rate." + (f" {incomplete}" if incomplete else ""),
             "", "| Setting | Objective | Settings | Vectors | Spearman ρ | n |",
             "|---|---|---|---|---:|---:|"]
    for r in rows:
        value = (f"{r.rho.mean:.3f}" if r.rho.n < 2
                 else f"{r.rho.mean:.3f} ± {r.rho.ci95:.3f}")
        settings = ("legacy" + (f": {r.settings}" if r.settings else "") if r.legacy
                    else r.settings or "defaults")
        lines.append(f"| {' · '.join(r.setting)} | {r.loss} | {settings} | {r.kind} | {value} "
                     f"| {r.rho.n} |")
    if not rows:
        lines.append("| (no multi-label runs with class vectors and training labels) | | | | | |")
    return "\n".join(lines + ["", f"Regenerate: `{command}`"]) + "\n"


def relations_csv(rows: list[rel.Relation]) -> str:
    fields = ("dataset", "mode", "encoder", "budget", "loss", "settings", "legacy", "vectors",
              "mean", "ci95", "n", "seeds")
    return render.csv_text([dict(zip(fields, (
        *r.setting, r.loss, r.settings, int(r.legacy), r.kind, fmt(r.rho.mean), fmt(r.rho.ci95),
        r.rho.n, " ".join(map(str, r.seeds))), strict=True)) for r in rows], fields)


def index_markdown(tables: list[Table], command: str, *, incomplete: str = "") -> str:
    lines = ["# Result tables", "",
             f"Regenerate all (with BENCH_DATA_DIR set, for relations.md): `{command}`", "",
             *([incomplete, ""] if incomplete else []),
             f"- [Where proxy_anchor beats softmax, and where not]({SUMMARY}.md)",
             f"- [Verdict map]({VERDICT_MAP}.md) ([LaTeX]({VERDICT_MAP}.tex), "
             f"[CSV]({VERDICT_MAP}.csv))",
             f"- [{progress.TITLE}]({progress.PROGRESS}.md) ([CSV]({progress.PROGRESS}.csv))",
             f"- [{peers.TITLE}]({peers.PEERS}.md) ([CSV]({peers.PEERS}.csv))",
             f"- [{curves.TITLE}]({curves.CURVES}.md) ([CSV]({curves.CURVES}.csv))",
             f"- [Our numbers beside published ones]({PUBLISHED}.md)",
             f"- [{cost.TITLE}]({cost.COST}.md) ([CSV]({cost.COST}.csv))",
             "- [Emotion relationships in the class vectors](relations.md)", ""]
    for legacy in (False, True):
        names = [t.name for t in tables if t.legacy == legacy]
        if legacy and names:
            lines += ["", "## Legacy records (before the shared head learning rate; no verdicts)",
                      ""]
        lines += [f"- [{n}]({n}.md) ([LaTeX]({n}.tex), [CSV]({n}.csv))" for n in names]
    if not tables:
        lines.append("(no complete runs found)")
    return "\n".join(lines) + "\n"


def _remove_stale(out: Path, written: dict[str, str], note) -> None:
    """Tables of an earlier report that this one no longer writes (e.g. a cell whose records
    moved away) would otherwise survive unchanged, and `git diff` would not notice them."""
    index = out / "index.md"
    if not index.exists() or not index.read_text(encoding="utf-8").startswith("# Result tables"):
        return  # not a folder this command wrote: touch nothing
    for path in sorted(out.iterdir()):
        if path.suffix in (".md", ".tex", ".csv") and path.name not in written:
            path.unlink()
            note(f"removed stale {path}")


def write_report(runs_root: str, out: str, *, command: str, data_dir: str | None = None,
                 allow_missing: bool = False, note=warn) -> list[Path]:
    """Write every table under `out`; returns the written paths. Raises MissingInputs, before
    writing anything, when an input is missing or unreadable and not `allow_missing`."""
    runs, unreadable = scan_runs(runs_root)
    cells = group_cells(runs)
    tables = build_tables(cells)
    cooccurrence, failed = rel.cooccurrence_with_failures(cells, data_dir)
    missing = unreadable + rel.needs(cells, failed)
    enforce(missing, allow=allow_missing, command="report", note=note)

    def gap(output: str, setting=None) -> str:
        return caption_note(m for m in missing if affects(m, output, setting))

    files: dict[str, str] = {}
    for t in tables:
        files[f"{t.name}.md"] = render.markdown(t, command, incomplete=gap(t.name, t.setting))
        files[f"{t.name}.tex"] = render.latex(t, command, incomplete=gap(t.name, t.setting))
        files[f"{t.name}.csv"] = render.table_csv(t)
    vmap = verdict_map(tables)
    files[f"{SUMMARY}.md"] = vr.summary_markdown(vmap, command, incomplete=gap(SUMMARY))
    files[f"{SUMMARY}.csv"] = vr.verdict_csv(vmap)
    files[f"{VERDICT_MAP}.md"] = vr.map_markdown(vmap, command, incomplete=gap(VERDICT_MAP))
    files[f"{VERDICT_MAP}.tex"] = vr.map_latex(vmap, command, incomplete=gap(VERDICT_MAP))
    files[f"{VERDICT_MAP}.csv"] = vr.verdict_csv(vmap)
    # summaries read off the score tables, each a module with the same three functions;
    # always written, even empty: index.md links them
    for name, module, data in ((progress.PROGRESS, progress, progress.progress_cells(tables)),
                               (peers.PEERS, peers, peers.peer_table(tables)),
                               (curves.CURVES, curves, curves.curve_sections(tables)),
                               (cost.COST, cost, cost.cost_rows(tables))):
        files[f"{name}.md"] = module.markdown(data, command, incomplete=gap(name))
        files[f"{name}.csv"] = module.csv(data)
    files[f"{PUBLISHED}.md"] = published.markdown(tables, command)
    files[f"{PUBLISHED}.csv"] = published.csv(tables)
    rows = rel.relations(cells, cooccurrence)
    files["relations.md"] = relations_markdown(rows, command, incomplete=gap("relations"))
    files["relations.csv"] = relations_csv(rows)
    files["index.md"] = index_markdown(tables, command, incomplete=caption_note(missing))
    _remove_stale(Path(out), files, note)
    paths = []
    for name in sorted(files):
        atomic_write_text(Path(out) / name, files[name])
        paths.append(Path(out) / name)
    return paths
