"""The judge: the trusted child process that checks and times one answer (``python -m
multikernelbench.evaluation.worker``).

Arguments: the number of a pipe for reports to the evaluator (and optionally
``cuda``, to open the GPU ahead of need); the
:class:`~multikernelbench.evaluation.protocol.WorkerRequest` arrives as a line
of JSON on stdin. The judge never runs candidate code: it starts a runner
(:mod:`multikernelbench.evaluation.runner`), sandboxed, which does, and talks
to it over a socket. The runner holds no way to the evaluator, the request or
the input seeds. A ``build`` request has the runner import the answer (which
compiles its kernels). A ``check`` request runs the steps in order, each
returning a report: first the judge makes the reference and one input set and
runs the reference on it, before any answer code runs (what fails there is
the task's: a task error, never a verdict); then the runner loads the answer (never building again); the
judge makes each input set from a seed, computes the reference's output itself
and compares what the runner sends back, reading the runner's account of each
call (operators, own kernels, threads) into integrity flags; then it times the
candidate (in the runner) interleaved with the eager and, when asked, the
torch.compile'd reference (in the judge), checking the runner's claims. The
evaluator enforces time and memory limits and turns a silent death into a
verdict.
"""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from multikernelbench.backends.base import INTERPRETER, Backend
from multikernelbench.backends.devices import Device
from multikernelbench.evaluation.candidate_timer import CandidateFailed, CandidateTimer
from multikernelbench.evaluation.containment import ContainmentPlan
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
from multikernelbench.evaluation.runner import BUILT_MARKER
from multikernelbench.evaluation.runner_client import RunnerClient, RunnerGone
from multikernelbench.records import IntegrityFlag

__all__ = ["BUILT_MARKER", "main"]

#: The containment plan for runners, as JSON in the worker's environment (set by the evaluator).
CONTAINMENT_VARIABLE = "MKB_CONTAINMENT"
# Below this reference time a GPU measurement is mostly launch overhead, a host one thread wake-ups.
_TOO_FAST_MS = 0.01
_TOO_FAST_HOST_MS = 0.05
_PAYLOAD_SLACK = 16 * 2**20


class ReportChannel:
    """Writes one report per line to the parent's pipe."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def send(self, report: Report) -> None:
        os.write(self._fd, encode_report(report))


@dataclass
class Checked:
    """What the check step leaves for the time step."""

    reference: Any
    task_module: Any
    device: Device
    runner: RunnerClient | None = None  # None when only the baselines are timed
    flags: list[IntegrityFlag] = field(default_factory=list)


def _prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _die_with_parent() -> None:
    """Ask Linux to kill this worker if the evaluator dies, so no orphan keeps running."""
    _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _read_line(fd: int) -> str:
    """One line from ``fd``, read a byte at a time so nothing after it is consumed; "" at end of file."""
    data = bytearray()
    while (byte := os.read(fd, 1)) and byte != b"\n":
        data += byte
    return data.decode().strip()


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) < 4000 else text[:4000] + " ..."


def _reply_fields(reply: dict[str, Any], default: Failure = Failure.CRASH) -> dict[str, Any]:
    """A failed runner reply as a report's fields (its strings trimmed: the runner may send anything)."""
    failure = reply.get("failure")
    # The answer's process may claim any kind but a task's: blaming the task would spare the answer its verdict.
    known = {f.value for f in Failure} - {Failure.TASK_ERROR.value, Failure.TASK_TOO_BIG.value}
    return {"error": str(reply.get("error") or "the candidate failed")[:4000],
            "failure": failure if failure in known else default.value,
            "traceback": str(reply.get("traceback") or "")[-4000:]}


def _load_command(request: WorkerRequest, with_task: bool) -> dict[str, Any]:
    command: dict[str, Any] = {
        "command": "load", "backend": request.backend, "mode": request.mode, "environment": request.environment,
        "candidate_path": request.candidate_path, "module_name": request.module_name,
        "build_dir": request.build_dir, "forbid_builds": with_task,
        "watch_kernels": with_task and request.integrity != "off",
    }
    if with_task:
        assert request.task is not None  # noqa: S101 - the evaluator always sends a task with a check
        command.update(task=asdict(request.task), profile=request.profile, init_seed=request.init_seed)
    return command


# ---- the steps ----


