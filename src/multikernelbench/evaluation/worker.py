"""The child process that runs untrusted candidate code: ``python -m multikernelbench.evaluation.worker``.

Arguments: the number of a pipe for reports (and optionally ``cuda``, to open
the GPU ahead of need); the path of a
:class:`~multikernelbench.evaluation.protocol.WorkerRequest` arrives on stdin. A ``build`` request executes the
candidate's top level (which compiles its kernels) in its private build
directory. A ``check`` request runs the steps in order, each returning a
report: load (never building again), check against the reference on fresh
seeded inputs made on the device, then time against the eager and, when asked,
the torch.compile'd reference. An integrity step belongs between check and
time. The parent enforces time and memory limits and turns a silent death into
a verdict; this process only reports what it saw.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from multikernelbench.backends.base import INTERPRETER, Backend
from multikernelbench.backends.devices import Device
from multikernelbench.evaluation.protocol import (
    BuildReport,
    CheckReport,
    Done,
    EnvReport,
    Failure,
    Phase,
    PhaseStarted,
    ReadyToTime,
    Report,
    TimeReport,
    WorkerRequest,
    encode_report,
)

BUILT_MARKER = "built.ok"
# Below this reference time a GPU measurement is mostly launch overhead.
_TOO_FAST_MS = 0.01


class ReportChannel:
    """Writes one report per line to the parent's pipe."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def send(self, report: Report) -> None:
        os.write(self._fd, encode_report(report))


@dataclass
class CheckedCandidate:
    """What the check step leaves for the time step: the live models, the task module and the device."""

    candidate: Any  # None when only the baselines are timed
    reference: Any
    task_module: Any
    device: Device


def _die_with_parent() -> None:
    """Ask Linux to kill this worker if the evaluator dies, so no orphan keeps running."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _read_line(fd: int) -> str:
    """One line from ``fd``, read a byte at a time so nothing after it is consumed; "" at end of file."""
    data = bytearray()
    while (byte := os.read(fd, 1)) and byte != b"\n":
        data += byte
    return data.decode().strip()


def _close_stdin() -> None:
    """Point stdin at /dev/null: the request pipe is not the candidate's to read."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)


def _limit_address_space(limit_bytes: int | None) -> None:
    if not limit_bytes:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextmanager
