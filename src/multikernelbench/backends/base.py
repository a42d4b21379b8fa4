"""The one interface every backend implements, each step documented.

A backend object lives in two places. The parent process (CLI, evaluator)
only uses the class attributes and :meth:`Backend.unavailable_reason`, so
listing or rejecting a backend never imports torch. Evaluation workers
(child processes) use the rest: environment for builds, executing the
candidate module, device placement, synchronisation and timing.
"""

from __future__ import annotations

import os
import time
import types
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar


class Backend(ABC):
    """A hardware platform and the language its candidates are written in."""

    #: Name used on the command line (``--backend``).
    name: ClassVar[str]
    #: The language of answers, as prompts and fenced blocks name it.
    language: ClassVar[str]
    #: torch device type the check and timing run on ("cpu", "cuda", ...).
    device_type: ClassVar[str]
    #: True when kernels run on the host CPU: timing must then not overlap builds.
    runs_on_host_cpu: ClassVar[bool] = False
    #: True when the worker may cap its address space (not with GPU drivers that map huge ranges).
    limit_address_space: ClassVar[bool] = False
    #: What to install when the backend is unavailable.
    install_hint: ClassVar[str] = ""

    # ---- availability (parent process: must not import torch) ----

    @abstractmethod
    def unavailable_reason(self) -> str | None:
        """None when this machine can build and run candidates, else a one-line reason with the fix."""

    # ---- build (worker process) ----

    def build_environment(self, build_dir: Path) -> dict[str, str]:
        """Environment variables for the child that builds and loads a candidate.

        ``build_dir`` is private to one candidate source (keyed by its hash), so
        identical sources share a build and different sources never collide.
        """
        return {}

    def load_candidate(self, source: str, module_name: str, source_path: Path) -> types.ModuleType:
        """Execute the candidate module's top level (which compiles its kernels) and return it.

        Runs inside a worker: a crash here only ends that worker.
        """
        module = types.ModuleType(module_name)
        module.__file__ = str(source_path)
        code = compile(source, str(source_path), "exec")
        exec(code, module.__dict__)  # noqa: S102 - untrusted code, isolated in a child process
        return module

    # ---- check and time (worker process) ----

    @abstractmethod
    def device(self) -> Any:
        """The torch.device inputs and models are placed on."""

    @abstractmethod
    def synchronize(self) -> None:
        """Block until all work queued on the device has finished."""

    @abstractmethod
    def hardware(self) -> dict[str, Any]:
        """A description of the device the worker runs on (model, cores, memory...)."""

    def versions(self) -> dict[str, Any]:
        """Software versions that affect results (compilers, runtimes)."""
        return {}

    def time_call(self, fn: Callable[[], Any]) -> float:
        """Wall time of one call of ``fn`` in milliseconds, device work included.

        The default synchronises before and after and reads a monotonic clock;
        accelerator backends override it with device events.
        """
        self.synchronize()
        start = time.perf_counter_ns()
        fn()
        self.synchronize()
        return (time.perf_counter_ns() - start) / 1e6

    def flush_cache(self) -> None:
        """Evict caches between timing trials so each trial starts cold (default: nothing)."""


def cpu_count() -> int:
    """CPUs this process may use (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