def build_step(request: WorkerRequest, runner: RunnerClient, channel: ReportChannel) -> BuildReport:
    channel.send(PhaseStarted(Phase.BUILD.value))
    start = time.monotonic()
    try:
        reply, _ = runner.ask(_load_command(request, with_task=False))
    except RunnerGone as exc:
        return BuildReport(False, time.monotonic() - start, str(exc), Failure.COMPILE.value)
    if not reply["ok"]:
        return BuildReport(False, time.monotonic() - start, **_reply_fields(reply, Failure.COMPILE))
    return BuildReport(True, time.monotonic() - start, cache_hit=bool(reply.get("cache_hit")))


@dataclass
class ReferenceWork:
    """What the reference phase made: the task module, the reference, and one input set with its output."""

    module: Any
    model: Any
    inputs: list[Any]
    candidate_inputs: list[Any]  # a pristine copy for the answer (the reference may change its inputs)
    expected: Any


class ReferenceFailed(Exception):
    """The task's own reference could not be made or run, or does not fit: a task error, never a verdict."""

    def __init__(self, error: str, failure: Failure, traceback_text: str = "") -> None:
        super().__init__(error)
        self.error, self.failure, self.traceback = error, failure, traceback_text


def reference_step(request: WorkerRequest, device: Device, channel: ReportChannel, seed: int,
                   for_candidate: bool) -> ReferenceWork:
    """Load the task, build its reference, make one input set and run the reference on it, before any answer runs.

    All of it is the judge's own work on the task alone, so a failure is the task's: an exception raises
    :class:`ReferenceFailed`, and the parent reads a kill in this phase (memory, time) the same way. With
    ``for_candidate`` it also keeps the answer's copy of the inputs and checks that a check can fit at all.
    """
    import torch

    from multikernelbench.tasks.runtime import load_module, make_inputs, make_model
    from multikernelbench.tasks.task import parse_task_source

    assert request.task is not None  # noqa: S101 - the evaluator always sends a task with a check or baseline
    channel.send(PhaseStarted(Phase.REFERENCE.value))
    where = device.torch_device()
    stage = "loading the task module"
    try:
        module = load_module(parse_task_source(**vars(request.task)), request.profile)
        stage = "building the reference (get_init_inputs() and Model(...))"
        with torch.no_grad():
            model = make_model(module.Model, module, request.init_seed, where)
        stage = "making inputs (get_inputs())"
        inputs = make_inputs(module, seed, where)
        candidate_inputs = [_clone(x) for x in inputs] if for_candidate else []
        stage = "running the reference on its own inputs"
        with torch.no_grad():
            expected = model(*inputs)
        device.synchronize()
    except BaseException as exc:  # noqa: BLE001 - whatever the task raises (SystemExit too) is the task's
        failure = Failure.TASK_TOO_BIG if _out_of_memory(exc) else Failure.TASK_ERROR
        # Where in the task file it went wrong, so the line to fix is named without a traceback.
        line = next((f.lineno for f in reversed(traceback.extract_tb(exc.__traceback__))
                     if f.filename == request.task.path), None)
        where = f" (line {line})" if line else ""
        raise ReferenceFailed(f"{stage}: {_one_line(exc)}{where}", failure, traceback.format_exc()[-4000:]) from None
    if for_candidate and device.is_host and request.memory_limit_bytes:
        shortfall = memory_shortfall(_tree_rss(), _distinct_bytes(inputs), request.memory_limit_bytes)
        if shortfall:
            raise ReferenceFailed(shortfall, Failure.TASK_TOO_BIG)
    return ReferenceWork(module, model, inputs, candidate_inputs, expected)


def memory_shortfall(held_bytes: int, input_bytes: int, limit_bytes: int) -> str | None:
    """Why no answer can be checked within ``limit_bytes`` of host memory, or None when one may be.

    ``held_bytes`` is what the judge's process tree holds once the reference ran on one input set (the
    reference, the inputs, the answer's copy of them, the output, and the answer's idle process). Sending
    the answer its inputs adds at least two more copies (the judge serialises them whole, the answer's
    process receives them whole), so above the limit even a perfect answer would be killed for memory:
    the task does not fit, whatever the answer.
    """
    need = held_bytes + 2 * input_bytes
    if need <= limit_bytes:
        return None
    return (f"a check needs at least {need / 2**30:.1f} GiB ({held_bytes / 2**30:.1f} GiB once the reference ran "
            f"on one input set, plus {2 * input_bytes / 2**30:.1f} GiB to send the answer its inputs), more than "
            f"the memory limit of {gib(limit_bytes)} GiB")


def gib(size: int) -> str:
    """``size`` in GiB as a person wrote it: 0.5, 4, 1.25."""
    return f"{size / 2**30:.2f}".rstrip("0").rstrip(".")


