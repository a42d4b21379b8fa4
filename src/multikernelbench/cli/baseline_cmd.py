"""``mkb baseline``: the eager and torch.compile reference times of tasks on a backend's device, cached."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from multikernelbench.cli import options
from multikernelbench.errors import TaskError
from multikernelbench.evaluation.baselines import Baseline, BaselineCache
from multikernelbench.evaluation.evaluator import Evaluator
from multikernelbench.executors.ray_executor import RayEvaluator
from multikernelbench.generation.exemplars import CATEGORY_EXEMPLARS
from multikernelbench.tasks.loader import select_tasks
from multikernelbench.tasks.task import Task

EXIT_USAGE = 2


def baseline(
    backend: options.Backend = "cpp",
    categories: Annotated[list[str] | None, typer.Option(help="Only these categories (repeat or comma-separate).")]
    = None,
    tasks: Annotated[list[str] | None, typer.Option(help="Only these tasks (repeat or comma-separate).")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Measure again even where a cached figure exists.")]
    = False,
    size: options.Size = None,
    compile_baseline: options.CompileBaseline = True,
    cuda_graphs: options.CudaGraphs = False,
    worker_python: options.WorkerPython = None,
    time_timeout: options.TimeTimeout = 300.0,
    cache_dir: options.CacheDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of a table.")] = False,
    executor: options.Executor = "local",
    ray_address: options.RayAddress = None,
    lanes: options.Lanes = None,
    lane_cores: options.LaneCores = None,
) -> None:
    """Time the reference of each task (eager and torch.compile) on the backend's device; cached per device and
    torch build. Default: one task per category."""
    config = options.make_config(size, "strict", 1, None, False, None, 600.0, 300.0, time_timeout, cache_dir,
                                 compile_baseline=compile_baseline, worker_python=worker_python,
                                 cuda_graphs=cuda_graphs)
    names, chosen_categories = options.split_list(tasks), options.split_list(categories)
    if not names and not chosen_categories:
        names = sorted(set(CATEGORY_EXEMPLARS.values()))
    chosen = select_tasks(names, chosen_categories)
    console = Console(stderr=True)
    results = []
    task_errors = 0
    with options.open_judge(executor, backend, config, ray_address, lanes, lane_cores) as judge:
        measure, where, at_once = _measurer(judge, refresh)
        # On a cluster, each lane times one task at a time, alone on its device; here, one at a time.
        with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="mkb-baseline") as pool:
            for task, result in zip(chosen, pool.map(lambda task: _attempt(measure, task), chosen)):
                if isinstance(result, TaskError):
                    # The same one line as 'mkb eval' gives; the other tasks are still timed.
                    console.print(f"error: {result}", markup=False, highlight=False, soft_wrap=True)
                    task_errors += 1
                    continue
                results.append(result)
                if not as_json:
                    console.print(f"{task.category}/{task.name}: " + (
                        f"error: {result.error}" if result.error else
                        f"eager {result.eager.median:.4f} ms" + (" (cached)" if result.cached else "")),
                        markup=False, highlight=False)
        mode = judge.mode
    if as_json:
        print(json.dumps([asdict(r) for r in results], default=str))
        if task_errors:
            raise typer.Exit(EXIT_USAGE)
        return
    table = Table(title=f"baselines on {backend} ({mode}); {where}")
    for column in ("task", "profile", "eager ms", "± std", "compile ms", "note"):
        table.add_column(column, no_wrap=column != "note")
    for r in results:
        note = r.error or r.compile_error or ("cached" if r.cached else "measured")
        table.add_row(r.task, r.profile, _ms(r.eager.median if r.eager else None), _ms(r.eager.std if r.eager else None),
                      _ms(r.compiled.median if r.compiled else None), note)
    Console().print(table)
    if task_errors:
        raise typer.Exit(EXIT_USAGE)  # as a UserError exits: the task, not the measurement, needs fixing
    if any(r.error for r in results):
        raise typer.Exit(1)


def _measurer(judge: Evaluator | RayEvaluator, refresh: bool) -> tuple[Callable[[Task], Baseline], str, int]:
    """How to time one task, where the figures are cached, and how many tasks to time at once."""
    if isinstance(judge, RayEvaluator):
        return (lambda task: judge.baseline(task, refresh)), "cached on each lane's node", len(judge.lane_load())
    cache = BaselineCache(judge)
    return (lambda task: cache.get(task, refresh=refresh)), f"cached in {cache.path}", 1


def _attempt(measure: Callable[[Task], Baseline], task: Task) -> Baseline | TaskError:
    try:
        return measure(task)
    except TaskError as exc:
        return exc


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
