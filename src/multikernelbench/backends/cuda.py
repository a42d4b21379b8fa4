"""CUDA on an NVIDIA GPU: answers build ``cuda_sources`` with ``torch.utils.cpp_extension.load_inline``.

The target architecture is the worker's GPU (``TORCH_CUDA_ARCH_LIST`` from its
compute capability, unless the user set one). Without a GPU, a machine with
nvcc and a CUDA build of torch can still build answers: ``--build-only`` gives
exactly the build verdict a GPU host would, never a pass.
"""

from __future__ import annotations

import os
from pathlib import Path

from multikernelbench.backends import toolchains
from multikernelbench.backends.base import BUILD_ONLY
from multikernelbench.backends.cpp import LoadInlineBackend, load_inline_missing
from multikernelbench.backends.devices import CudaGPU

#: The architecture a build-only evaluation targets when no GPU names one (Hopper: H100, H200).
BUILD_ONLY_ARCH = "9.0"


class CudaBackend(LoadInlineBackend):
    name = "cuda"
    language = "cuda"
    device_kind = "cuda"
    builds_without_device = True
    install_hint = "a CUDA build of torch, ninja and the CUDA toolkit's nvcc (set CUDA_HOME to its root)"

    def unavailable_reason(self) -> str | None:
        missing = load_inline_missing()
        if missing:
            return missing
        if toolchains.torch_build().get("torch_cuda") in (None, "None"):
            return (f"the installed torch ({toolchains.torch_build()['torch']}) is a CPU build; install a CUDA build "
                    "of torch, or point --worker-python at an environment that has one")
        if toolchains.nvcc_version() is None:
            return "nvcc was not found; install the CUDA toolkit and set CUDA_HOME to its root"
        return None

    def toolchain(self, build_only: bool = False) -> dict[str, str]:
        return {**toolchains.torch_build(), "compiler": toolchains.cxx_version(),
                "nvcc": toolchains.nvcc_version() or "none", "cuda_arch": target_arch(build_only)}

    def build_environment(self, build_dir: Path, mode: str) -> dict[str, str]:
        return {**super().build_environment(build_dir, mode), "TORCH_CUDA_ARCH_LIST": target_arch(mode == BUILD_ONLY)}

    def prepare(self, mode: str) -> None:
        """Point the worker's compilers at the toolkit and at the CUDA headers of the worker's own torch."""
        home = toolchains.cuda_home()
        if home is not None:
            os.environ.setdefault("CUDA_HOME", str(home))
        # CUDA 12/13 wheels of torch ship headers the toolkit may lack (cusparse.h, ...) under nvidia/*/include.
        site = toolchains.torch_site()
        headers = sorted(str(p) for p in site.glob("nvidia/cu*/include")) if site else []
        if headers:
            os.environ["CPATH"] = os.pathsep.join([*headers, os.environ.get("CPATH", "")]).rstrip(os.pathsep)


def target_arch(build_only: bool) -> str:
    """TORCH_CUDA_ARCH_LIST for builds: the user's, else the first GPU's capability, else Hopper's."""
    if os.environ.get("TORCH_CUDA_ARCH_LIST"):
        return os.environ["TORCH_CUDA_ARCH_LIST"]
    capability = None if build_only else CudaGPU.capability(0)
    return capability or BUILD_ONLY_ARCH
