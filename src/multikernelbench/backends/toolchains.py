"""Facts about the build toolchains, read without importing torch: compilers, nvcc, the torch build.

They name what changes a built artefact, so they go into the build-cache key:
two virtual environments with different torch builds, or a new compiler,
never share a build. Also the helper that keeps ``load_inline`` from building
outside the build phase.

``python -m multikernelbench.backends.toolchains BACKEND [--build-only]``
prints a backend's toolchain as JSON, so the evaluator can ask the
interpreter its workers use, which may not be its own.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path


@cache
def cxx_compiler() -> str | None:
    """The C++ compiler torch's extension builder will use ($CXX, else c++, g++, clang++)."""
    candidates = [os.environ.get("CXX"), "c++", "g++", "clang++"]
    return next((c for c in candidates if c and shutil.which(c)), None)


@cache
def first_line_of(command: tuple[str, ...]) -> str:
    """The first line a ``--version``-style command prints, or the command's name if it cannot run."""
    try:
        out = subprocess.run(list(command), capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return command[0]
    return out.strip().splitlines()[0] if out.strip() else command[0]


def cxx_version() -> str:
    compiler = cxx_compiler()
    return first_line_of((compiler, "--version")) if compiler else "none"


def cuda_home() -> Path | None:
    """The CUDA toolkit's root: $CUDA_HOME, else the folder above the real nvcc's ``bin``.

    The ``nvcc`` on PATH may be a symlink or a small wrapper script (``exec /opt/cuda/bin/nvcc "$@"``):
    both are followed to the toolkit whose headers and libraries sit beside it.
    """
    if os.environ.get("CUDA_HOME"):
        return Path(os.environ["CUDA_HOME"])
    found = shutil.which("nvcc")
    if found is None:
        return None
    candidates = [Path(found).resolve()]
    try:
        head = Path(found).read_bytes()[:4096].decode(errors="ignore")
        candidates += [Path(p) for p in re.findall(r"(/[^\s\"']+/bin/nvcc)\b", head)]
    except OSError:
        pass
    for nvcc in candidates:
        root = nvcc.parent.parent
        if (root / "include" / "cuda_runtime.h").exists() or any(root.glob("targets/*/include/cuda_runtime.h")):
            return root
    return candidates[0].parent.parent


def nvcc_version() -> str | None:
    """nvcc's release line ("Cuda compilation tools, release 13.0, V13.0.88"), None without nvcc."""
    home = cuda_home()
    nvcc = home / "bin" / "nvcc" if home else None
    if nvcc is None or not nvcc.exists():
        return None
    try:
        out = subprocess.run([str(nvcc), "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    release = [line for line in out.splitlines() if "release" in line]
    return release[0].strip() if release else out.strip().splitlines()[-1]


@cache
def torch_build() -> dict[str, str]:
    """torch's version, git commit and CUDA version, read from its ``version.py`` (no import)."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return {"torch": "none"}
    text = (Path(spec.submodule_search_locations[0]) / "version.py").read_text()
    fields = dict(re.findall(r"^(__version__|git_version|cuda)\b[^=]*=\s*'?([^'\n]*)'?", text, re.MULTILINE))
    return {"torch": fields.get("__version__", "unknown"), "torch_git": fields.get("git_version", "unknown"),
            "torch_cuda": fields.get("cuda", "None")}


def torch_site() -> Path | None:
    """The folder that holds the torch package (its ``nvidia/`` wheels sit beside it)."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(spec.submodule_search_locations[0]).parent


def package_missing(module: str, install: str) -> str | None:
    """Why a backend whose answers import ``module`` cannot run here (torch or the package absent), or None."""
    if importlib.util.find_spec("torch") is None:
        return "PyTorch is not installed; run: pip install torch==2.13.0"
    if importlib.util.find_spec(module) is None:
        return f"{module} is not installed; run: {install}"
    return None


def jit_toolchain(package: str, gpu_capability: str | None, build_only: bool) -> dict[str, str]:
    """What changes a JIT backend's compiled kernels: the torch build, the package's version and the GPU."""
    return {**torch_build(), package: importlib.metadata.version(package),
            "gpu": "" if build_only else (gpu_capability or "interpreter")}


def forbid_extension_builds() -> None:
    """Make torch's JIT extension builder raise instead of compiling anything.

    The check phase loads what the build phase built: in a fresh process torch still runs
    ninja, which finds nothing to do. If ninja would compile (a cache key that missed
    something that changes the build), failing loudly beats a build inside the check's
    time limit.
    """
    import torch.utils.cpp_extension as cpp_extension

    run_ninja = cpp_extension._run_ninja_build  # type: ignore[attr-defined]

    def run_only_if_built(build_directory: str, verbose: bool, error_prefix: str) -> None:
        dry = subprocess.run(["ninja", "-n"], cwd=build_directory, capture_output=True, text=True, timeout=60)
        if dry.returncode != 0 or "no work to do" not in dry.stdout:
            raise RuntimeError("load_inline would compile in the check phase: the build phase's result was not "
                               "reused (the harness's build-cache key missed something that changes the build)")
        run_ninja(build_directory, verbose, error_prefix)

    cpp_extension._run_ninja_build = run_only_if_built  # type: ignore[attr-defined]


def main(argv: list[str]) -> int:
    from multikernelbench.backends.registry import get_backend

    import platform

    backend = get_backend(argv[1])
    facts = {**backend.toolchain(build_only="--build-only" in argv), "python": platform.python_version()}
    print(json.dumps({"unavailable": backend.unavailable_reason(), "toolchain": facts}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
