"""What a run records about a plugin objective, and what to say when that plugin is missing.

A record's plugin fields come from a run folder, which may come from anyone: they are only
ever printed (repr, shortened), never imported or opened.
"""

from __future__ import annotations

import losses
from bench.plugins import ENV, loaded


def provenance(cls: type) -> dict | None:
    """None for a built-in objective; else the plugin that provided `cls`."""
    if cls.__module__.split(".")[0] == "losses":
        return None
    for plugin, classes in loaded():
        if cls in classes:
            return plugin.record()
    return {"module": cls.__module__}  # registered by the caller's own code (notebook, test)


def plugin_entry(objective: losses.Objective) -> dict:
    """`{"plugin": {...}}` to merge into a record, or {} for a built-in objective."""
    found = provenance(type(objective))
    return {} if found is None else {"plugin": found}


def _shown(record: dict, key: str) -> str | None:
    value = record.get(key)
    return repr(value[:120]) if isinstance(value, str) and value else None


def describe(record: object) -> str:
    r = record if isinstance(record, dict) else {}
    if _shown(r, "path"):
        sha = r.get("sha256") if isinstance(r.get("sha256"), str) else "?"
        return f"file {_shown(r, 'path')} (sha256 {sha[:12]!r})"
    dist = f" from {_shown(r, 'distribution')} {_shown(r, 'version')}" if _shown(
        r, "distribution") else ""
    return f"module {_shown(r, 'module') or '?'}{dist}"


def missing_plugin(name: str, record: object) -> str:
    """The objective `name` is not registered; the run says which plugin provided it."""
    r = record if isinstance(record, dict) else {}
    target = _shown(r, "path") or _shown(r, "module") or "?"
    install = ""
    if not _shown(r, "path") and _shown(r, "distribution"):
        pinned = f"{r['distribution']}=={r.get('version')}"
        install = f" (installed from its package: pip install {pinned[:120]!r})"
    return (f"objective {name!r} comes from the plugin {describe(r)}, which is not loaded; "
            f"pass --plugin {target} or set {ENV}={target}{install}")


def differs(name: str, record: object) -> str | None:
    """A note when the loaded plugin of `name` is not the version or file the run recorded."""
    now = provenance(losses.get(name))
    if not isinstance(record, dict) or now is None:
        return None
    if any(record.get(k) and record.get(k) != now.get(k) for k in ("version", "sha256")):
        return (f"note: objective {name!r} was trained with the plugin {describe(record)}, "
                f"but {describe(now)} is loaded")
    return None