def _distinct_bytes(values: Sequence[Any]) -> int:
    """Bytes of the tensors in ``values``, a memory block shared by several counted once."""
    from multikernelbench.tasks.runtime import tensors_in

    blocks: dict[int, int] = {}
    for t in tensors_in(list(values)):
        blocks[t.data_ptr()] = max(blocks.get(t.data_ptr(), 0), t.numel() * t.element_size())
    return sum(blocks.values())


def _tree_rss() -> int:
    """Resident bytes of this process and its descendants (the runner), as the parent measures them."""
    try:
        import psutil

        me = psutil.Process()
        procs = [me, *me.children(recursive=True)]
    except Exception:  # noqa: BLE001 - without psutil the parent's own measurement still applies
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except Exception:  # noqa: BLE001, S112 - a process that just ended holds nothing
            continue
    return total


def _out_of_memory(exc: BaseException) -> bool:
    """True for an allocation the device or the host refused: the task is too big, not broken."""
    import torch

    return isinstance(exc, (MemoryError, getattr(torch, "OutOfMemoryError", MemoryError)))


def check_step(backend: Backend, request: WorkerRequest, runner: RunnerClient, channel: ReportChannel
               ) -> tuple[CheckReport, Checked | None]:
    import torch

    from multikernelbench.evaluation.integrity.runtime_flags import call_flags, check_end_flags, unique
    from multikernelbench.tasks.runtime import make_inputs, tensors_in

    seeds = request.input_seeds
    device = backend.device(request.mode)
    where = device.torch_device()
    # The reference and the first input set are made before the answer loads: what fails there is the task's.
    try:
        work = reference_step(request, device, channel, seeds[0], for_candidate=True)
    except ReferenceFailed as exc:
        return CheckReport(False, 0.0, exc.error, exc.failure.value, exc.traceback), None
    task_module, reference = work.module, work.model
    channel.send(PhaseStarted(Phase.CHECK.value))
    start = time.monotonic()
    flags: list[IntegrityFlag] = []
    watching = request.integrity != "off"

    def failed(fields: dict[str, Any], trials: int = 0) -> tuple[CheckReport, None]:
        return CheckReport(False, time.monotonic() - start, trials=trials, **fields,
                           flags=tuple(asdict(f) for f in unique(flags))), None

    try:
        reply, _ = runner.ask(_load_command(request, with_task=True))
        if not reply["ok"]:
            return failed(_reply_fields(reply))
        for index, seed in enumerate(seeds):
            if index == 0:
                inputs, candidate_inputs, expected = work.inputs, work.candidate_inputs, work.expected
                del work  # the loop's names hold the first set now, and let it go when the next is made
            else:
                inputs = make_inputs(task_module, seed, where)
                candidate_inputs = [_clone(x) for x in inputs]
                with torch.no_grad():
                    expected = reference(*inputs)
                device.synchronize()
            allowed = sum(t.numel() * t.element_size() for t in tensors_in([expected, inputs])) * 2 + _PAYLOAD_SLACK
            reply, body = runner.ask({"command": "call"}, candidate_inputs, where, allowed)
            if not reply["ok"]:
                return failed(_reply_fields(reply), index + 1)
            if watching:
                flags.extend(call_flags(reply, index + 1))
            problem = _compare(body, reply, expected, inputs, request.tolerance)
            if problem:
                error = f"input set {index + 1} of {len(seeds)} (seed {seed}): {problem}"
                return failed({"error": error, "failure": Failure.MISMATCH.value}, index + 1)
            del body, expected, candidate_inputs
        if watching:
            flags.extend(check_end_flags(reply))
    except RunnerGone as exc:
        return failed({"error": str(exc), "failure": Failure.CRASH.value})
    except BaseException as exc:  # noqa: BLE001 - the judge's own failure on this task: reported, not hidden
        return failed({"error": _error_text(exc), "failure": Failure.CRASH.value,
                       "traceback": traceback.format_exc()[-4000:]})
    flags = unique(flags)
    return (CheckReport(True, time.monotonic() - start, trials=len(seeds), flags=tuple(asdict(f) for f in flags)),
            Checked(reference, task_module, device, runner, flags))


def _compare(body: Any, reply: dict[str, Any], expected: Any, inputs: list[Any], tolerance: str) -> str | None:
    """What is wrong with what the runner sent back for one call (its output, its inputs after the call)."""
    from multikernelbench.evaluation.correctness import compare_inputs, compare_outputs

    if not isinstance(body, dict):
        return f"the output is {', '.join(map(str, reply.get('output_types') or ['missing']))[:300]}"
    after = body.get("inputs_after")
    if not isinstance(after, list) or len(after) != len(inputs):
        return "the answer's process did not send its inputs back as they were given"
    return compare_outputs(body.get("output"), expected, tolerance) or compare_inputs(after, inputs, tolerance)


