"""Options shared by ``mkb eval`` and ``mkb run``, and turning them into an :class:`EvalConfig`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from multikernelbench.errors import UserError
from multikernelbench.backends.devices import default_memory_limit
from multikernelbench.evaluation.evaluator import INTEGRITY_LEVELS, EvalConfig, Evaluator
from multikernelbench.evaluation.protocol import TimingSpec
from multikernelbench.evaluation.tolerances import (
    TOLERANCE_PROFILES,
    check_profile_name,
)
from multikernelbench.executors.ray_executor import RayEvaluator
from multikernelbench.paths import default_cache_dir

Backend = Annotated[str, typer.Option(help="Backend to build and run answers on.")]
Size = Annotated[
    str | None,
    typer.Option("--size", help="Size profile: small (CPU-friendly) or full (published shapes). "
                 "Default: small where the task has it."),
]
Tolerance = Annotated[
    str, typer.Option(help=f"Tolerance profile: {', '.join(TOLERANCE_PROFILES)} (paper = 1e-2).")
]
Trials = Annotated[int, typer.Option("--trials", min=1, help="Number of random input sets checked.")]
Seed = Annotated[int | None, typer.Option(help="Seed for inputs and weights (default: fresh per evaluation).")]
NoTiming = Annotated[bool, typer.Option("--no-timing", help="Check correctness only.")]
Integrity = Annotated[str, typer.Option(
    help="Integrity checks (the answer must compute in its own kernels): strict (a flagged answer fails), "
         "warn (flags are recorded, the answer can still pass) or off.")]
MemoryLimit = Annotated[
    float | None, typer.Option("--memory-limit", help="GiB a candidate may use (default: half of RAM).")
]
BuildTimeout = Annotated[float, typer.Option(help="Seconds allowed for the build phase.")]
CheckTimeout = Annotated[float, typer.Option(help="Seconds allowed for the check phase.")]
TimeTimeout = Annotated[float, typer.Option(help="Seconds allowed for the timing phase.")]
CacheDir = Annotated[Path | None, typer.Option(help="Build cache directory (default: $MKB_CACHE_DIR or ~/.cache).")]
CompileBaseline = Annotated[
    bool,
    typer.Option("--compile-baseline/--no-compile-baseline",
                 help="Also time torch.compile of the reference, for a second speedup (costs a compile per task)."),
]

BuildOnly = Annotated[
    bool, typer.Option("--build-only", help="Only build answers (a GPU backend on a machine without its GPU): "
                       "compile verdicts, never a pass."),
]
WorkerPython = Annotated[
    Path | None, typer.Option("--worker-python", help="Python interpreter that builds and runs answers, e.g. a venv "
                              "with a CUDA build of torch (default: this one).", exists=True, dir_okay=False),
]
CudaGraphs = Annotated[
    bool, typer.Option("--cuda-graphs", help="Time CUDA-graph replays (removes launch overhead from microsecond "
                       "kernels); falls back to events where an answer cannot be captured."),
]

Settings = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="NAME=VALUE",
                 help="Set a module-level constant of the task (a size, e.g. --set batch_size=16) before its model "
                      "and inputs are made; VALUE is a Python literal. Repeatable."),
]


Executor = Annotated[str, typer.Option(
    "--executor", help="Where answers are built, checked and timed: local (this machine) or ray (the device lanes of "
                       "a Ray cluster: --ray-address, else $RAY_ADDRESS, else a Ray instance started here).")]
RayAddress = Annotated[str | None, typer.Option(
    "--ray-address", help="With --executor ray: the head node's address, HOST:PORT (default: $RAY_ADDRESS; with "
                          "neither, Ray is started on this machine).")]
Lanes = Annotated[int | None, typer.Option(
    "--lanes", min=1, help="With --executor ray: the most device lanes to use (default: one per GPU of every node "
                           "that can serve the backend; on the CPU, one per --lane-cores cores).")]
LaneCores = Annotated[int | None, typer.Option(
    "--lane-cores", min=1, help="With --executor ray on the CPU (cpp, interpreted kernels): cores each lane owns "
                                "(default: all of its node's, one lane per node).")]

EXECUTORS = ("local", "ray")


@contextmanager
def open_judge(executor: str, backend: str, config: EvalConfig, ray_address: str | None = None,
               lanes: int | None = None, lane_cores: int | None = None) -> Iterator[Evaluator | RayEvaluator]:
    """The evaluator of ``executor``: this machine's, or a Ray cluster's lanes (stopped on leaving)."""
    if executor not in EXECUTORS:
        raise UserError(f"unknown executor '{executor}'; use --executor local or --executor ray")
    if executor == "local":
        given = [name for name, value in (("--ray-address", ray_address), ("--lanes", lanes),
                                          ("--lane-cores", lane_cores)) if value is not None]
        if given:
            verb = "apply" if len(given) > 1 else "applies"
            raise UserError(f"{', '.join(given)} {verb} only to --executor ray; add it, or leave them out")
        yield Evaluator(backend, config)
        return
    judge = RayEvaluator(backend, config, address=ray_address, lanes=lanes, lane_cores=lane_cores)
    try:
        Console(stderr=True, soft_wrap=True).print(judge.describe(), markup=False, highlight=False)
        yield judge
    finally:
        judge.close()


def parse_settings(values: list[str] | None) -> dict[str, Any]:
    """``--set NAME=VALUE`` options as constants, each value read as a Python literal."""
    settings: dict[str, Any] = {}
    for item in values or []:
        name, equals, text = (part.strip() for part in item.partition("="))
        if not equals or not name.isidentifier():
            raise UserError(f"--set {item}: expected NAME=VALUE, e.g. --set batch_size=16")
        try:
            settings[name] = ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise UserError(f"--set {item}: {text!r} is not a Python literal; give a number, a tuple such as "
                            "(16, 32) or a quoted string such as \"'mean'\"") from None
    return settings


def split_list(values: list[str] | None) -> list[str] | None:
    """Accept both repeated options and comma-separated lists."""
    if not values:
        return None
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def make_config(
    size: str | None,
    tolerance: str,
    trials: int,
    seed: int | None,
    no_timing: bool,
    memory_limit: float | None,
    build_timeout: float,
    check_timeout: float,
    time_timeout: float,
    cache_dir: Path | None,
    compile_baseline: bool = True,
    build_only: bool = False,
    worker_python: Path | None = None,
    cuda_graphs: bool = False,
    integrity: str = "strict",
) -> EvalConfig:
    if size is not None and size not in ("small", "full"):
        raise UserError(f"unknown size '{size}'; use --size small or --size full")
    if integrity not in INTEGRITY_LEVELS:
        choices = ", ".join(f"--integrity {level}" for level in INTEGRITY_LEVELS)
        raise UserError(f"unknown integrity level '{integrity}'; use {choices}")
    check_profile_name(tolerance)
    if memory_limit is not None and memory_limit <= 0:
        raise UserError("--memory-limit must be a positive number of GiB")
    for name, value in (("--build-timeout", build_timeout), ("--check-timeout", check_timeout),
                        ("--time-timeout", time_timeout)):
        if value <= 0:
            raise UserError(f"{name} must be a positive number of seconds")
    return EvalConfig(
        profile=size,
        tolerance=tolerance,
        num_input_sets=trials,
        seed=seed,
        timing=not no_timing,
        memory_limit_bytes=int(memory_limit * 2**30) if memory_limit else default_memory_limit(),
        build_timeout_s=build_timeout,
        check_timeout_s=check_timeout,
        time_timeout_s=time_timeout,
        cache_dir=cache_dir or default_cache_dir(),
        compile_baseline=compile_baseline,
        build_only=build_only,
        # Not resolve(): a venv's python is a symlink to the base interpreter, and following it loses the venv.
        worker_python=str(worker_python.expanduser().absolute()) if worker_python else None,
        timing_plan=TimingSpec(cuda_graphs=cuda_graphs),
        integrity=integrity,
    )


def print_sandbox_warnings(evaluator: Evaluator | RayEvaluator) -> None:
    """Say on stderr, once, what the answers' sandbox cannot do on this machine (e.g. no network isolation)."""
    console = Console(stderr=True, soft_wrap=True)
    for warning in evaluator.sandbox_warnings():
        console.print(f"warning: sandbox: {warning}", markup=False, highlight=False)
