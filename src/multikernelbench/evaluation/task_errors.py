"""Telling a broken or oversized task from a failed answer, and saying what to do about it in one line.

The judge makes the reference and one input set, and runs the reference on it, in a phase of its own
(``reference``) before any answer's code runs. A failure reported from that phase, or a kill (memory,
time, a signal) while the worker was in it, is the task's: it becomes a :class:`TaskError`, never a
verdict on the answer. Anything after the answer ran stays the answer's.
"""

from __future__ import annotations

import ast

from multikernelbench.errors import TaskError
from multikernelbench.evaluation.protocol import Failure, Phase, signal_name
from multikernelbench.evaluation.sandbox import WorkerOutcome
from multikernelbench.evaluation.worker import gib
from multikernelbench.tasks.task import SMALL, Task

_DETAIL_CHARS = 300


def task_error(outcome: WorkerOutcome, report_type: type, task: Task, profile: str, *, memory_limit_bytes: int | None,
               reference_limit_s: float, host_memory: bool) -> TaskError | None:
    """The task error this worker's outcome shows, or None when the answer (or nothing) is to blame.

    ``report_type`` is the report that ends the worker's step (CheckReport, or TimeReport for a baseline);
    ``host_memory`` says whether the task's tensors live in host memory (the memory limit's) or on a device.
    """
    report = outcome.last(report_type)
    if report is not None:
        if report.failure == Failure.TASK_ERROR.value:
            return broken(task, report.error or "its reference failed")
        if report.failure == Failure.TASK_TOO_BIG.value:
            return too_big(task, profile, report.error or "its reference ran out of memory", memory=True,
                           host_memory=host_memory)
        return None
    if outcome.last_phase != Phase.REFERENCE.value:
        return None
    if outcome.killed_for == Failure.MEMORY:
        limit = f" of {gib(memory_limit_bytes)} GiB" if memory_limit_bytes else ""
        return too_big(task, profile, "making one input set and running the reference on it took more than the "
                       f"memory limit{limit}", memory=True, host_memory=True)
    if outcome.killed_for == Failure.TIMEOUT:
        return too_big(task, profile, "making one input set and running the reference on it took more than the "
                       f"time limit of {reference_limit_s:g} s", memory=False, host_memory=host_memory)
    code = outcome.returncode
    how = f"killed by {signal_name(-code)}" if code is not None and code < 0 else f"exit code {code}"
    return broken(task, f"the judge died ({how}) making the reference or running it on one input set")


def broken(task: Task, detail: str) -> TaskError:
    """The task file cannot run: fixing it is the only way on."""
    return TaskError(f"task file {task.path} cannot be judged: {_one_line(detail)}; fix the task file "
                     "(no answer was judged)", task=task.name)


def too_big(task: Task, profile: str, detail: str, *, memory: bool, host_memory: bool) -> TaskError:
    """The task runs, but not within this machine's limits: a larger limit or smaller sizes would do."""
    ways = []
    if memory and host_memory:
        ways.append("a larger --memory-limit")
    elif not memory:
        ways.append("a larger --check-timeout")
    if profile != SMALL and SMALL in task.profiles:
        ways.append(f"--size {SMALL}")
    ways.append(set_hint(task, profile))
    advice = ways[0] if len(ways) == 1 else f"{', '.join(ways[:-1])} or {ways[-1]}"
    return TaskError(f"task file {task.path} does not fit: {_one_line(detail)}; pass {advice}", task=task.name,
                     too_big=True)


def set_hint(task: Task, profile: str) -> str:
    """How to shrink the task with ``--set``, naming its whole-number constants as ``profile`` sets them."""
    sizes = size_constants(task, profile)
    if not sizes:
        return "smaller sizes with --set NAME=VALUE (NAME: a module-level constant of the task file)"
    # Shrink the batch if there is one (it changes no layer's shape), else the largest size.
    first = next((name for name in sizes if "batch" in name.lower()), None)
    first = first or max(sizes, key=lambda name: sizes[name])
    listed = ", ".join(f"{name} = {value}" for name, value in sizes.items())
    return f"smaller sizes with --set, e.g. --set {first}={max(1, sizes[first] // 8)} (its sizes: {listed})"


def size_constants(task: Task, profile: str, most: int = 6) -> dict[str, int]:
    """The task's module-level whole-number constants above 1 under ``profile``, largest first."""
    values = dict(task.profile_constants(profile))
    for name, source in task.constants.items():
        if name not in values:
            try:
                values[name] = ast.literal_eval(source)
            except (ValueError, SyntaxError):
                continue  # an expression of other constants: not a size to set
    sizes = {n: v for n, v in values.items() if isinstance(v, int) and not isinstance(v, bool) and v > 1}
    return dict(sorted(sizes.items(), key=lambda item: -item[1])[:most])


def _one_line(text: str) -> str:
    joined = " ".join(line.strip() for line in text.splitlines() if line.strip())
    return joined if len(joined) <= _DETAIL_CHARS else joined[: _DETAIL_CHARS - 4] + " ..."