def time_step(backend: Backend, request: WorkerRequest, checked: Checked, channel: ReportChannel) -> TimeReport:
    import statistics

    import torch

    from multikernelbench.evaluation.correctness import compare_outputs
    from multikernelbench.evaluation.timing import LocalTimer, time_interleaved
    from multikernelbench.tasks.runtime import make_inputs, tensors_in

    assert request.timing is not None  # noqa: S101 - only called when timing was asked for
    plan = request.timing
    device = checked.device
    channel.send(PhaseStarted(Phase.TIME.value))
    start = time.monotonic()
    compile_fields: dict[str, Any] = {}
    flags: list[IntegrityFlag] = []
    try:
        where = device.torch_device()
        input_sets = [make_inputs(checked.task_module, seed, where) for seed in request.input_seeds[: plan.input_sets]]
        timers: list[Any] = []
        candidate_timer = None
        if checked.runner is not None:
            with torch.no_grad():
                outputs = tensors_in(checked.reference(*input_sets[0]))
            expected_bytes = sum(t.numel() * t.element_size() for t in outputs)
            del outputs

            def fresh_inputs() -> tuple[list[Any], Any]:
                # Values nobody has seen: drawn from a seed the judge makes up now.
                inputs = make_inputs(checked.task_module, secrets.randbelow(2**31), where)
                with torch.no_grad():
                    expected = checked.reference(*[_clone(x) for x in inputs])
                device.synchronize()
                return inputs, expected

            candidate_timer = CandidateTimer(
                checked.runner, device, input_sets, plan, fresh_inputs,
                lambda out, expected: compare_outputs(out, expected, request.tolerance), where,
                2 * expected_bytes + _PAYLOAD_SLACK, controls=request.mode != INTERPRETER)
            timers.append(candidate_timer)
        timers.append(LocalTimer(device, checked.reference, input_sets, plan.cuda_graphs))
        if request.compile_baseline:
            # Compiling gets a phase, and so a time limit, of its own: a slow compile cannot eat the
            # timing's limit, and if the worker dies or hangs here the parent knows the baseline was
            # to blame and re-runs without it rather than failing the candidate.
            channel.send(PhaseStarted(Phase.COMPILE_BASELINE.value))
            compiled, compile_fields = _compile_reference(device, checked.reference, input_sets)
            channel.send(PhaseStarted(Phase.TIME.value))
            if compiled is not None:
                timers.append(LocalTimer(device, compiled, input_sets, plan.cuda_graphs))
        load_before = _load_average()
        with torch.no_grad():
            samples = time_interleaved(device, timers, len(input_sets), plan)
        reference_samples = samples[1 if candidate_timer else 0]
        warnings = _timing_warnings(device, reference_samples, max(load_before, _load_average()))
        clock = timers[0].clock
        if candidate_timer is not None and request.integrity != "off" and request.mode != INTERPRETER:
            flags.extend(candidate_timer.flags)
            flags.extend(f for f in (candidate_timer.reuse_flag(), candidate_timer.claim_flag()) if f)
            bound = _physical_bound_flag(checked.reference, input_sets[0], statistics.median(samples[0]), device)
            flags.extend([bound] if bound else [])
        elif candidate_timer is not None and request.integrity != "off":
            flags.extend(candidate_timer.flags)
    except CandidateFailed as exc:
        return TimeReport(False, time.monotonic() - start, **_reply_fields(exc.reply))
    except RunnerGone as exc:
        return TimeReport(False, time.monotonic() - start, str(exc), Failure.CRASH.value)
    except BaseException as exc:  # noqa: BLE001
        return TimeReport(False, time.monotonic() - start, _error_text(exc), _failure_of(backend, exc).value,
                          traceback.format_exc()[-4000:])
    if request.mode == INTERPRETER:
        clock = "interpreter"
    if candidate_timer is None:
        samples.insert(0, [])
    return TimeReport(True, time.monotonic() - start, candidate_ms=tuple(samples[0]), baseline_ms=tuple(samples[1]),
                      compile_baseline_ms=tuple(samples[2]) if len(samples) > 2 else (), clock=clock,
                      warnings=tuple(warnings), flags=tuple(asdict(f) for f in flags), **compile_fields)


