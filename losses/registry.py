"""Name -> Objective class registry, filled by the `@register` decorator in each loss file."""

from __future__ import annotations

import contextlib
import difflib
import inspect
from collections.abc import Iterator

from .base import Objective

_REGISTRY: dict[str, type[Objective]] = {}


class NameTakenError(ValueError):
    """`register` of a name that is already registered; `.name` is that name."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def register(cls: type[Objective]) -> type[Objective]:
    """Class decorator adding an Objective under `cls.name`; fails fast on a malformed class."""
    if not (inspect.isclass(cls) and issubclass(cls, Objective)):
        raise ValueError(f"register expects an Objective subclass but got {cls=}")
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name.isidentifier() or name != name.lower():
        raise ValueError(f"{cls.__name__}.name must be a snake_case identifier but got {name=}")
    if inspect.isabstract(cls):
        raise ValueError(f"{cls.__name__} must implement compute_loss but got an abstract class")
    if "lr_multiplier" not in cls.defaults:
        raise ValueError(
            f"{cls.__name__}.defaults must contain 'lr_multiplier' but got {cls.defaults=}"
        )
    changed = {k: v for k, v in cls.former_defaults.items()
               if k not in cls.defaults or cls.defaults[k] == v}
    if changed:
        raise ValueError(f"{cls.__name__}.former_defaults must name hyperparameters of "
                         f"defaults, each with a value other than today's, but got {changed=}")
    extra = sorted(set(cls.search_space) - set(cls.defaults))
    if extra:
        raise ValueError(f"{cls.__name__}.search_space keys need a default but got {extra=}")
    if name in _REGISTRY:
        raise NameTakenError(
            name, f"an objective named {name!r} is already registered: {_REGISTRY[name]}"
        )
    _REGISTRY[name] = cls
    return cls


def unregister(name: str) -> None:
    get(name)  # same error message as for an unknown name
    del _REGISTRY[name]


@contextlib.contextmanager
def isolated() -> Iterator[None]:
    """Restore the registry on exit, so tests can register throwaway objectives."""
    saved = dict(_REGISTRY)
    try:
        yield
    finally:
        _REGISTRY.clear()
        _REGISTRY.update(saved)


def names() -> list[str]:
    return sorted(_REGISTRY)


def get(name: str) -> type[Objective]:
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown objective {name=}, valid ones are {names()}{hint}") from None


def build(
    name: str, *, num_classes: int, embedding_dim: int, multi_label: bool, **hparams: object
) -> Objective:
    """Instantiate a registered objective; unknown or invalid hparams raise ValueError."""
    return get(name)(
        num_classes=num_classes, embedding_dim=embedding_dim, multi_label=multi_label, **hparams
    )
