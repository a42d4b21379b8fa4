"""C++ on the host CPU: candidates build with ``torch.utils.cpp_extension.load_inline(cpp_sources=...)``.

OpenMP is allowed (``-fopenmp`` in the candidate's flags). Kernels run on the
same cores as builds, so the evaluator never times while building.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from multikernelbench.backends.base import Backend, cpu_count


class CppBackend(Backend):
    name = "cpp"
    language = "cpp"
    device_type = "cpu"
    runs_on_host_cpu = True
    limit_address_space = True
    install_hint = "pip install torch==2.13.0 ninja, and a C++ compiler (apt-get install g++)"

    def unavailable_reason(self) -> str | None:
        if importlib.util.find_spec("torch") is None:
            return "PyTorch is not installed; run: pip install torch==2.13.0"
        if _compiler() is None:
            return "no C++ compiler found (set CXX or install one: apt-get install g++)"
        if importlib.util.find_spec("ninja") is None and shutil.which("ninja") is None:
            return "ninja is not installed; run: pip install ninja"
        return None

    def build_environment(self, build_dir: Path) -> dict[str, str]:
        # load_inline puts each extension under $TORCH_EXTENSIONS_DIR/<name>: a private
        # root per source hash keeps same-named extensions of different candidates apart.
        return {"TORCH_EXTENSIONS_DIR": str(build_dir / "torch_extensions")}

    def device(self) -> Any:
        import torch

        return torch.device("cpu")

    def synchronize(self) -> None:
        """CPU kernels are synchronous: nothing to wait for."""

    def hardware(self) -> dict[str, Any]:
        import torch

        return {
            "device": "cpu",
            "cpu": _cpu_model(),
            "logical_cores": cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "machine": platform.machine(),
        }

    def versions(self) -> dict[str, Any]:
        return {"compiler": _compiler_version()}


@cache
def _compiler() -> str | None:
    candidates = [os.environ.get("CXX"), "c++", "g++", "clang++"]
    return next((c for c in candidates if c and shutil.which(c)), None)


@cache
def _compiler_version() -> str:
    compiler = _compiler()
    if compiler is None:
        return "none"
    try:
        out = subprocess.run([compiler, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return compiler
    return out.splitlines()[0] if out else compiler


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
