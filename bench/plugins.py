"""Objectives from outside the suite, loaded only when asked for, in three explicit ways:
installed packages' entry points in the `emotion_bench.objectives` group (installing is the
request), `--plugin MODULE_OR_FILE` on a command, and `BENCH_PLUGINS` (comma-separated).

This module finds and imports plugins; bench.plugin_registry checks and keeps what each one
registered (its names are re-exported here). Nothing here imports a name read from a run
folder: a record names its plugin only so that an error can say which one to load, so
opening someone else's results never runs their code.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
from importlib import metadata
from pathlib import Path

from bench.plugin_registry import Plugin, PluginError, builtin_names, loaded, register_import

__all__ = ["ENV", "GROUP", "Plugin", "PluginError", "builtin_names", "load", "load_all",
           "load_entry_point", "load_file", "load_module", "loaded"]

GROUP = "emotion_bench.objectives"
ENV = "BENCH_PLUGINS"


def _distribution(module: str) -> tuple[str | None, str | None]:
    dists = metadata.packages_distributions().get(module.split(".")[0], [])
    if not dists:
        return None, None
    return dists[0], metadata.version(dists[0])


def load_module(name: str, origin: str) -> Plugin:
    dist, version = _distribution(name)
    plugin = Plugin(spec=name, origin=origin, module=name, distribution=dist, version=version)

    def do_import() -> object:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in (name, name.split(".")[0]):
                raise  # the plugin exists but one of its own imports is missing
            raise PluginError(f"plugin {plugin.label()}: no module named {name!r}; install "
                              "its package, or give the path to a .py file") from None

    return register_import(plugin, name, do_import)


def load_file(path_text: str, origin: str) -> Plugin:
    path = Path(path_text).expanduser().resolve()
    if not path.is_file() or path.suffix != ".py":
        raise PluginError(f"plugin {path_text!r} ({origin}): no such .py file")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    # a private module name: the file cannot shadow or be shadowed by an installed module
    stem = re.sub(r"\W", "_", path.stem)
    module = f"_bench_plugin_{stem}_{digest[:8]}"
    plugin = Plugin(spec=path_text, origin=origin, module=module, path=str(path), sha256=digest)

    def do_import() -> object:
        spec = importlib.util.spec_from_file_location(module, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[module] = mod  # dataclasses and typing look classes' modules up here
        try:
            spec.loader.exec_module(mod)
        except BaseException:
            sys.modules.pop(module, None)
            raise
        return mod

    return register_import(plugin, f"{path}:{digest}", do_import)  # an edited file is a new plugin


def load(spec: str, origin: str) -> Plugin:
    """One plugin: a path to a .py file, or else a dotted module name."""
    spec = spec.strip()
    if spec.endswith(".py") or os.sep in spec or "/" in spec:
        return load_file(spec, origin)
    return load_module(spec, origin)


def load_entry_point(ep: metadata.EntryPoint) -> Plugin:
    dist = getattr(ep, "dist", None)
    name, version = (dist.name, dist.version) if dist is not None else (None, None)
    origin = f"entry point of {name} {version}" if name else "entry point"
    plugin = Plugin(spec=f"{ep.name} = {ep.value}", origin=origin,
                    module=ep.module, distribution=name, version=version)
    return register_import(plugin, f"{GROUP}:{ep.value}", ep.load)


def load_all(specs: list[str] | tuple[str, ...] = ()) -> list[Plugin]:
    """Installed entry points, then $BENCH_PLUGINS, then each `--plugin` value, in order."""
    found = [load_entry_point(ep) for ep in metadata.entry_points(group=GROUP)]
    found += [load(s, ENV) for s in os.environ.get(ENV, "").split(",") if s.strip()]
    return found + [load(s, "--plugin") for s in specs]