def _build_lock(backend: Backend, build_dir: Path) -> Iterator[None]:
    """Serialise builds of one build key across processes (two runs may evaluate the same answer)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        backend.clear_stale_build_state(build_dir)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) < 4000 else text[:4000] + " ..."


def _failure_of(backend: Backend, exc: BaseException) -> Failure:
    """The kind of a failure raised by candidate code: a JIT compile error, a device fault or a crash."""
    if backend.is_compile_error(exc):
        return Failure.COMPILE
    if backend.is_device_fault(exc):
        return Failure.DEVICE_FAULT
    return Failure.CRASH


def _load_candidate(backend: Backend, request: WorkerRequest) -> tuple[Any, bool]:
    build_dir = Path(request.build_dir)
    source_path = Path(request.candidate_path)
    with _build_lock(backend, build_dir):
        cache_hit = (build_dir / BUILT_MARKER).exists()
        module = backend.load_candidate(source_path.read_text(), request.module_name, source_path)
        if not isinstance(getattr(module, "ModelNew", None), type):
            raise TypeError("the candidate module defines no class ModelNew")
        (build_dir / BUILT_MARKER).write_text(str(time.time()))
    return module, cache_hit


# ---- the steps ----


def build_step(backend: Backend, request: WorkerRequest, channel: ReportChannel) -> BuildReport:
    channel.send(PhaseStarted(Phase.BUILD.value))
    start = time.monotonic()
    try:
        _, cache_hit = _load_candidate(backend, request)
    except BaseException as exc:  # noqa: BLE001 - SystemExit from a candidate is a verdict too
        return BuildReport(False, time.monotonic() - start, _error_text(exc), Failure.COMPILE.value,
                           traceback.format_exc()[-4000:])
    return BuildReport(True, time.monotonic() - start, cache_hit=cache_hit)


def check_step(backend: Backend, request: WorkerRequest, channel: ReportChannel
               ) -> tuple[CheckReport, CheckedCandidate | None]:
    import torch

    from multikernelbench.evaluation.correctness import compare_inputs, compare_outputs
    from multikernelbench.tasks.runtime import load_module, make_inputs, make_model
    from multikernelbench.tasks.task import parse_task_source

    channel.send(PhaseStarted(Phase.CHECK.value))
    start = time.monotonic()
    seeds = request.input_seeds
    assert request.task is not None  # noqa: S101 - the evaluator always sends a task with a check
    device = backend.device(request.mode)
    try:
        task_module = load_module(parse_task_source(**vars(request.task)), request.profile)
        backend.forbid_builds()  # the build step built it: building again here would eat the check's time
        candidate_module, _ = _load_candidate(backend, request)
        where = device.torch_device()
        with torch.no_grad():
            candidate = make_model(candidate_module.ModelNew, task_module, request.init_seed, where)
            reference = make_model(task_module.Model, task_module, request.init_seed, where)
            for index, seed in enumerate(seeds):
                inputs = make_inputs(task_module, seed, where)
                candidate_inputs = [_clone(x) for x in inputs]
                reference_inputs = [_clone(x) for x in inputs]
                # Candidate first, so it cannot pick up the reference's result from freed memory.
                out = candidate(*candidate_inputs)
                device.synchronize()
                expected = reference(*reference_inputs)
                device.synchronize()
                problem = compare_outputs(out, expected, request.tolerance) or compare_inputs(
                    candidate_inputs, reference_inputs, request.tolerance)
                if problem:
                    error = f"input set {index + 1} of {len(seeds)} (seed {seed}): {problem}"
                    return CheckReport(False, time.monotonic() - start, error, Failure.MISMATCH.value,
                                       trials=index + 1), None
                del out, expected, candidate_inputs, reference_inputs
    except BaseException as exc:  # noqa: BLE001
        return CheckReport(False, time.monotonic() - start, _error_text(exc), _failure_of(backend, exc).value,
                           traceback.format_exc()[-4000:]), None
    return (CheckReport(True, time.monotonic() - start, trials=len(seeds)),
            CheckedCandidate(candidate, reference, task_module, device))


def time_step(backend: Backend, request: WorkerRequest, checked: CheckedCandidate,
              channel: ReportChannel) -> TimeReport:
    import torch

    from multikernelbench.evaluation.timing import time_interleaved
    from multikernelbench.tasks.runtime import make_inputs

    assert request.timing is not None  # noqa: S101 - only called when timing was asked for
    plan = request.timing
    device = checked.device
    channel.send(PhaseStarted(Phase.TIME.value))
    start = time.monotonic()
    compile_fields: dict[str, Any] = {}
    try:
        where = device.torch_device()
        input_sets = [make_inputs(checked.task_module, seed, where) for seed in request.input_seeds[: plan.input_sets]]
        # No candidate when timing baselines alone (``mkb baseline``).
        timed: list[Callable[..., Any]] = [f for f in (checked.candidate, checked.reference) if f is not None]
        if request.compile_baseline:
            # Compiling gets a phase, and so a time limit, of its own: a slow compile cannot eat the
            # timing's limit, and if the worker dies or hangs here the parent knows the baseline was
            # to blame and re-runs without it rather than failing the candidate.
            channel.send(PhaseStarted(Phase.COMPILE_BASELINE.value))
            compiled, compile_fields = _compile_reference(device, checked.reference, input_sets)
            channel.send(PhaseStarted(Phase.TIME.value))
            if compiled is not None:
                timed.append(compiled)
        load_before = _load_average()
        with torch.no_grad():
            samples, clock = time_interleaved(device, timed, input_sets, plan)
        reference_samples = samples[timed.index(checked.reference)]
        warnings = _timing_warnings(device, reference_samples, max(load_before, _load_average()))
    except BaseException as exc:  # noqa: BLE001
        return TimeReport(False, time.monotonic() - start, _error_text(exc), _failure_of(backend, exc).value,
                          traceback.format_exc()[-4000:])
    if request.mode == INTERPRETER:
        clock = "interpreter"
    if checked.candidate is None:
        samples.insert(0, [])
    return TimeReport(True, time.monotonic() - start, candidate_ms=tuple(samples[0]), baseline_ms=tuple(samples[1]),
                      compile_baseline_ms=tuple(samples[2]) if len(samples) > 2 else (), clock=clock,
                      warnings=tuple(warnings), **compile_fields)


def baseline_step(backend: Backend, request: WorkerRequest, channel: ReportChannel) -> TimeReport:
    """Time the task's eager reference (and its torch.compile) alone: no candidate code runs in this worker."""
    import torch

    from multikernelbench.tasks.runtime import load_module, make_model
    from multikernelbench.tasks.task import parse_task_source

    assert request.task is not None  # noqa: S101 - a baseline request always names its task
    device = backend.device(request.mode)
    module = load_module(parse_task_source(**vars(request.task)), request.profile)
    with torch.no_grad():
        reference = make_model(module.Model, module, request.init_seed, device.torch_device())
    return time_step(backend, request, CheckedCandidate(None, reference, module, device), channel)


