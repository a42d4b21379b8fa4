"""The only process that runs candidate code: ``python -m multikernelbench.evaluation.runner FD PLAN``.

The judge (:mod:`multikernelbench.evaluation.worker`) starts it with one socket
(file descriptor ``FD``) and nothing else of its own: not the pipe to the
evaluator, not the request, not the input seeds. It enters its sandbox
(:mod:`multikernelbench.evaluation.containment`, ``PLAN`` as JSON) before
anything else, then obeys commands on the socket:

``load``   import the answer (its top level builds its kernels), hook its kernels'
           launches, and construct ``ModelNew`` as the task's reference is constructed;
``call``   run ``forward`` on inputs the judge sent, under the dispatch trace, and send back
           the outputs, the inputs as the call left them, and what was seen;
``sets``   keep input sets for timing, then warm up on them;
``trial``  time one call on a kept set (the judge may first overwrite the set's contents
           and ask for the output, to check it);
``exit``.

Everything sent back is a claim the judge checks: outputs against the judge's own
reference, times against the judge's own clock.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from multikernelbench.backends.base import Backend, KernelWatch
from multikernelbench.evaluation.protocol import Failure
from multikernelbench.evaluation.runner_channel import Channel

BUILT_MARKER = "built.ok"


class Runner:
    """The runner's state between commands."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.backend: Backend | None = None
        self.device: Any = None
        self.model: Any = None
        self.candidate_file = ""
        self.watch: KernelWatch | None = None
        self.sets: list[list[Any]] = []
        self.graphs: list[tuple[Any, Any]] = []  # (replay, its output) per kept set, with CUDA graphs
        self.os_threads_after_first: int | None = None

    # ---- commands ----

    def load(self, command: dict[str, Any]) -> dict[str, Any]:
        from multikernelbench.backends.registry import get_backend

        os.environ.update(command["environment"])
        backend = self.backend = get_backend(command["backend"])
        backend.prepare(command["mode"])
        self.device = backend.device(command["mode"])
        self.candidate_file = command["candidate_path"]
        if command.get("watch_kernels"):
            self.watch = backend.watch_own_kernels(self.candidate_file)
        if command.get("forbid_builds"):
            backend.forbid_builds()  # the build step built it: building again would eat the check's time
        start = time.monotonic()
        try:
            module, cache_hit = _load_candidate(backend, command)
            if command.get("task"):
                self.model = _make_candidate_model(module, command, self.device)
        except BaseException as exc:  # noqa: BLE001 - SystemExit from a candidate is a verdict too
            return _failed(backend, exc, start, default=Failure.COMPILE if not command.get("task") else None)
        return {"ok": True, "seconds": time.monotonic() - start, "cache_hit": cache_hit}

    def call(self, command: dict[str, Any], inputs: list[Any]) -> tuple[dict[str, Any], Any]:
        import torch

        from multikernelbench.evaluation.integrity.dispatch_trace import ComputeTrace

        assert self.backend is not None  # noqa: S101 - the judge loads first
        python_threads = set(threading.enumerate())
        watch, trace = self.watch, ComputeTrace(self.candidate_file)
        before = watch.launches if watch else 0
        start = time.monotonic()
        try:
            with torch.no_grad(), _counting(watch), trace:
                out = self.model(*inputs)
            self.device.synchronize()
        except BaseException as exc:  # noqa: BLE001
            return _failed(self.backend, exc, start), None
        leaked = [t.name for t in threading.enumerate() if t not in python_threads and t.is_alive()]
        os_threads = _os_threads()
        if self.os_threads_after_first is None:
            self.os_threads_after_first = os_threads  # the first call may start thread pools (OpenMP)
        header = {
            "ok": True,
            "seconds": time.monotonic() - start,
            "ops": trace.result.as_rows(),
            "own_kernel_launches": None if watch is None else watch.launches - before,
            "own_kernel_total": None if watch is None else watch.launches,
            "per_call_count": None if watch is None else watch.per_call,
            "python_threads_left": leaked,
            "os_threads_grew": max(0, os_threads - self.os_threads_after_first),
            "output_types": _foreign_types(out),
        }
        if header["output_types"]:
            return header, None
        return header, {"output": out, "inputs_after": inputs}

    def keep_sets(self, command: dict[str, Any], sets: list[list[Any]]) -> dict[str, Any]:
        import torch

        assert self.backend is not None  # noqa: S101
        self.sets = sets
        start = time.monotonic()
        try:
            with torch.no_grad():
                for i in range(command["warmup"]):
                    self.model(*self.sets[i % len(self.sets)])
                self.device.synchronize()
                if command.get("cuda_graphs") and self.device.torch_type == "cuda":
                    from multikernelbench.evaluation.timing import capture_graph

                    graphs = [capture_graph(functools.partial(self.model, *inputs)) for inputs in self.sets]
                    self.graphs = [g for g in graphs if g is not None] if all(graphs) else []
        except BaseException as exc:  # noqa: BLE001
            return _failed(self.backend, exc, start)
        return {"ok": True, "clock": "cuda_graph" if self.graphs else self.device.clock}

    def trial(self, command: dict[str, Any], fresh: list[Any] | None) -> tuple[dict[str, Any], Any]:
        import torch

        assert self.backend is not None  # noqa: S101
        inputs = self.sets[command["set"]]
        if fresh is not None:
            # New contents in the same memory: an answer that caches by address now returns stale results.
            for kept, new in zip(inputs, fresh, strict=True):
                if isinstance(kept, torch.Tensor):
                    kept.copy_(new)
        self.device.synchronize()
        start = time.monotonic()
        try:
            with torch.no_grad():
                # As the judge does for its references. On another set, so a result kept for this one is not
                # made fresh by the wake-up call; also before an empty trial, whose round trip the judge
                # subtracts from the others'.
                other = self.sets[(command["set"] + 1) % len(self.sets)]
                self.device.before_trial(lambda: self.model(*other))
                self.device.flush_cache()
                if command.get("empty"):
                    ms = self.device.time_call(lambda: None)
                    out = None
                elif self.graphs:
                    replay, out = self.graphs[command["set"]]
                    ms = self.device.time_call(replay)
                else:
                    result: list[Any] = []
                    ms = self.device.time_call(lambda: result.append(self.model(*inputs)))
                    out = result[0]
        except BaseException as exc:  # noqa: BLE001
            return _failed(self.backend, exc, start), None
        if not command.get("return_output"):
            return {"ok": True, "ms": ms}, None
        foreign = _foreign_types(out)
        return {"ok": True, "ms": ms, "output_types": foreign}, None if foreign else {"output": out}


