"""JAX Pallas: kernels written with ``pallas_call``, called on torch tensors through DLPack.

On an NVIDIA GPU, Pallas lowers them for the GPU and torch and JAX share the
device's memory through DLPack. Without a GPU, every ``pallas_call`` runs in
interpret mode on the CPU, without the answer having to ask for it:
correctness verdicts, and interpreter times that are never speeds.

Answers in the published format wrap their kernel with torch_xla's
``make_kernel_from_pallas``. Where torch_xla is installed that is used as it
is; elsewhere :mod:`multikernelbench.backends.xla_shim` provides the same call,
running the JAX function on DLPack views of the torch tensors, so those answers
run unchanged on GPUs and CPUs. (A TPU host needs torch_xla: torch tensors do
not live on a TPU without it.)
"""

from __future__ import annotations

import functools
from pathlib import Path

from multikernelbench.backends import toolchains
from multikernelbench.backends.base import INTERPRETER, Backend, KernelWatch, exception_chain
from multikernelbench.backends.devices import CudaGPU

# Raised when Pallas cannot lower or compile a kernel for the device.
_COMPILE_ERRORS = ("LoweringException", "LoweringError", "MosaicError", "CompilationError")
_COMPILE_TEXT = ("failed to lower", "Mosaic failed to compile", "Triton compilation failed", "Unimplemented primitive")


class PallasBackend(Backend):
    name = "pallas"
    language = "python"
    device_kind = "cuda"
    has_interpreter = True
    install_hint = "pip install 'jax[cpu]' (GPU hosts: jax with its CUDA plugin)"
    kernel_kind = "pallas_call"

    def unavailable_reason(self) -> str | None:
        return toolchains.package_missing("jax", "pip install 'jax[cpu]' (or jax with its CUDA plugin on a GPU host)")

    def toolchain(self, build_only: bool = False) -> dict[str, str]:
        return toolchains.jit_toolchain("jax", None if build_only else CudaGPU.capability(0), build_only)

    def build_environment(self, build_dir: Path, mode: str) -> dict[str, str]:
        # JAX takes 75% of GPU memory at start by default, leaving torch's inputs and references none.
        env = {"XLA_PYTHON_CLIENT_PREALLOCATE": "false", "JAX_COMPILATION_CACHE_DIR": str(build_dir / "jax_cache")}
        if mode == INTERPRETER:
            env["JAX_PLATFORMS"] = "cpu"
        return env

    def prepare(self, mode: str) -> None:
        from multikernelbench.backends import xla_shim

        xla_shim.install_if_missing()
        if mode == INTERPRETER:
            from jax.experimental import pallas

            pallas.pallas_call = _interpreted(pallas.pallas_call)

    def watch_own_kernels(self, candidate_file: str) -> KernelWatch | None:
        """Calls of the kernels ``pallas_call`` made. Inside ``jax.jit`` a kernel is called when it is
        traced, not at each run, so the count is cumulative over the check (``per_call`` False)."""
        from jax.experimental import pallas

        watch = KernelWatch(per_call=False)
        pallas.pallas_call = _counting_pallas_call(pallas.pallas_call, watch)
        return watch

    def is_compile_error(self, exc: BaseException) -> bool:
        return any(type(e).__name__ in _COMPILE_ERRORS or any(t in str(e) for t in _COMPILE_TEXT)
                   for e in exception_chain(exc))


def _interpreted(pallas_call):  # type: ignore[no-untyped-def]
    """``pallas_call`` with ``interpret=True`` forced, whatever the answer passes."""

    @functools.wraps(pallas_call)
    def call(*args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["interpret"] = True
        return pallas_call(*args, **kwargs)

    return call


def _counting_pallas_call(pallas_call, watch: KernelWatch):  # type: ignore[no-untyped-def]
    """``pallas_call`` whose kernels count their calls in ``watch``."""

    @functools.wraps(pallas_call)
    def make(*args, **kwargs):  # type: ignore[no-untyped-def]
        kernel = pallas_call(*args, **kwargs)

        @functools.wraps(kernel)
        def call(*call_args, **call_kwargs):  # type: ignore[no-untyped-def]
            watch.saw()
            return kernel(*call_args, **call_kwargs)

        return call

    return make
