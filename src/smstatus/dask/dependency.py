"""The optional packages of the Dask engine, imported on first use with an install hint."""

from __future__ import annotations

import importlib
from types import ModuleType

from smstatus.errors import MissingDependencyError

__all__ = ["import_optional"]


def import_optional(module: str, *, package: str = "dask", extra: str = "dask") -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(package, extra, "The Dask engine") from exc
