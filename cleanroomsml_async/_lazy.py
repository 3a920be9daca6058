"""Module attributes imported on first access (PEP 562), for the models' public module."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_attributes"]


def lazy_attributes(
    module_name: str, package: str, homes: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """A ``__getattr__`` and a ``__dir__`` for ``module_name``, whose names live elsewhere.

    ``homes`` maps each name to the module of ``package`` that defines it. The first access
    imports that module and stores the value in ``module_name``'s namespace, so later
    accesses are plain attribute lookups that never reach ``__getattr__``.
    """
    namespace = sys.modules[module_name].__dict__

    def __getattr__(name: str) -> object:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *homes})

    return __getattr__, __dir__
