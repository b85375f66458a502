"""What each loaded plugin registered: the checks around registering its objectives.

bench.plugins decides what to import (entry points, `--plugin`, $BENCH_PLUGINS) and hands
the import to `register_import`, which runs it and keeps, per plugin, the objective classes
it registered: a name clash or a broken plugin becomes one error line and is undone, and a
plugin asked for twice is re-registered instead of imported again. This module imports
nothing by name itself, so it cannot be made to import what a run folder names.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import losses
from bench.errors import BenchError
from losses.registry import NameTakenError


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


def register_import(plugin: Plugin, key: str, do_import: Callable[[], object]) -> Plugin:
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
