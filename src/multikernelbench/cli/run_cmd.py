"""``mkb run``: evaluate a model's answers for a set of tasks, store every verdict, print a summary."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from multikernelbench.backends.base import cpu_count
from multikernelbench.cli import options
from multikernelbench.errors import UserError
from multikernelbench.evaluation.evaluator import Evaluator
from multikernelbench.executors.local import WorkItem, execute, pending_work
from multikernelbench.generation.exemplars import CATEGORY_EXEMPLARS
from multikernelbench.generation.solutions import MODEL_NAME, SolutionsClient, solution_tasks
from multikernelbench.metrics import summarize_by_category
from multikernelbench.paths import default_store_path
from multikernelbench.records import EvalRecord
from multikernelbench.store import RunInfo, Store
from multikernelbench.tasks.loader import select_tasks


def _split(values: list[str] | None) -> list[str] | None:
    """Accept both repeated options and comma-separated lists."""
    if not values:
        return None
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def run(
    model: Annotated[str, typer.Option(help="Where answers come from: 'solutions' (the bundled reference answers).")]
    = MODEL_NAME,
    backend: options.Backend = "cpp",
    categories: Annotated[list[str] | None, typer.Option(help="Only these categories (repeat or comma-separate).")]
    = None,
    tasks: Annotated[list[str] | None, typer.Option(help="Only these tasks (repeat or comma-separate).")] = None,
    samples: Annotated[int, typer.Option(min=1, help="Answers per task.")] = 1,
    run_name: Annotated[str | None, typer.Option(help="Name of the run in the store (default: model-backend-size).")]
    = None,
    store: Annotated[Path | None, typer.Option(help="Results file (default: ./mkb-results/results.sqlite).")] = None,
    jobs: Annotated[int | None, typer.Option(min=1, help="Answers in flight at once (default: CPU count).")] = None,
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
) -> None:
    """Evaluate answers for many tasks. With no options: one bundled solution per category, on the CPU."""
    if model != MODEL_NAME:
        raise UserError(f"unknown model '{model}'; this version answers from --model {MODEL_NAME} only")
    config = options.make_config(size, tolerance, trials, seed, no_timing, memory_limit, build_timeout,
                                 check_timeout, time_timeout, cache_dir)
    evaluator = Evaluator(backend, config)
    console = Console(stderr=True)
    if tasks or categories:
        chosen = select_tasks(_split(tasks), _split(categories))
    else:
        # The embedded default: one bundled solution per category (the category exemplars).
        chosen = select_tasks(sorted(set(CATEGORY_EXEMPLARS.values()) & set(solution_tasks(backend))))
    solved = set(solution_tasks(backend))
    missing = [t.name for t in chosen if t.name not in solved]
    chosen = [t for t in chosen if t.name in solved]
    if not chosen:
        raise UserError(f"no selected task has a bundled {backend} solution; run 'mkb tasks' to see which do")
    if missing and tasks:
        console.print(f"no bundled {backend} solution for: {', '.join(missing)} (skipped)")
    for task in chosen:
        evaluator.resolve_profile(task)
    info = RunInfo(
        name=run_name or f"{model}-{backend}-{size or 'small'}",
        model=model,
        backend=backend,
        strategy="none",
        profile=size or "small",
        config=dataclasses.asdict(config) | {"samples": samples},
    )
    results = Store(store or default_store_path())
    try:
        results.open_run(info)
        todo = pending_work(results, info, chosen, samples)
        total = len(chosen) * samples
        console.print(f"run '{info.name}': {total - len(todo)} of {total} answers already evaluated, "
                      f"{len(todo)} to go; results in {results.path}")
        _execute_with_progress(todo, total, info, evaluator, results, jobs or cpu_count(), backend, console)
        print_summary(results, info.name)
    finally:
        results.close()


def _execute_with_progress(todo: list[WorkItem], total: int, info: RunInfo, evaluator: Evaluator, results: Store,
                           jobs: int, backend: str, console: Console) -> None:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task("evaluating", total=total, completed=total - len(todo))

        def report(item: WorkItem, record: EvalRecord) -> None:
            verdict = "pass" if record.passed else f"fail ({record.failed_phase})"
            speed = f" {record.speedup:.2f}x" if record.speedup is not None else ""
            progress.console.print(f"{item.task.category}/{item.task.name} #{item.sample}: {verdict}{speed}",
                                   markup=False, highlight=False)
            progress.advance(bar)

        execute(todo, info, SolutionsClient(backend), evaluator, results, jobs=jobs, on_result=report)


def print_summary(results: Store, run_name: str) -> None:
    table = Table(title=f"run '{run_name}'")
    for column in ("category", "answers", "compiled", "correct", "median speedup"):
        table.add_column(column, justify="left" if column == "category" else "right")
    for row in summarize_by_category(results.verdicts(run_name)):
        speed = f"{row.median_speedup:.2f}x" if row.median_speedup is not None else "-"
        table.add_row(row.category, str(row.answers), str(row.compiled), str(row.correct), speed)
    Console().print(table)
