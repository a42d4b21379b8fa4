"""The device layer: where candidates run, and how work on it is waited for, timed and described.

A backend is a language and toolchain plus a device kind. The device owns what
differs between a host CPU and an accelerator: synchronisation, timing (a
monotonic clock on the host, device events on a GPU), the cache flush between
timing trials, memory limits, the fingerprint that names the hardware and its
runtime versions, and which physical device a worker gets.

Each class has two halves. The class-level queries (``absent_reason``,
``count``, ``worker_environment``) run in the parent and never import torch;
the rest runs in a worker. Another accelerator (XPU, NPU, MUSA) is a subclass
of :class:`Device` setting its torch device type, its visibility variable and
its synchronize/event calls: a few lines each.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

#: Sizes of the buffer written between timing trials to evict the cache, as a multiple of its size.
_FLUSH_FACTOR = 2
_DEFAULT_L2_BYTES = 64 * 2**20  # used when the runtime does not report an L2 size
#: Device time after a call's end event beyond which the call is taken to have worked on other streams.
_OFF_STREAM_SLACK_MS = 0.05


class Device:
    """A kind of device candidates run on; an instance lives in one worker."""

    #: torch device type ("cpu", "cuda", ...).
    torch_type: ClassVar[str]
    #: True for the host CPU: timing must then not overlap builds, which use the same cores.
    is_host: ClassVar[bool] = False
    #: True when the worker may cap its address space (not with GPU drivers that map huge ranges).
    limit_address_space: ClassVar[bool] = False
    #: The environment variable that chooses which physical device a worker sees.
    visibility_variable: ClassVar[str | None] = None
    #: What the harness's clock measures on this device.
    clock: ClassVar[str] = "host_clock"

    # ---- parent side: no torch ----

    @classmethod
    def absent_reason(cls) -> str | None:
        """None when this machine has such a device, else a one-line reason."""
        return None

    @classmethod
    def count(cls) -> int:
        """How many devices of this kind the machine has (lanes that can time in parallel)."""
        return 1

    @classmethod
    def worker_environment(cls, index: int | None) -> dict[str, str]:
        """Variables that give a worker physical device ``index`` alone (None: leave visibility alone)."""
        if index is None or cls.visibility_variable is None:
            return {}
        # Lane i is the i-th device this process may use: respect a visibility the user set.
        visible = [v for v in os.environ.get(cls.visibility_variable, "").split(",") if v.strip()]
        return {cls.visibility_variable: visible[index] if index < len(visible) else str(index)}

    @classmethod
    def host_fingerprint(cls) -> dict[str, Any]:
        """What names this machine's devices of this kind, read without torch (for cache keys)."""
        return {"kind": cls.torch_type, "cpu": cpu_model(), "logical_cores": cpu_count()}

    # ---- worker side: imports torch ----

    def torch_device(self) -> Any:
        import torch

        return torch.device(self.torch_type)

    def synchronize(self) -> None:
        """Block until all work queued on the device, on every stream, has finished."""

    def time_call(self, fn: Callable[[], Any]) -> float:
        """Milliseconds of one call of ``fn``, all the device work it queued included."""
        self.synchronize()
        start = time.perf_counter_ns()
        fn()
        self.synchronize()
        return (time.perf_counter_ns() - start) / 1e6

    def flush_cache(self) -> None:
        """Evict the device's caches before a timing trial, so each trial starts cold."""

    def before_trial(self, wake: Callable[[], Any]) -> None:
        """Get ready for a timing trial; ``wake`` is an untimed call on another input set (default: nothing)."""

    def peak_rates(self) -> tuple[float, float]:
        """Upper bounds of (FLOP/s, bytes/s) this device can reach: a call faster than its task's work at
        these rates did not do the work."""
        raise NotImplementedError

    def fingerprint(self) -> dict[str, Any]:
        """Name, capability, memory, driver and runtime versions: what a timing was measured on."""
        return {"device": self.torch_type, "machine": platform.machine()}


class HostCPU(Device):
    """The host's CPU cores: synchronous kernels, timed by the monotonic clock."""

    torch_type = "cpu"
    is_host = True
    limit_address_space = True

    def before_trial(self, wake: Callable[[], Any]) -> None:
        """The judge and the runner take turns on the same cores, and a thread pool that waited for
        the other process has gone to sleep (workers run with a short GOMP_SPINCOUNT, so an idle pool
        soon leaves the cores to the other). ``wake`` wakes it, leaving it spinning for the timed
        call, as in a process that runs nothing else."""
        wake()

    def peak_rates(self) -> tuple[float, float]:
        """Generous upper bounds for this host: 64 fp32 FLOPs per cycle per core at 5 GHz (AVX-512 FMA
        on two ports), and 2 TB/s (data in L1/L2 caches, across cores)."""
        return cpu_count() * 5e9 * 64, 2e12

    def fingerprint(self) -> dict[str, Any]:
        import torch

        return {
            **super().fingerprint(),
            "cpu": cpu_model(),
            "logical_cores": cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "memory_gib": round(host_memory_bytes() / 2**30, 1),
        }


