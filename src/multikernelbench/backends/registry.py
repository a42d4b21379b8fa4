"""Backend names -> implementations, including plugins from an entry-point group.

Built-in backends are named as "module:Class" strings so that nothing heavy is
imported until a backend is actually used. A plugin package registers more
backends under the ``multikernelbench.backends`` entry-point group.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from multikernelbench.backends.base import Backend
from multikernelbench.errors import UserError

ENTRY_POINT_GROUP = "multikernelbench.backends"

BUILTIN_BACKENDS: dict[str, str] = {
    "cpp": "multikernelbench.backends.cpp:CppBackend",
    "cuda": "multikernelbench.backends.cuda:CudaBackend",
    "triton": "multikernelbench.backends.triton:TritonBackend",
    "pallas": "multikernelbench.backends.pallas:PallasBackend",
}


def backend_specs() -> dict[str, str]:
    """All known backend names and their "module:Class" targets (plugins may not override built-ins)."""
    specs = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    specs.update(BUILTIN_BACKENDS)
    return specs


def backend_names() -> list[str]:
    return sorted(backend_specs())


def get_backend(name: str) -> Backend:
    """Instantiate a backend by name; a one-line :class:`UserError` if unknown or broken."""
    specs = backend_specs()
    if name not in specs:
        raise UserError(f"unknown backend '{name}'; available backends: {', '.join(sorted(specs))}")
    module_name, _, class_name = specs[name].partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise UserError(f"backend '{name}' could not be loaded from {specs[name]} ({exc}); reinstall the package that provides it") from None
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise UserError(f"backend '{name}' ({specs[name]}) is not a multikernelbench Backend subclass")
    return cls()


def require_backend(name: str) -> Backend:
    """A backend that is usable on this machine, else a one-line error naming what to install."""
    backend = get_backend(name)
    reason = backend.unavailable_reason()
    if reason:
        raise UserError(f"backend '{name}' is unavailable: {reason}")
    return backend
