"""The verdict map figure: settings x (comparison, metric), coloured by the difference.

Same data as the verdict map table (verdicts.py): colour = proxy_anchor − other in points on
a diverging scale centred on zero (blue: proxy_anchor higher, red: lower), annotated with the
difference and the verdict of the corrected test; cells without a verdict are hatched grey
and say why ("not enough seeds", "not converged", "no comparison"), never dropped.
"""

from __future__ import annotations

import math

from matplotlib.colors import TwoSlopeNorm
from matplotlib.patches import Rectangle

from bench.report.figures import WIDE, plt, save
from bench.report.plots import Skip
from bench.report.tables import LABELS
from bench.report.verdicts import CHALLENGER, COMPARISONS, METRICS, Cell, VerdictMap

CMAP = "RdBu"  # red below zero, blue above
UNDECIDED = (0.85, 0.85, 0.85, 1.0)
MARKS = {"win": "▲ win", "loss": "▼ loss", "tie": "= tie"}
COLUMNS = [(c, m) for c in COMPARISONS for m in METRICS]


def scale(vmap: VerdictMap) -> TwoSlopeNorm:
    """Symmetric around 0, wide enough for the largest decided difference (at least 1 point)."""
    top = max((abs(c.delta) for r in vmap.rows for c in r.cells.values()
               if c.decided and not math.isnan(c.delta)), default=1.0)
    top = max(top, 1.0)
    return TwoSlopeNorm(vcenter=0.0, vmin=-top, vmax=top)


def cell_color(cell: Cell, norm: TwoSlopeNorm) -> tuple[float, float, float, float]:
    if not cell.decided:
        return UNDECIDED
    return tuple(float(x) for x in plt.get_cmap(CMAP)(norm(cell.delta)))


def cell_label(cell: Cell) -> str:
    if not cell.decided:
        return cell.verdict if math.isnan(cell.delta) else f"{cell.delta:+.1f}\n{cell.verdict}"
    p = "p<0.001" if cell.p_holm < 1e-3 else f"p={cell.p_holm:.3f}"
    return f"{cell.delta:+.1f}\n{MARKS[cell.verdict]}\n{p}, n={cell.n}"


def draw(vmap: VerdictMap):
    """The figure; each cell is a Rectangle with gid "row,column" (tests read them back)."""
    if not vmap.rows:
        raise Skip("verdict map: no fair setting has both proxy_anchor and softmax runs")
    norm = scale(vmap)
    n = len(vmap.rows)
    fig, ax = plt.subplots(figsize=(WIDE, 0.9 + 0.5 * n), layout="constrained")
    for i, row in enumerate(vmap.rows):
        for j, key in enumerate(COLUMNS):
            cell = row.cells[key]
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=cell_color(cell, norm),
                                   edgecolor="white", linewidth=1.5, gid=f"{i},{j}",
                                   hatch=None if cell.decided else "///"))
            dark = cell.decided and abs(norm(cell.delta) - 0.5) > 0.35
            other = f"vs {cell.other}\n" if key[0] != COMPARISONS[0] and cell.other else ""
            ax.text(j + 0.5, i + 0.5, other + cell_label(cell), ha="center", va="center",
                    fontsize=5, color="white" if dark else "black")
    ax.set_xlim(0, len(COLUMNS))
    ax.set_ylim(n, 0)
    ax.set_xticks([j + 0.5 for j in range(len(COLUMNS))],
                  [f"{LABELS[m]}\n{CHALLENGER} −\n{c}" for c, m in COLUMNS], fontsize=6)
    ax.xaxis.tick_top()
    ax.set_yticks([i + 0.5 for i in range(n)], [r.name for r in vmap.rows], fontsize=6)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=CMAP), ax=ax, shrink=0.8)
    bar.set_label("difference in points", fontsize=6)
    ax.set_xlabel(f"Holm–Bonferroni over {vmap.family} tests; win / loss at corrected p < 0.05; "
                  "hatched: no verdict", fontsize=6)
    return fig


def verdict_map_figure(vmap: VerdictMap, out) -> list:
    return save(draw(vmap), out, "verdict_map")