class CudaGPU(Device):
    """An NVIDIA GPU through torch.cuda: event timing, an L2 flush, one physical GPU per worker."""

    torch_type = "cuda"
    visibility_variable = "CUDA_VISIBLE_DEVICES"
    clock = "device_events"

    def __init__(self) -> None:
        self._flush_buffer: Any = None

    @classmethod
    def absent_reason(cls) -> str | None:
        if cls.count() == 0:
            return "no NVIDIA GPU is visible (nvidia-smi lists none)"
        return None

    @classmethod
    def count(cls) -> int:
        gpus = len(_nvidia_smi("index"))
        visible = [v for v in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if v.strip()]
        return min(gpus, len(visible)) if "CUDA_VISIBLE_DEVICES" in os.environ else gpus

    @classmethod
    def capability(cls, index: int = 0) -> str | None:
        """Compute capability of GPU ``index`` as "9.0", read without torch (None without a GPU)."""
        caps = _nvidia_smi("compute_cap")
        return caps[index] if index < len(caps) else None

    @classmethod
    def host_fingerprint(cls) -> dict[str, Any]:
        return {**super().host_fingerprint(), "gpus": list(_nvidia_smi("name")),
                "driver": list(_nvidia_smi("driver_version"))}

    def synchronize(self) -> None:
        import torch

        # cudaDeviceSynchronize: every stream of this process on the device, not just the current one.
        torch.cuda.synchronize()

    def time_call(self, fn: Callable[[], Any]) -> float:
        """Device events around the call on the current stream, with work on other streams counted.

        The start event is queued behind the cache flush (no synchronisation in between), so the
        host's launch of ``fn`` overlaps the flush and is not timed as idle device time. After the
        end event, a device-wide synchronisation and a third event show whether the device was
        still busy elsewhere (work the call queued on another stream): then the time runs to the
        end of that work, so hiding work on a side stream never makes a call look faster.
        """
        import torch

        start, end, idle = (torch.cuda.Event(enable_timing=True) for _ in range(3))
        start.record()
        fn()
        end.record()
        self.synchronize()  # cudaDeviceSynchronize: every stream of this process on the device
        idle.record()
        idle.synchronize()
        on_stream, whole_device = float(start.elapsed_time(end)), float(start.elapsed_time(idle))
        # ``idle`` always trails by the synchronisation's round trip (microseconds): more means off-stream work.
        return whole_device if whole_device - on_stream > _OFF_STREAM_SLACK_MS else on_stream

    def peak_rates(self) -> tuple[float, float]:
        """The GPU's peak FLOP/s (its fastest dense tensor-core format) and memory bandwidth, from its name;
        generous figures for a GPU not in the table."""
        import torch

        name = torch.cuda.get_device_properties(torch.cuda.current_device()).name
        return next((rates for key, rates in _GPU_PEAKS.items() if key in name), (5e15, 1e13))

    def flush_cache(self) -> None:
        """Queue a write of twice the L2's size, so no trial finds its inputs in L2 (no wait: see time_call)."""
        import torch

        if self._flush_buffer is None:
            props = torch.cuda.get_device_properties(torch.cuda.current_device())
            l2 = getattr(props, "L2_cache_size", 0) or _DEFAULT_L2_BYTES
            self._flush_buffer = torch.empty(_FLUSH_FACTOR * l2 // 4, dtype=torch.int32, device="cuda")
        self._flush_buffer.zero_()

    def fingerprint(self) -> dict[str, Any]:
        import torch

        index = torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        return {
            **super().fingerprint(),
            "gpu": props.name,
            "capability": f"{props.major}.{props.minor}",
            "gpu_memory_gib": round(props.total_memory / 2**30, 1),
            "multiprocessors": props.multi_processor_count,
            "l2_bytes": getattr(props, "L2_cache_size", None),
            "driver": _nvidia_smi("driver_version")[0] if _nvidia_smi("driver_version") else None,
            "cuda_runtime": torch.version.cuda,
            "visible_devices": os.environ.get(self.visibility_variable or "", None),
            "host_cpu": cpu_model(),
        }


#: Peak (dense FP8/FP16 tensor-core FLOP/s, HBM bytes/s) by GPU name, from the vendors' data sheets (SXM parts).
_GPU_PEAKS: dict[str, tuple[float, float]] = {
    "B200": (4.5e15, 8.0e12), "H200": (1.98e15, 4.8e12), "H100": (1.98e15, 3.35e12),
    "A100": (6.24e14, 2.04e12), "L40S": (7.33e14, 8.64e11), "L4": (2.42e14, 3.0e11),
}

#: Device kinds by name, as backends name them.
DEVICES: dict[str, type[Device]] = {"cpu": HostCPU, "cuda": CudaGPU}


def device_class(kind: str) -> type[Device]:
    """The device class of ``kind`` ("cpu", "cuda")."""
    try:
        return DEVICES[kind]
    except KeyError:
        raise ValueError(f"unknown device kind '{kind}'; known: {', '.join(DEVICES)}") from None


def host_memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def default_memory_limit() -> int:
    """Half the host's memory for one worker's process tree: a runaway candidate must not take the run down.

    On a GPU the device's own memory is bounded by the device; this limit is the host side.
    """
    return host_memory_bytes() // 2


def cpu_count() -> int:
    """CPUs this process may use (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@cache
def _nvidia_smi(field: str) -> tuple[str, ...]:
    """One ``nvidia-smi --query-gpu`` field for every GPU; empty without a driver."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return ()
    try:
        out = subprocess.run([tool, f"--query-gpu={field}", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    if out.returncode != 0:
        return ()
    return tuple(line.strip() for line in out.stdout.splitlines() if line.strip())
