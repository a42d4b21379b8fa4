"""``mkb eval``: the verdict on one answer for one task."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from multikernelbench.cli import options
from multikernelbench.errors import UserError
from multikernelbench.evaluation.build_log import compiler_errors, headline
from multikernelbench.evaluation.evaluator import resolve_profile
from multikernelbench.evaluation.protocol import Phase
from multikernelbench.records import EvalRecord
from multikernelbench.tasks.loader import resolve_task
from multikernelbench.tasks.task import with_constants

# The compiler's errors shown under a failed build; the rest are one --log away (the first usually explains).
_ERRORS_SHOWN = 3


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
    settings: options.Settings = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")] = False,
    log: Annotated[bool, typer.Option(
        "--log", help="For an answer that does not build, print the full build log instead of its first errors.")]
    = False,
    executor: options.Executor = "local",
    ray_address: options.RayAddress = None,
    lanes: options.Lanes = None,
    lane_cores: options.LaneCores = None,
) -> None:
    """Build, check and time one answer. Exits 0 whenever an evaluation ran, whatever the verdict; 2 when the task
    itself cannot be judged (its reference fails or does not fit the limits), with the reason on stderr."""
    if log and as_json:
        raise UserError("--log prints for people; with --json the full build log is the 'compile_info' field")
    chosen = with_constants(resolve_task(task, str(task_file) if task_file else None),
                            options.parse_settings(settings))
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
    resolve_profile(chosen, config.profile)  # a clear error for a missing size, before any worker starts
    # One answer needs one lane, wherever it is evaluated.
    with options.open_judge(executor, backend, config, ray_address, lanes or (1 if executor == "ray" else None),
                            lane_cores) as evaluator:
        options.print_sandbox_warnings(evaluator)
        # A broken or oversized task raises TaskError, a UserError: one line on stderr and exit 2, never a verdict.
        record = evaluator.evaluate(chosen, text)
    if as_json:
        print(json.dumps(record.to_json()))
    else:
        print_verdict(record, full_log=log)


def print_verdict(record: EvalRecord, full_log: bool = False) -> None:
    """The verdict for people; an answer that did not build shows its compiler's first errors (all with
    ``full_log``)."""
    console = Console(soft_wrap=True)  # one verdict line stays one line in logs
    if record.passed:
        verdict = "[green]PASS[/green]"
    elif record.failed_phase is None and record.failed_integrity:
        verdict = "[red]FAIL[/red]: flagged by the integrity checks"
    else:
        verdict = f"[red]FAIL[/red] in {record.failed_phase}"
    mode = "" if record.mode == "native" else f", {record.mode.replace('_', '-')}"
    console.print(f"{record.task} on {record.backend} ({record.profile}{mode}): {verdict}")
    if _did_not_build(record):
        _print_build_failure(console, record, full_log)
    else:
        if record.error:
            console.print(f"  {record.error}", markup=False, highlight=False)
        if full_log:
            console.print("  no build log: the answer built", markup=False, highlight=False)
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


def _did_not_build(record: EvalRecord) -> bool:
    """A build failure, or a JIT kernel's compile failure in the check (an answer without code never built)."""
    return not record.compiled and record.failed_phase not in (None, Phase.EXTRACT.value)


def _print_build_failure(console: Console, record: EvalRecord, full_log: bool) -> None:
    """The compiler's first errors (without command lines) and where the rest is; the whole log with ``full_log``."""
    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False)

    if full_log:
        say(record.compile_info or record.error or "(no build log was kept)")
        return
    failed = next((p for p in record.phases if p.phase == record.failed_phase), None)
    traceback = str(failed.detail.get("traceback") or "") if failed is not None else ""
    in_log = compiler_errors(record.compile_info)
    # Else the traceback holds the answer's own frame, when the failure was a Python error at import.
    errors = in_log or compiler_errors(f"{record.compile_info}\n{traceback}")
    if not errors:
        say(textwrap.indent(record.error or record.compile_info, "  "))
    else:
        first = headline(record.error or "")
        if first and first not in "\n".join(errors):  # a Python error's block already ends with it
            say(f"  {first}")
        for block in errors[:_ERRORS_SHOWN]:
            say(textwrap.indent(block, "  "))
        if len(errors) > _ERRORS_SHOWN:
            more = len(errors) - _ERRORS_SHOWN
            say(f"  ... and {more} more error{'s' if more > 1 else ''}")
    if in_log or record.compile_info.strip() != (record.error or "").strip():  # the log holds more than shown
        say("  the full build log: run the same command with --log")


def _compile_baseline_error(record: EvalRecord) -> str | None:
    """Why the torch.compile baseline is missing, as the time phase recorded it."""
    timing = next((p for p in record.phases if p.phase == "time"), None)
    return timing.detail.get("compile_baseline_error") if timing else None
