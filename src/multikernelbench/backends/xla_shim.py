"""A stand-in for torch_xla's ``make_kernel_from_pallas`` where torch_xla is not installed.

Published Pallas answers call
``make_kernel_from_pallas(jax_fn, output_shape_dtype_fn)`` and then call the
result on torch tensors. Here the returned callable hands the tensors to JAX
through DLPack (no copy on the same device), runs ``jax_fn`` and hands its
outputs back the same way: one tensor for one output, a tuple for several.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable
from typing import Any


def make_kernel_from_pallas(kernel: Callable[..., Any], output_shape_dtype_fn: Callable[..., Any]) -> Callable[..., Any]:
    """A torch-callable version of ``kernel``; ``output_shape_dtype_fn`` is accepted for compatibility."""
    def call(*args: Any, **kwargs: Any) -> Any:
        outputs = kernel(*[to_jax(a) for a in args], **kwargs)
        if isinstance(outputs, (tuple, list)):
            return tuple(to_torch(o) for o in outputs)
        return to_torch(outputs)

    call.__wrapped__ = kernel  # type: ignore[attr-defined]
    return call


def to_jax(value: Any) -> Any:
    """A torch tensor as a JAX array sharing its memory; anything else unchanged."""
    import jax.dlpack
    import torch

    if isinstance(value, torch.Tensor):
        return jax.dlpack.from_dlpack(value.detach().contiguous())
    return value


def to_torch(value: Any) -> Any:
    """A JAX array as a torch tensor sharing its memory; anything else unchanged."""
    import torch

    if hasattr(value, "__dlpack__"):
        return torch.from_dlpack(value)
    return value


def install_if_missing() -> None:
    """Make ``torch_xla.experimental.custom_kernel.make_kernel_from_pallas`` importable when torch_xla is absent."""
    if importlib.util.find_spec("torch_xla") is not None:
        return
    names = ("torch_xla", "torch_xla.experimental", "torch_xla.experimental.custom_kernel")
    modules = [types.ModuleType(name) for name in names]
    for parent, child in zip(modules, modules[1:]):
        setattr(parent, child.__name__.rsplit(".", 1)[1], child)
        parent.__path__ = []  # a package, so the submodule import works
    modules[-1].make_kernel_from_pallas = make_kernel_from_pallas  # type: ignore[attr-defined]
    for module in modules:
        sys.modules.setdefault(module.__name__, module)
