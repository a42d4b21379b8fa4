"""C++ on the host CPU: candidates build with ``torch.utils.cpp_extension.load_inline(cpp_sources=...)``.

OpenMP is allowed (``-fopenmp`` in the candidate's flags). Kernels run on the
same cores as builds, so the evaluator never times while building.
:class:`LoadInlineBackend` holds what every ``load_inline`` language shares.
"""

from __future__ import annotations

import functools
import importlib.util
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from multikernelbench.backends import toolchains
from multikernelbench.backends.base import Backend, KernelWatch, shared_cache_dir
from multikernelbench.backends.precompiled_headers import use_precompiled_headers


class LoadInlineBackend(Backend):
    """Answers that build with torch's ``load_inline`` (C++, CUDA): a private extensions folder per build."""

    def build_environment(self, build_dir: Path, mode: str) -> dict[str, str]:
        # load_inline puts each extension under $TORCH_EXTENSIONS_DIR/<name>: a private root per
        # build key keeps same-named extensions of different candidates apart.
        return {"TORCH_EXTENSIONS_DIR": str(build_dir / "torch_extensions")}

    def clear_stale_build_state(self, build_dir: Path) -> None:
        # torch's own build lock is a plain file that a killed build leaves behind, and torch then
        # waits on it forever. The caller holds our lock, so no other process builds here.
        for baton in build_dir.glob("torch_extensions/*/lock"):
            baton.unlink(missing_ok=True)

    def forbid_builds(self) -> None:
        toolchains.forbid_extension_builds()

    def watch_own_kernels(self, candidate_file: str) -> KernelWatch | None:
        """Every function of an extension that ``load_inline`` (or ``load``) returns counts its calls."""
        from torch.utils import cpp_extension

        watch = KernelWatch()
        for name in ("load_inline", "load"):
            setattr(cpp_extension, name, _counting_loader(getattr(cpp_extension, name), watch))
        return watch


def _counting_loader(loader: Callable[..., Any], watch: KernelWatch) -> Callable[..., Any]:
    @functools.wraps(loader)
    def load(*args: Any, **kwargs: Any) -> Any:
        module = loader(*args, **kwargs)
        for name in dir(module):
            function = getattr(module, name)
            if not name.startswith("_") and callable(function) and not isinstance(function, type):
                setattr(module, name, _counted(function, watch))
        return module

    return load


def _counted(function: Callable[..., Any], watch: KernelWatch) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        watch.saw()
        return function(*args, **kwargs)

    return call


class CppBackend(LoadInlineBackend):
    name = "cpp"
    language = "cpp"
    device_kind = "cpu"
    install_hint = "pip install torch==2.13.0 ninja, and a C++ compiler (apt-get install g++)"

    def unavailable_reason(self) -> str | None:
        return load_inline_missing() or (
            None if toolchains.cxx_compiler() else "no C++ compiler found (set CXX or install one: apt-get install g++)")

    def toolchain(self, build_only: bool = False) -> dict[str, str]:
        # Builds with a precompiled torch header differ from builds without: a key of their own.
        return {**toolchains.torch_build(), "compiler": toolchains.cxx_version(), "torch_header": "precompiled"}

    def prepare(self, mode: str) -> None:
        shared = shared_cache_dir()
        if shared is not None:
            use_precompiled_headers(shared)


def load_inline_missing() -> str | None:
    """Why torch's ``load_inline`` cannot work here (torch or ninja missing), or None."""
    if importlib.util.find_spec("torch") is None:
        return "PyTorch is not installed; run: pip install torch==2.13.0"
    if importlib.util.find_spec("ninja") is None and shutil.which("ninja") is None:
        return "ninja is not installed; run: pip install ninja"
    return None