def _counting(watch: KernelWatch | None) -> Any:
    @contextmanager
    def counting() -> Iterator[None]:
        if watch is None:
            yield
            return
        watch.counting = True
        try:
            yield
        finally:
            watch.counting = False

    return counting()


def _foreign_types(value: Any) -> list[str]:
    """Type names in an output that are not plain tensors, numbers, None or tuples/lists of them."""
    import torch

    if type(value) is torch.Tensor or value is None or type(value) in (int, float, bool):
        return []
    if type(value) in (tuple, list):
        return [name for item in value for name in _foreign_types(item)]
    return [f"{type(value).__module__}.{type(value).__qualname__}"]


def _os_threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _failed(backend: Backend, exc: BaseException, start: float, default: Failure | None = None) -> dict[str, Any]:
    if backend.is_compile_error(exc):
        failure = Failure.COMPILE
    elif backend.is_device_fault(exc):
        failure = Failure.DEVICE_FAULT
    else:
        failure = default or Failure.CRASH
    text = f"{type(exc).__name__}: {exc}".strip()
    return {"ok": False, "seconds": time.monotonic() - start, "error": text[:4000], "failure": failure.value,
            "traceback": traceback.format_exc()[-4000:]}


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


def _load_candidate(backend: Backend, command: dict[str, Any]) -> tuple[Any, bool]:
    build_dir = Path(command["build_dir"])
    source_path = Path(command["candidate_path"])
    with _build_lock(backend, build_dir):
        cache_hit = (build_dir / BUILT_MARKER).exists()
        module = backend.load_candidate(source_path.read_text(), command["module_name"], source_path)
        if not isinstance(getattr(module, "ModelNew", None), type):
            raise TypeError("the candidate module defines no class ModelNew")
        # A marker the answer forges only skips a build: the check loads the answer again in any case.
        (build_dir / BUILT_MARKER).write_text(str(time.time()))
    return module, cache_hit


def _make_candidate_model(module: Any, command: dict[str, Any], device: Any) -> Any:
    """``ModelNew`` built as the judge builds the reference: same task module, same seed, same device."""
    from multikernelbench.tasks.runtime import load_module, make_model
    from multikernelbench.tasks.task import parse_task_source

    task_module = load_module(parse_task_source(**command["task"]), command["profile"])
    return make_model(module.ModelNew, task_module, command["init_seed"], device.torch_device())


def serve(channel: Channel) -> int:
    """Answer commands until ``exit`` or until the judge goes away."""
    import torch

    runner = Runner(channel)
    while True:
        command, payload = channel.receive()
        kind = command.get("command")
        if kind == "load":
            channel.send(runner.load(command))
        elif kind == "call":
            channel.send(*runner.call(command, payload))
        elif kind == "sets":
            channel.send(runner.keep_sets(command, payload))
        elif kind == "trial":
            channel.send(*runner.trial(command, payload))
        elif kind == "exit":
            return 0
        else:
            channel.send({"ok": False, "error": f"unknown command {kind!r}", "failure": Failure.CRASH.value})
        del payload
        if runner.device is not None and runner.device.torch_type == "cuda":
            torch.cuda.empty_cache()


def main(argv: list[str]) -> int:
    from multikernelbench.evaluation.containment import ContainmentPlan, enter_sandbox
    from multikernelbench.evaluation.runner_channel import ChannelError

    channel = Channel.from_fd(int(argv[1]))
    report = enter_sandbox(ContainmentPlan(**json.loads(argv[2])))
    for warning in report.warnings:
        print(f"runner: {warning}", file=sys.stderr)
    import torch  # noqa: F401 - before the first command, so a runner started ahead is ready

    try:
        return serve(channel)
    except ChannelError:
        return 0  # the judge is gone: nothing to answer


if __name__ == "__main__":
    sys.exit(main(sys.argv))
