"""``mkb eval``: the verdict on one answer for one task."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from multikernelbench.cli import options
from multikernelbench.errors import UserError
from multikernelbench.evaluation.evaluator import Evaluator
from multikernelbench.records import EvalRecord
from multikernelbench.tasks.loader import resolve_task


def evaluate(
    response: Annotated[Path, typer.Option(help="File holding the model's answer (a fenced code block or a module).")],
    task: Annotated[str | None, typer.Option(help="Bundled task name (see 'mkb tasks').")] = None,
    task_file: Annotated[Path | None, typer.Option(help="A KernelBench-format task file instead of --task.")] = None,
    backend: options.Backend = "cpp",
    size: options.Size = None,
    tolerance: options.Tolerance = "strict",
    trials: options.Trials = 5,
    seed: options.Seed = None,
    no_timing: options.NoTiming = False,
    memory_limit: options.MemoryLimit = None,
    build_timeout: options.BuildTimeout = 600.0,
    check_timeout: options.CheckTimeout = 300.0,
    time_timeout: options.TimeTimeout = 300.0,
    cache_dir: options.CacheDir = None,
    build_only: options.BuildOnly = False,
    worker_python: options.WorkerPython = None,
    cuda_graphs: options.CudaGraphs = False,
    integrity: options.Integrity = "strict",
    compile_baseline: options.CompileBaseline = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")] = False,
) -> None:
    """Build, check and time one answer. Exits 0 whenever an evaluation ran, whatever the verdict."""
    chosen = resolve_task(task, str(task_file) if task_file else None)
    try:
        text = response.read_text()
    except FileNotFoundError:
        raise UserError(f"response file {response} does not exist; pass the answer's path to --response") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read response file {response} ({type(exc).__name__}); pass a text file") from None
    config = options.make_config(size, tolerance, trials, seed, no_timing, memory_limit, build_timeout,
                                 check_timeout, time_timeout, cache_dir, compile_baseline=compile_baseline,
                                 build_only=build_only, worker_python=worker_python, cuda_graphs=cuda_graphs,
                                 integrity=integrity)
    evaluator = Evaluator(backend, config)
    options.print_sandbox_warnings(evaluator)
    evaluator.resolve_profile(chosen)
    record = evaluator.evaluate(chosen, text)
    if as_json:
        print(json.dumps(record.to_json()))
    else:
        print_verdict(record)


def print_verdict(record: EvalRecord) -> None:
    console = Console(soft_wrap=True)  # one verdict line stays one line in logs
    if record.passed:
        verdict = "[green]PASS[/green]"
    elif record.failed_phase is None and record.failed_integrity:
        verdict = "[red]FAIL[/red]: flagged by the integrity checks"
    else:
        verdict = f"[red]FAIL[/red] in {record.failed_phase}"
    mode = "" if record.mode == "native" else f", {record.mode.replace('_', '-')}"
    console.print(f"{record.task} on {record.backend} ({record.profile}{mode}): {verdict}")
    if record.error:
        console.print(f"  {record.error}", markup=False, highlight=False)
    if record.compile_info and not record.compiled:
        console.print(record.compile_info, markup=False, highlight=False)
    for phase in record.phases:
        console.print(f"  {phase.phase:8s} {'ok' if phase.ok else 'failed':6s} {phase.seconds:8.2f} s")
    if record.runtime and record.baseline:
        times = f"  candidate {record.runtime.median:.4f} ms (±{record.runtime.std:.4f}), eager {record.baseline.median:.4f} ms"
        if record.speedup is None:
            # Interpreted kernels: a time of the interpreter, never a speed of the kernel.
            console.print(f"{times} ({record.timing_clock} time, not a speed)")
        else:
            interval = record.speedup_interval
            spread = f" (95% CI {interval[0]:.2f}-{interval[1]:.2f})" if interval else ""
            console.print(f"{times}, speedup {record.speedup:.2f}x{spread}")
    if record.runtime and record.compile_baseline and record.speedup_compile is not None:
        console.print(f"  torch.compile {record.compile_baseline.median:.4f} ms, speedup {record.speedup_compile:.2f}x")
    elif reason := _compile_baseline_error(record):
        console.print(f"  torch.compile baseline not measured: {reason}", markup=False, highlight=False)
    for warning in record.timing_warnings:
        console.print(f"  timing warning: {warning}", markup=False, highlight=False)
    label = "integrity flag" if record.integrity == "strict" else "integrity warning"
    for flag in record.integrity_flags:
        console.print(f"  {label} ({flag.stage}): {flag.describe()}", markup=False, highlight=False)
    if record.build_cache_hit:
        console.print("  build: cache hit")


def _compile_baseline_error(record: EvalRecord) -> str | None:
    """Why the torch.compile baseline is missing, as the time phase recorded it."""
    timing = next((p for p in record.phases if p.phase == "time"), None)
    return timing.detail.get("compile_baseline_error") if timing else None
