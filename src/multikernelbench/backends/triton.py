"""Triton: ``@triton.jit`` kernels launched from ``ModelNew.forward``.

On an NVIDIA GPU they compile on their first call, with a private Triton cache
per candidate. Without a GPU the same answers run through Triton's interpreter
(``TRITON_INTERPRET=1``) on CPU tensors: verdicts on correctness, and times
labelled as interpreter time, never as speeds. A kernel that fails to compile
on its first call is a compile failure, as a C++ build error is.
"""

from __future__ import annotations

from pathlib import Path

from multikernelbench.backends import toolchains
from multikernelbench.backends.base import INTERPRETER, Backend, KernelWatch, exception_chain
from multikernelbench.backends.devices import CudaGPU

# Raised while compiling a kernel (or fitting it to the device's resources) on its first call. The
# interpreter wraps whatever a kernel body raises in InterpreterError: on a GPU a kernel body cannot raise
# at run time, so those are the errors (a non-power-of-2 arange, an unknown tl function) compilation reports.
_COMPILE_ERRORS = ("CompilationError", "CompileTimeAssertionFailure", "UnsupportedLanguageConstruct",
                   "OutOfResources", "PTXASError", "InterpreterError")


class TritonBackend(Backend):
    name = "triton"
    language = "python"
    device_kind = "cuda"
    has_interpreter = True
    install_hint = "pip install triton (GPU hosts: the version that matches their torch)"
    kernel_kind = "triton_jit"

    def unavailable_reason(self) -> str | None:
        return toolchains.package_missing("triton", "pip install triton")

    def toolchain(self, build_only: bool = False) -> dict[str, str]:
        return toolchains.jit_toolchain("triton", None if build_only else CudaGPU.capability(0), build_only)

    def build_environment(self, build_dir: Path, mode: str) -> dict[str, str]:
        env = {"TRITON_CACHE_DIR": str(build_dir / "triton_cache")}
        if mode == INTERPRETER:
            env["TRITON_INTERPRET"] = "1"
        return env

    def is_compile_error(self, exc: BaseException) -> bool:
        return any(type(e).__name__ in _COMPILE_ERRORS for e in exception_chain(exc))

    def watch_own_kernels(self, candidate_file: str) -> KernelWatch | None:
        """Launches (``kernel[grid](...)``) of ``@triton.jit`` functions written in the answer's file."""
        from triton.runtime import interpreter, jit

        watch = KernelWatch()
        for cls in (jit.JITFunction, interpreter.InterpretedFunction):
            cls.run = _counting_run(cls.run, watch, candidate_file)  # type: ignore[method-assign]
        return watch


def _counting_run(run, watch: KernelWatch, candidate_file: str):  # type: ignore[no-untyped-def]
    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if getattr(getattr(self.fn, "__code__", None), "co_filename", None) == candidate_file:
            watch.saw()
        return run(self, *args, **kwargs)

    return counted
