"""`bench report` end to end: run records -> tables, summary, relations, index.

Every output is a pure function of the run records and the command line (sorted order,
fixed float formatting, no timestamps), so regenerating gives byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

from bench.io import atomic_write_text
from bench.report import relations as rel
from bench.report import render
from bench.report.collect import find_runs, group_cells, warn
from bench.report.stats import fmt
from bench.report.tables import build_tables, proxy_vs_softmax

SUMMARY = "summary_proxy_anchor_vs_softmax"


def relations_markdown(rows: list[rel.Relation], command: str) -> str:
    lines = ["# Emotion relationships in the class vectors", "",
             "Spearman ρ between the cosine similarity of two class vectors and the Jaccard "
             "index of the two emotions in the training labels, over all class pairs (upper "
             "triangle); mean ± 95% CI (t-distribution over seeds). Higher: the geometry "
             "mirrors co-occurrence more closely. Centroids are computed for every objective.",
             "", "| Setting | Objective | Vectors | Spearman ρ | n |", "|---|---|---|---:|---:|"]
    for r in rows:
        value = (f"{r.rho.mean:.3f}" if r.rho.n < 2
                 else f"{r.rho.mean:.3f} ± {r.rho.ci95:.3f}")
        lines.append(f"| {' · '.join(r.setting)} | {r.loss} | {r.kind} | {value} | {r.rho.n} |")
    if not rows:
        lines.append("| (no multi-label runs with class vectors and training labels) | | | | |")
    return "\n".join(lines + ["", f"Regenerate: `{command}`"]) + "\n"


def relations_csv(rows: list[rel.Relation]) -> str:
    head = "dataset,mode,encoder,budget,loss,vectors,mean,ci95,n,seeds\n"
    body = "".join(",".join([*r.setting, r.loss, r.kind, fmt(r.rho.mean), fmt(r.rho.ci95),
                             str(r.rho.n), " ".join(map(str, r.seeds))]) + "\n" for r in rows)
    return head + body


def index_markdown(names: list[str], command: str) -> str:
    lines = ["# Result tables", "", f"Regenerate all: `{command}`", "",
             f"- [Where proxy_anchor beats softmax, and where not]({SUMMARY}.md)",
             "- [Emotion relationships in the class vectors](relations.md)", ""]
    lines += [f"- [{n}]({n}.md) ([LaTeX]({n}.tex), [CSV]({n}.csv))" for n in names]
    if not names:
        lines.append("(no complete runs found)")
    return "\n".join(lines) + "\n"


def write_report(runs_root: str, out: str, *, command: str, data_dir: str | None = None,
                 note=warn) -> list[Path]:
    """Write every table under `out`; returns the written paths."""
    cells = group_cells(find_runs(runs_root))
    tables = build_tables(cells)
    files: dict[str, str] = {}
    for t in tables:
        files[f"{t.name}.md"] = render.markdown(t, command)
        files[f"{t.name}.tex"] = render.latex(t, command)
        files[f"{t.name}.csv"] = render.table_csv(t)
    verdicts = proxy_vs_softmax(tables)
    files[f"{SUMMARY}.md"] = render.summary_markdown(verdicts, command)
    files[f"{SUMMARY}.csv"] = render.summary_csv(verdicts)
    rows = rel.relations(cells, rel.cooccurrence_for(cells, data_dir, note))
    files["relations.md"] = relations_markdown(rows, command)
    files["relations.csv"] = relations_csv(rows)
    files["index.md"] = index_markdown([t.name for t in tables], command)
    paths = []
    for name in sorted(files):
        atomic_write_text(Path(out) / name, files[name])
        paths.append(Path(out) / name)
    return paths
