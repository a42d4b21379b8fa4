"""The typed protocol between the evaluator (parent) and a worker (child).

The parent writes one :class:`WorkerRequest` as a line of JSON on the worker's
stdin (never a file the candidate could find); the worker answers with
reports, one JSON object per line on a pipe, each tagged with its class name.
Both sides encode and decode through this module only, so a field is named in
one place. What kind of failure a report describes is data
(:class:`Failure`), never guessed from an error's text.
"""

from __future__ import annotations

import json
import signal
from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from typing import Any


class Phase(str, Enum):
    """Steps of an evaluation, in order. ``start`` is the worker's start-up before its first step."""

    EXTRACT = "extract"
    START = "start"
    BUILD = "build"
    #: The judge makes the reference, one input set and the reference's output on it, before any answer runs:
    #: a failure here is the task's (a task error), never the answer's.
    REFERENCE = "reference"
    CHECK = "check"
    COMPILE_BASELINE = "compile_baseline"
    TIME = "time"


class Failure(str, Enum):
    """What kind of failure ended a phase."""

    NO_CODE = "no_code"  # the response holds no usable module
    COMPILE = "compile_error"  # the build failed, or a JIT kernel failed to compile on its first call
    MISMATCH = "mismatch"  # ran, but the outputs (or inputs after the call) differ from the reference's
    CRASH = "crash"  # a Python exception or a signal in the candidate's code
    TIMEOUT = "timeout"
    MEMORY = "memory"
    DEVICE_FAULT = "device_fault"  # an illegal address or other fault of the accelerator
    UNSUPPORTED = "unsupported"  # the machine cannot run this phase (build-only evaluation)
    # Only the judge reports these two, from its reference phase; never taken from the answer's process.
    TASK_ERROR = "task_error"  # the task's own reference failed (import, init, get_inputs, forward)
    TASK_TOO_BIG = "task_too_big"  # the reference and its inputs do not fit this machine's limits


class Mode(str, Enum):
    """How a backend runs on this machine."""

    NATIVE = "native"  # on its device: verdicts and speeds
    INTERPRETER = "interpreter"  # kernels interpreted on the CPU: verdicts, times are not speeds
    BUILD_ONLY = "build_only"  # the toolchain without the device: compile verdicts only


@dataclass(frozen=True)
class TaskSpec:
    """The task a check worker loads (it re-parses the source, keeping profile constants' types)."""

    name: str
    category: str
    path: str
    source: str


@dataclass(frozen=True)
class TimingSpec:
    """How the worker times: trials, budget, flush and the optional CUDA-graph replay."""

    warmup: int = 3
    min_trials: int = 10
    max_trials: int = 100
    budget_s: float = 2.0
    input_sets: int = 3
    cuda_graphs: bool = False


@dataclass(frozen=True)
class WorkerRequest:
    """Everything a worker needs; ``task`` and the check fields are unused by a build."""

    step: str  # "build", "check" (check and time a candidate) or "baseline" (time the reference alone)
    backend: str
    mode: str
    candidate_path: str
    module_name: str
    build_dir: str
    task: TaskSpec | None = None
    profile: str = "small"
    tolerance: str = "strict"
    init_seed: int = 0
    input_seeds: tuple[int, ...] = ()
    timing: TimingSpec | None = None  # None: check only
    compile_baseline: bool = False
    #: After a passed check, wait for the parent's go (a line on stdin) before timing: the device is shared
    #: by checks, and timing must have it alone.
    await_turn: bool = False
    #: Variables of this candidate's build (its private build folders), set before any of its code runs.
    environment: dict[str, str] = field(default_factory=dict)
    #: off (no integrity checks), warn (flag, still count a pass) or strict (a flagged answer fails).
    integrity: str = "strict"
    #: The memory limit of the worker's process tree (host memory), so the judge can tell a task too big to
    #: check from an answer that used too much; None: no limit.
    memory_limit_bytes: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> WorkerRequest:
        data = json.loads(text)
        data["task"] = TaskSpec(**data["task"]) if data.get("task") else None
        data["timing"] = TimingSpec(**data["timing"]) if data.get("timing") else None
        data["input_seeds"] = tuple(data.get("input_seeds", ()))
        return cls(**data)


# ---- reports, worker -> parent ----


@dataclass(frozen=True)
class PhaseStarted:
    """The worker entered ``phase``: the parent restarts that phase's deadline."""

    phase: str


@dataclass(frozen=True)
class EnvReport:
    """The device and software the check ran on."""

    hardware: dict[str, Any]
    versions: dict[str, Any]


@dataclass(frozen=True)
class StepReport:
    """The end of one step: ok, or the failure with its kind and the candidate's traceback."""

    ok: bool
    seconds: float
    error: str | None = None
    failure: str | None = None
    traceback: str = ""


@dataclass(frozen=True)
class BuildReport(StepReport):
    cache_hit: bool = False


@dataclass(frozen=True)
class CheckReport(StepReport):
    trials: int = 0
    #: Integrity flags seen while checking, as dicts of :class:`~multikernelbench.records.IntegrityFlag`.
    flags: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class TimeReport(StepReport):
    candidate_ms: tuple[float, ...] = ()
    baseline_ms: tuple[float, ...] = ()
    compile_baseline_ms: tuple[float, ...] = ()
    compile_baseline_error: str | None = None
    compile_baseline_compile_s: float | None = None
    clock: str = "host_clock"  # host_clock | device_events | cuda_graph | interpreter
    warnings: tuple[str, ...] = ()
    flags: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class ReadyToTime:
    """The check passed; the worker waits for the device to itself before timing (``await_turn``)."""


@dataclass(frozen=True)
class Done:
    """The worker reported everything it had to."""


Report = PhaseStarted | EnvReport | BuildReport | CheckReport | ReadyToTime | TimeReport | Done
_REPORT_TYPES: dict[str, type] = {cls.__name__: cls for cls in (PhaseStarted, EnvReport, BuildReport, CheckReport,
                                                                ReadyToTime, TimeReport, Done)}


def encode_report(report: Report) -> bytes:
    """One line of JSON naming the report's type."""
    return (json.dumps({"type": type(report).__name__, **asdict(report)}, default=str) + "\n").encode()


def decode_report(line: bytes) -> Report | None:
    """The report on one line; None for anything else (a candidate printing to the pipe gains nothing)."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("type") not in _REPORT_TYPES:
        return None
    cls = _REPORT_TYPES[data.pop("type")]
    names = {f.name for f in fields(cls)}
    try:
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
        return cls(**values)
    except TypeError:
        return None


def signal_name(signum: int) -> str:
    """``SIGSEGV`` for 11: how a verdict names the signal that killed a process."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