def _physical_bound_flag(reference: Any, inputs: Sequence[Any], claimed_ms: float, device: Device
                         ) -> IntegrityFlag | None:
    """The below-the-physical-bound flag, or None (also when the reference's work cannot be counted)."""
    from multikernelbench.evaluation.integrity.physical_bound import bound_flag, lower_bound_ms, task_work

    try:
        flops, moved = task_work(reference, inputs)
        return bound_flag(claimed_ms, lower_bound_ms(flops, moved, device.peak_rates()))
    except Exception:  # noqa: BLE001 - a reference the FLOP counter cannot follow leaves the answer's verdict alone
        return None


def baseline_step(backend: Backend, request: WorkerRequest, channel: ReportChannel) -> TimeReport:
    """Time the task's eager reference (and its torch.compile) alone: no candidate code is involved."""
    device = backend.device(request.mode)
    try:
        work = reference_step(request, device, channel, request.input_seeds[0] if request.input_seeds else 0,
                              for_candidate=False)
    except ReferenceFailed as exc:
        return TimeReport(False, 0.0, exc.error, exc.failure.value, exc.traceback)
    checked = Checked(work.model, work.module, device)
    del work  # timing makes its own input sets
    return time_step(backend, request, checked, channel)


def _failure_of(backend: Backend, exc: BaseException) -> Failure:
    if backend.is_compile_error(exc):
        return Failure.COMPILE
    if backend.is_device_fault(exc):
        return Failure.DEVICE_FAULT
    return Failure.CRASH


def _timing_warnings(device: Device, reference_samples: list[float], load: float) -> list[str]:
    """Reasons a measurement may not mean what it seems: a reference too fast to time, a busy machine."""
    import statistics

    from multikernelbench.backends.devices import cpu_count

    warnings = []
    reference_ms = statistics.median(reference_samples)
    if not device.is_host and reference_ms < _TOO_FAST_MS:
        warnings.append(f"the reference takes {reference_ms * 1000:.1f} us: too fast to time meaningfully "
                        "(launch overhead dominates; try --cuda-graphs)")
    if device.is_host and reference_ms < _TOO_FAST_HOST_MS:
        warnings.append(f"the reference takes {reference_ms * 1000:.1f} us: too fast to time meaningfully on the "
                        "host (waking thread pools dominates; speedups vary from run to run)")
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


def _containment_plan() -> ContainmentPlan:
    data = json.loads(os.environ.get(CONTAINMENT_VARIABLE) or "{}")
    return ContainmentPlan(**data)


def main(argv: list[str]) -> int:
    """``worker.py REPORT_FD [WARM_DEVICE]``: get ready, then read the request from stdin and run it.

    Starting the sandboxed runner (which imports torch) and, when ``WARM_DEVICE`` is ``cuda``,
    opening the GPU happen before the request arrives, so a worker started ahead of need answers
    at once; a build needs no torch in this process at all. Nothing candidate-specific is loaded
    before the request: its environment (private build and cache folders, interpreter switches read
    when Triton or JAX is first imported) is set in the runner from the request first.
    """
    channel = ReportChannel(int(argv[1]))
    _die_with_parent()
    _prctl(4, 0)  # PR_SET_DUMPABLE off: the runner (same user) may not read or trace this process
    # The runner starts first, so its start-up (torch imported in its sandbox) overlaps this one's.
    runner = RunnerClient(_containment_plan(), Path.cwd())
    try:
        if len(argv) > 2 and argv[2] == "cuda":
            import torch

            torch.cuda.init()
        line = _read_line(0)
        if not line:
            return 3  # the parent gave up on this worker before handing it anything
        request = WorkerRequest.from_json(line)
        return _serve(request, runner, channel)
    finally:
        runner.stop()


def _serve(request: WorkerRequest, runner: RunnerClient, channel: ReportChannel) -> int:
    from multikernelbench.backends.registry import get_backend

    backend = get_backend(request.backend)
    if request.step == "build":
        channel.send(build_step(request, runner, channel))
    elif request.step == "baseline":
        runner.stop()  # no answer to run
        channel.send(EnvReport(backend.device(request.mode).fingerprint(), _versions(backend)))
        channel.send(baseline_step(backend, request, channel))
    else:
        channel.send(EnvReport(backend.device(request.mode).fingerprint(), _versions(backend)))
        check, checked = check_step(backend, request, runner, channel)
        channel.send(check)
        # Strict integrity: a flagged answer has failed, and timing it would only spend the device.
        flagged = request.integrity == "strict" and bool(checked and checked.flags)
        if checked is not None and request.timing is not None and not flagged:
            if request.await_turn:
                channel.send(ReadyToTime())
                if not _read_line(0):
                    return 4  # the parent is gone or gave up: no timing
            channel.send(time_step(backend, request, checked, channel))
    channel.send(Done())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
