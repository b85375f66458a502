"""Objectives from outside the suite, loaded only when asked for, in three explicit ways:
installed packages' entry points in the `emotion_bench.objectives` group (installing is the
request), `--plugin MODULE_OR_FILE` on a command, and `BENCH_PLUGINS` (comma-separated).

Nothing here imports a name read from a run folder: a record names its plugin only so that
an error can say which one to load, so opening someone else's results never runs their code.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import losses
from bench.errors import BenchError
from losses.registry import NameTakenError

GROUP = "emotion_bench.objectives"
ENV = "BENCH_PLUGINS"


class PluginError(BenchError):
    """A plugin could not be loaded; the message names it and where it was asked for."""


@dataclass(frozen=True)
class Plugin:
    """Where one loaded plugin came from: what a run records about it."""

    spec: str  # as asked for: module name, file path, or entry point "name = value"
    origin: str  # "entry point", "--plugin" or "BENCH_PLUGINS"
    module: str
    distribution: str | None = None
    version: str | None = None
    path: str | None = None
    sha256: str | None = None

    def record(self) -> dict:
        if self.path is not None:  # a loose file: its content is its identity
            return {"module": self.module, "path": self.path, "sha256": self.sha256}
        return {"module": self.module, "distribution": self.distribution, "version": self.version}

    def label(self) -> str:
        return f"{self.spec!r} ({self.origin})"


# key (module name, file path, entry point) -> (plugin, the objective classes it provided);
# a second request re-registers the classes instead of importing again
_LOADED: dict[str, tuple[Plugin, tuple[type, ...]]] = {}


def loaded() -> list[tuple[Plugin, tuple[type, ...]]]:
    return list(_LOADED.values())


def builtin_names() -> set[str]:
    return {n for n in losses.names() if losses.get(n).__module__.split(".")[0] == "losses"}


def _registered(cls: object) -> bool:
    name = getattr(cls, "name", None)
    return name in losses.names() and losses.get(name) is cls


def _register_missing(plugin: Plugin, classes: tuple[type, ...]) -> None:
    for cls in classes:
        if not _registered(cls):
            _register(plugin, cls)


def _register(plugin: Plugin, cls: type) -> None:
    try:
        losses.register(cls)
    except NameTakenError as exc:
        raise _taken(plugin, exc.name) from None
    except ValueError as exc:
        raise PluginError(f"plugin {plugin.label()}: {exc}") from None


def _taken(plugin: Plugin, name: str) -> PluginError:
    if name in builtin_names():
        return PluginError(f"plugin {plugin.label()} reuses the built-in objective name "
                           f"{name!r}; give its Objective a name of its own")
    owner = next((p.label() for p, classes in _LOADED.values()
                  if any(c.name == name for c in classes)), "another module")
    return PluginError(f"plugin {plugin.label()} registers {name!r}, which {owner} already "
                       "provides; load only one of them")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def _import(plugin: Plugin, key: str, do_import) -> Plugin:
    """Run `do_import`; the objectives it registers are the plugin's (undone on failure)."""
    if key in _LOADED:  # asked for twice (entry point and --plugin, or main() called again)
        _register_missing(*_LOADED[key])
        return _LOADED[key][0]
    before = set(losses.names())
    try:
        obj = do_import()
        if inspect.isclass(obj) and issubclass(obj, losses.Objective):
            if not _registered(obj):  # an entry point may name an undecorated class
                _register(plugin, obj)
        elif not inspect.ismodule(obj):
            raise PluginError(f"plugin {plugin.label()} must name a module or an Objective "
                              f"subclass, but got {type(obj).__name__}")
    except PluginError:
        _undo(before)
        raise
    except NameTakenError as exc:
        _undo(before)
        raise _taken(plugin, exc.name) from None
    except Exception as exc:  # whatever the plugin's own code raises: one line naming it
        _undo(before)
        raise PluginError(f"plugin {plugin.label()} failed to import: {_first_line(exc)}") from None
    new = set(losses.names()) - before
    # a module imported earlier by other code registered its objectives back then
    provided = tuple(c for n in losses.names() if (c := losses.get(n)).__module__ == plugin.module
                     or c.__module__.startswith(plugin.module + ".") or n in new)
    if not provided:
        raise PluginError(f"plugin {plugin.label()} registered no objective; decorate an "
                          "Objective subclass with @register (from losses import register)")
    _LOADED[key] = (plugin, provided)
    return plugin


def _undo(before: set[str]) -> None:
    for name in set(losses.names()) - before:
        losses.registry.unregister(name)


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

    return _import(plugin, name, do_import)


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

    return _import(plugin, f"{path}:{digest}", do_import)  # an edited file is a new plugin


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
    return _import(plugin, f"{GROUP}:{ep.value}", ep.load)


def load_all(specs: list[str] | tuple[str, ...] = ()) -> list[Plugin]:
    """Installed entry points, then $BENCH_PLUGINS, then each `--plugin` value, in order."""
    found = [load_entry_point(ep) for ep in metadata.entry_points(group=GROUP)]
    found += [load(s, ENV) for s in os.environ.get(ENV, "").split(",") if s.strip()]
    return found + [load(s, "--plugin") for s in specs]
