"""The child process that runs untrusted candidate code: ``python -m multikernelbench.evaluation.worker``.

Arguments: the path of a JSON request and the number of a pipe to write events
to, one JSON object per line. ``mode`` "build" executes the candidate's top
level (which compiles its kernels) in its private build directory; ``mode``
"check" loads it again, checks it against the reference on fresh seeded
inputs and then times it against the eager reference and, when asked, the
torch.compile'd reference. The parent enforces the time and memory limits and
turns a silent death into a verdict; this process only reports what it saw.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BUILT_MARKER = "built.ok"


class EventChannel:
    """Writes one JSON event per line to the parent's pipe."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def send(self, event: str, **fields: Any) -> None:
        line = json.dumps({"event": event, **fields}, default=str) + "\n"
        os.write(self._fd, line.encode())


def _die_with_parent() -> None:
    """Ask Linux to kill this worker if the evaluator dies, so no orphan keeps running."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _limit_address_space(limit_bytes: int | None) -> None:
    if not limit_bytes:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextmanager
def _build_lock(build_dir: Path):
    """Serialise builds of one source across processes (two runs may evaluate the same answer)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        # torch's own build lock is a plain file that a killed build leaves behind, and torch then waits on it
        # forever. Holding our lock, no other process builds here, so any such file is stale.
        for baton in build_dir.glob("torch_extensions/*/lock"):
            baton.unlink(missing_ok=True)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) < 4000 else text[:4000] + " ..."


def _load_candidate(backend: Any, request: dict[str, Any]):
    build_dir = Path(request["build_dir"])
    source_path = Path(request["candidate_path"])
    with _build_lock(build_dir):
        cache_hit = (build_dir / BUILT_MARKER).exists()
        module = backend.load_candidate(source_path.read_text(), request["module_name"], source_path)
        if not isinstance(getattr(module, "ModelNew", None), type):
            raise TypeError("the candidate module defines no class ModelNew")
        (build_dir / BUILT_MARKER).write_text(str(time.time()))
    return module, cache_hit


def run_build(backend: Any, request: dict[str, Any], channel: EventChannel) -> None:
    channel.send("phase", phase="build")
    start = time.monotonic()
    try:
        _, cache_hit = _load_candidate(backend, request)
    except BaseException as exc:  # noqa: BLE001 - SystemExit from a candidate is a verdict too
        channel.send("build", ok=False, error=_error_text(exc), traceback=traceback.format_exc()[-4000:],
                     seconds=time.monotonic() - start)
        return
    channel.send("build", ok=True, cache_hit=cache_hit, seconds=time.monotonic() - start)


def run_check_and_time(backend: Any, request: dict[str, Any], channel: EventChannel) -> None:
    import torch

    from multikernelbench.evaluation.correctness import compare_inputs, compare_outputs
    from multikernelbench.evaluation.timing import TimingPlan, time_interleaved
    from multikernelbench.tasks.runtime import load_module, make_inputs, make_model
    from multikernelbench.tasks.task import parse_task_source

    channel.send("phase", phase="check")
    start = time.monotonic()
    tolerance = request["tolerance"]
    seeds: list[int] = request["input_seeds"]
    try:
        task = parse_task_source(**request["task"])
        task_module = load_module(task, request["profile"])
        candidate_module, _ = _load_candidate(backend, request)
        device = backend.device()
        with torch.no_grad():
            candidate = make_model(candidate_module.ModelNew, task_module, request["init_seed"], device)
            reference = make_model(task_module.Model, task_module, request["init_seed"], device)
            for index, seed in enumerate(seeds):
                inputs = make_inputs(task_module, seed, device)
                candidate_inputs = [_clone(x) for x in inputs]
                reference_inputs = [_clone(x) for x in inputs]
                # Candidate first, so it cannot pick up the reference's result from freed memory.
                out = candidate(*candidate_inputs)
                backend.synchronize()
                expected = reference(*reference_inputs)
                backend.synchronize()
                problem = compare_outputs(out, expected, tolerance) or compare_inputs(
                    candidate_inputs, reference_inputs, tolerance
                )
                if problem:
                    channel.send("check", ok=False, error=f"input set {index + 1} of {len(seeds)} (seed {seed}): {problem}",
                                 trials=index + 1, seconds=time.monotonic() - start)
                    return
                del out, expected, candidate_inputs, reference_inputs
    except BaseException as exc:  # noqa: BLE001
        channel.send("check", ok=False, error=_error_text(exc), traceback=traceback.format_exc()[-4000:],
                     seconds=time.monotonic() - start)
        return
    channel.send("check", ok=True, trials=len(seeds), seconds=time.monotonic() - start)

    if not request["timing"]["enabled"]:
        return
    channel.send("phase", phase="time")
    start = time.monotonic()
    try:
        plan = TimingPlan(**{k: v for k, v in request["timing"].items() if k != "enabled"})
        input_sets = [make_inputs(task_module, seed, device) for seed in seeds[: request["timing_input_sets"]]]
        timed: list[Callable[..., Any]] = [candidate, reference]
        compile_report: dict[str, Any] = {}
        if request.get("compile_baseline"):
            # Compiling gets a phase, and so a time limit, of its own: a slow compile cannot eat the
            # timing's limit, and if the worker dies or hangs here the parent knows the baseline was
            # to blame and re-runs without it rather than failing the candidate.
            channel.send("phase", phase="compile_baseline")
            compiled, compile_report = _compile_reference(backend, reference, input_sets)
            channel.send("phase", phase="time")
            if compiled is not None:
                timed.append(compiled)
        with torch.no_grad():
            samples = time_interleaved(backend, timed, input_sets, plan)
    except BaseException as exc:  # noqa: BLE001
        channel.send("time", ok=False, error=_error_text(exc), traceback=traceback.format_exc()[-4000:],
                     seconds=time.monotonic() - start)
        return
    if len(samples) > 2:
        compile_report["compile_baseline_ms"] = samples[2]
    channel.send("time", ok=True, candidate_ms=samples[0], baseline_ms=samples[1], seconds=time.monotonic() - start,
                 **compile_report)


def _compile_reference(
    backend: Any, reference: Callable[..., Any], input_sets: Sequence[Sequence[Any]]
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
        backend.synchronize()
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


def main(argv: list[str]) -> int:
    request = json.loads(Path(argv[1]).read_text())
    channel = EventChannel(int(argv[2]))
    _die_with_parent()
    from multikernelbench.backends.registry import get_backend

    backend = get_backend(request["backend"])
    if backend.limit_address_space:
        _limit_address_space(request.get("address_space_limit"))
    for key, value in backend.build_environment(Path(request["build_dir"])).items():
        os.environ[key] = value
    if request["mode"] == "build":
        run_build(backend, request, channel)
    else:
        channel.send("env", hardware=backend.hardware(), versions=_versions(backend))
        run_check_and_time(backend, request, channel)
    channel.send("done")
    return 0


def _versions(backend: Any) -> dict[str, Any]:
    import platform

    import torch

    from multikernelbench import __version__

    return {"multikernelbench": __version__, "python": platform.python_version(), "torch": torch.__version__,
            **backend.versions()}


if __name__ == "__main__":
    sys.exit(main(sys.argv))