def _timing_warnings(device: Device, reference_samples: list[float], load: float) -> list[str]:
    """Reasons a measurement may not mean what it seems: a reference too fast to time, a busy machine."""
    import statistics

    from multikernelbench.backends.devices import cpu_count

    warnings = []
    reference_ms = statistics.median(reference_samples)
    if not device.is_host and reference_ms < _TOO_FAST_MS:
        warnings.append(f"the reference takes {reference_ms * 1000:.1f} us: too fast to time meaningfully "
                        "(launch overhead dominates; try --cuda-graphs)")
    if device.is_host and load > cpu_count() + 0.5:
        warnings.append(f"the machine was busy while timing (load average {load:.1f} on {cpu_count()} cores): "
                        "speedups are unreliable")
    return warnings


def _load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def _compile_reference(
    device: Device, reference: Callable[..., Any], input_sets: Sequence[Sequence[Any]]
) -> tuple[Callable[..., Any] | None, dict[str, Any]]:
    """``torch.compile(reference)``, called once on every timing input set; None and the reason if that fails.

    Calling on every set makes any guard-driven recompilation happen here, never inside a timed
    trial. Grad mode is part of dynamo's guards, so this compiles under no_grad, as timing runs.
    """
    import torch

    start = time.monotonic()
    try:
        compiled = torch.compile(reference)
        with torch.no_grad():
            for inputs in input_sets:
                compiled(*inputs)
        device.synchronize()
    except Exception as exc:  # noqa: BLE001 - a baseline that cannot compile leaves the candidate's verdict alone
        return None, {"compile_baseline_error": _one_line(exc), "compile_baseline_compile_s": time.monotonic() - start}
    return compiled, {"compile_baseline_compile_s": time.monotonic() - start}


def _one_line(exc: BaseException, max_chars: int = 300) -> str:
    """The first non-empty line of an error (inductor's messages run to pages), trimmed."""
    lines = [ln.strip() for ln in f"{type(exc).__name__}: {exc}".splitlines() if ln.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= max_chars else text[: max_chars - 4] + " ..."


def _clone(value: Any) -> Any:
    import torch

    return value.clone() if isinstance(value, torch.Tensor) else value


def _versions(backend: Backend) -> dict[str, Any]:
    import platform

    import torch

    from multikernelbench import __version__

    return {"multikernelbench": __version__, "python": platform.python_version(), "torch": torch.__version__,
            **backend.versions()}


def main(argv: list[str]) -> int:
    """``worker.py REPORT_FD [WARM_DEVICE]``: get ready, then read the request's path from stdin and run it.

    Importing torch (and opening the GPU when ``WARM_DEVICE`` is ``cuda``) happens before the
    request arrives, so a worker started ahead of need answers at once. Nothing candidate-specific
    is loaded before the request: its environment (private build and cache folders, interpreter
    switches read when Triton or JAX is first imported) is set from the request first.
    """
    channel = ReportChannel(int(argv[1]))
    _die_with_parent()
    import torch

    if len(argv) > 2 and argv[2] == "cuda":
        torch.cuda.init()
    request_path = _read_line(0)
    turns = os.dup(0)  # the parent's later go for timing; the candidate's stdin is /dev/null
    _close_stdin()
    if not request_path:
        return 3  # the parent gave up on this worker before handing it anything
    request = WorkerRequest.from_json(Path(request_path).read_text())
    os.environ.update(request.environment)
    from multikernelbench.backends.registry import get_backend

    backend = get_backend(request.backend)
    if backend.device(request.mode).limit_address_space:
        _limit_address_space(request.address_space_limit)
    backend.prepare(request.mode)
    if request.step == "build":
        channel.send(build_step(backend, request, channel))
    elif request.step == "baseline":
        channel.send(EnvReport(backend.device(request.mode).fingerprint(), _versions(backend)))
        channel.send(baseline_step(backend, request, channel))
    else:
        channel.send(EnvReport(backend.device(request.mode).fingerprint(), _versions(backend)))
        check, checked = check_step(backend, request, channel)
        channel.send(check)
        # (The integrity step slots in here: between a passed check and timing.)
        if checked is not None and request.timing is not None:
            if request.await_turn:
                channel.send(ReadyToTime())
                if not _read_line(turns):
                    return 4  # the parent is gone or gave up: no timing
            channel.send(time_step(backend, request, checked, channel))
    channel.send(Done())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
