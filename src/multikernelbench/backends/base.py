"""The one interface every backend implements, each step documented.

A backend is a language and its toolchain plus a device kind (see
:mod:`multikernelbench.backends.devices`, which owns synchronisation, timing,
cache flushes and fingerprints). A backend object lives in two places. The
parent process (CLI, evaluator) only uses class attributes,
:meth:`Backend.unavailable_reason`, :meth:`Backend.mode` and
:meth:`Backend.toolchain`, so listing or rejecting a backend never imports
torch. Workers (child processes) use the rest.

A backend also owns its prompt material: ``solutions/<name>/`` holds its
prompt template (``prompt.md.j2``) and its bundled answers (``<task>.txt``),
which are both the one-shot exemplars and the embedded default run.
"""

from __future__ import annotations

import os
import types
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from multikernelbench.backends.devices import Device, HostCPU, device_class
from multikernelbench.errors import UserError

SOLUTIONS_ROOT = Path(__file__).resolve().parent.parent / "solutions"
PROMPT_TEMPLATE = "prompt.md.j2"

#: Environment variable naming the build cache's root inside workers, for artefacts shared between builds.
SHARED_CACHE_VARIABLE = "MKB_BUILD_CACHE"

# The worker's three modes, as strings so the parent needs no worker imports.
NATIVE, INTERPRETER, BUILD_ONLY = "native", "interpreter", "build_only"


class KernelWatch:
    """Counts launches of the answer's own kernels inside the runner, while ``counting`` is on.

    Each backend installs the hook that feeds it (see :meth:`Backend.watch_own_kernels`).
    ``per_call`` is False where a launch is seen only when the kernel is traced into a
    computation (a ``pallas_call`` inside ``jax.jit``), so the count is cumulative.
    """

    def __init__(self, per_call: bool = True) -> None:
        self.launches = 0
        self.counting = False
        self.per_call = per_call

    def saw(self) -> None:
        if self.counting:
            self.launches += 1


class Backend(ABC):
    """A language and toolchain for candidates, and the device their kernels run on."""

    #: Name used on the command line (``--backend``).
    name: ClassVar[str]
    #: The language of answers, as prompts and fenced blocks name it.
    language: ClassVar[str]
    #: Device kind the kernels run on natively ("cpu", "cuda").
    device_kind: ClassVar[str] = "cpu"
    #: Without the device, kernels can still run through an interpreter on the CPU (correctness only).
    has_interpreter: ClassVar[bool] = False
    #: Without the device, answers can still be built (compile verdicts only).
    builds_without_device: ClassVar[bool] = False
    #: What to install when the backend is unavailable.
    install_hint: ClassVar[str] = ""
    #: What the answer's own kernels are, for the static integrity check: "load_inline", "triton_jit"
    #: or "pallas_call".
    kernel_kind: ClassVar[str] = "load_inline"

    # ---- the parent process: must not import torch ----

    @abstractmethod
    def unavailable_reason(self) -> str | None:
        """None when this machine has the toolchain to build and load candidates, else a one-line reason."""

    def mode(self, build_only: bool = False) -> str:
        """How this machine runs the backend (its toolchain being available): native, interpreter or build_only.

        A one-line :class:`UserError` when its device is absent and it has no interpreter, or
        when only a build-only evaluation is possible and it was not asked for (a build-only
        pass is no pass).
        """
        if build_only:
            return BUILD_ONLY
        absent = device_class(self.device_kind).absent_reason()
        if absent is None:
            return NATIVE
        if self.has_interpreter:
            return INTERPRETER
        if self.builds_without_device:
            raise UserError(f"backend '{self.name}' cannot run here: {absent}; add --build-only to check that "
                            "answers compile (compile verdicts only, never a pass)")
        raise UserError(f"backend '{self.name}' cannot run here: {absent}")

    def toolchain(self, build_only: bool = False) -> dict[str, str]:
        """What changes a built artefact besides its source (compiler and toolkit versions, target
        architecture): part of the build-cache key and of the verdict's versions. No torch import."""
        return {}

    def build_environment(self, build_dir: Path, mode: str) -> dict[str, str]:
        """Environment variables for workers of a candidate whose private build directory is ``build_dir``.

        ``build_dir`` is keyed by the source's hash and the toolchain, so identical
        builds share it and different ones never collide.
        """
        return {}

    @classmethod
    def material_dir(cls) -> Path:
        """The backend's folder of prompt material: ``prompt.md.j2`` and bundled answers ``<task>.txt``."""
        return SOLUTIONS_ROOT / cls.name

    # ---- the worker process ----

    def device(self, mode: str) -> Device:
        """The device this worker's check and timing run on (the host CPU for an interpreter)."""
        return HostCPU() if mode == INTERPRETER else device_class(self.device_kind)()

    def prepare(self, mode: str) -> None:
        """Set up the worker before any candidate code runs (default: nothing)."""

    def load_candidate(self, source: str, module_name: str, source_path: Path) -> types.ModuleType:
        """Execute the candidate module's top level (which may compile its kernels) and return it.

        Runs inside a worker: a crash here only ends that worker.
        """
        module = types.ModuleType(module_name)
        module.__file__ = str(source_path)
        code = compile(source, str(source_path), "exec")
        exec(code, module.__dict__)  # noqa: S102 - untrusted code, isolated in a child process
        return module

    def watch_own_kernels(self, candidate_file: str) -> KernelWatch | None:
        """Hook the launches of kernels the answer in ``candidate_file`` defines (before it loads); None
        when this backend cannot see its kernels run."""
        return None

    def clear_stale_build_state(self, build_dir: Path) -> None:
        """Remove what a killed build left in ``build_dir`` (called holding the build lock; default: nothing)."""

    def forbid_builds(self) -> None:
        """Make any attempt to build from now on fail (the check phase loads what the build phase built)."""

    def is_compile_error(self, exc: BaseException) -> bool:
        """True when ``exc``, raised by a candidate's call, is its kernel failing to compile.

        JIT languages compile on the first call: their compile errors surface in the check
        phase but count as compile failures, so Comp@k means the same on every backend.
        """
        return False

    def is_device_fault(self, exc: BaseException) -> bool:
        """True when ``exc`` is a fault of the device (the worker must not be reused)."""
        return any(marker in str(e) for e in exception_chain(exc) for marker in _DEVICE_FAULT_MARKERS)

    def versions(self) -> dict[str, Any]:
        """Software versions that affect results, as seen inside the worker."""
        return dict(self.toolchain())


_DEVICE_FAULT_MARKERS = ("illegal memory access", "misaligned address", "unspecified launch failure",
                         "device-side assert", "CUDA error: an illegal instruction", "CUDA_ERROR_ILLEGAL")


def shared_cache_dir() -> Path | None:
    """Inside a worker: the build cache's root, where backends keep artefacts shared between builds."""
    value = os.environ.get(SHARED_CACHE_VARIABLE)
    return Path(value) if value else None


def exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from, outermost first."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
