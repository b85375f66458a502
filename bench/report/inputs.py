"""What each table and figure is computed from, and what to do when some of it is missing.

`bench report` and `bench plot` list every missing or unreadable input (the run or dataset,
what is missing, which output needs it) and stop before writing anything, so a fresh clone
that lacks a file can never regenerate a silently shorter table. `--allow-missing` writes
the outputs anyway, and every affected output says in its caption what it left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bench.errors import BenchError

ALL = "*"  # `Missing.output` of an input every output may depend on (an unreadable record)
SHOWN = 5  # sources named in a caption before "and N more" (stderr lists them all)


class MissingInputs(BenchError):
    """Inputs of a table or figure are missing or unreadable, and --allow-missing is not set."""


@dataclass(frozen=True, order=True)
class Missing:
    output: str  # the table or figure that needs it ("relations", a table name, ...), or ALL
    source: str  # the run folder or dataset it belongs to
    what: str  # what is missing or unreadable, e.g. "objective_state.safetensors"
    scope: tuple[str, str] | None = None  # (dataset, mode) of an unreadable record, if known


def affects(m: Missing, output: str, setting: tuple[str, ...] | None = None) -> bool:
    """Whether `m` concerns `output`; records of ALL count for tables of their (dataset, mode),
    or for every output when their dataset and mode are unknown."""
    if m.output == output:
        return True
    if m.output != ALL:
        return False
    return m.scope is None or setting is None or tuple(setting[:2]) == m.scope


def caption_note(missing: Iterable[Missing]) -> str:
    """One sentence for a caption: what this output left out, by what is missing."""
    by_what: dict[str, list[str]] = defaultdict(list)
    for m in sorted(set(missing)):
        by_what[m.what].append(m.source)
    if not by_what:
        return ""
    parts = []
    for what, sources in sorted(by_what.items()):
        names = ", ".join(s.rstrip("/").split("/")[-1] for s in sources[:SHOWN])
        more = f" and {len(sources) - SHOWN} more" if len(sources) > SHOWN else ""
        parts.append(f"{what}: {len(sources)} ({names}{more})")
    return ("INCOMPLETE (written with --allow-missing): inputs left out, by what is missing — "
            + "; ".join(parts) + ".")


def enforce(missing: list[Missing], *, allow: bool, command: str,
            note: Callable[[str], None]) -> None:
    """Name every missing input on `note`; raise unless `allow`."""
    if not missing:
        return
    for m in sorted(set(missing)):
        needed = "every output" if m.output == ALL else m.output
        note(f"missing input: {m.source}: {m.what} (needed by {needed})")
    if not allow:
        raise MissingInputs(
            f"`bench {command}` needs {len(set(missing))} input(s) that are missing or "
            "unreadable (listed above): restore them, or pass --allow-missing to write the "
            "outputs with captions that say what they leave out")
