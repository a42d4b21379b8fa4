"""``mkb run``: ask a model (or replay answers) for a set of tasks, evaluate each answer, store everything.

Runs are resumable: the same command again continues where it stopped, never
asking the model again for an answer it already gave.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from multikernelbench.backends.devices import cpu_count
from multikernelbench.cli import options
from multikernelbench.cli.progress import CountedEvaluator, CountedSource, RunDisplay
from multikernelbench.errors import UserError
from multikernelbench.evaluation.evaluator import Evaluator, resolve_profile
from multikernelbench.evaluation.protocol import Phase
from multikernelbench.executors.local import WorkItem, execute, pending_work
from multikernelbench.executors.ray_executor import RayEvaluator
from multikernelbench.generation.conversation import (
    Conversation,
    Limits,
    Outcome,
    PromptBuilder,
)
from multikernelbench.generation.exemplars import CATEGORY_EXEMPLARS
from multikernelbench.generation.llm.base import SamplingParams
from multikernelbench.generation.llm.retry import RetryPolicy
from multikernelbench.generation.prompts.strategies import (
    DEFAULT_STRATEGY,
    build_messages,
    check_strategy,
)
from multikernelbench.generation.replay import ReplaySource
from multikernelbench.generation.solutions import MODEL_NAME
from multikernelbench.generation.source_factory import is_model, make_source
from multikernelbench.generation.sources import AnswerSource
from multikernelbench.paths import default_store_path
from multikernelbench.records import EvalRecord
from multikernelbench.report import build_report
from multikernelbench.report.tables import print_report
from multikernelbench.store import RunInfo, Store
from multikernelbench.tasks.loader import select_tasks
from multikernelbench.tasks.task import Task

#: Some work is left for the next run: requests that got no answer, or tasks that could not be judged.
EXIT_REQUESTS_FAILED = 1
# Task names listed when a source lacks answers for some selected tasks (a category can hold 100).
_NAMES_SHOWN = 8


def run(
    model: Annotated[str, typer.Option(
        help="Where answers come from: 'solutions' (bundled answers), 'replay:DIR' (saved answers), "
             "'openai/NAME' (any OpenAI-compatible server) or 'anthropic/NAME'.")] = MODEL_NAME,
    base_url: Annotated[str | None, typer.Option(help="API base URL for openai/ models (vLLM, SGLang, DeepSeek, ...).")]
    = None,
    api_key_env: Annotated[str | None, typer.Option(
        help="Environment variable holding the API key (default OPENAI_API_KEY or ANTHROPIC_API_KEY; .env is read).")]
    = None,
    backend: options.Backend = "cpp",
    strategy: Annotated[str | None, typer.Option(
        help=f"Prompt strategy: zero_shot, add_shot or selected_shot (default {DEFAULT_STRATEGY} for models).")] = None,
    categories: Annotated[list[str] | None, typer.Option(help="Only these categories (repeat or comma-separate).")]
    = None,
    tasks: Annotated[list[str] | None, typer.Option(help="Only these tasks (repeat or comma-separate).")] = None,
    samples: Annotated[int | None, typer.Option(
        min=1, help="Answers per task, the n of pass@k (default 1; for replay: its run folders).")] = None,
    temperature: Annotated[float, typer.Option(min=0.0, help="Sampling temperature.")] = 0.0,
    top_p: Annotated[float, typer.Option(min=0.0, max=1.0, help="Nucleus sampling top_p.")] = 1.0,
    max_tokens: Annotated[int, typer.Option(min=1, help="Most tokens per answer.")] = 8192,
    turns: Annotated[int, typer.Option(min=1, help="Feedback turns: after a failed or slow answer, ask again.")] = 1,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests to the model in flight at once.")] = 8,
    request_timeout: Annotated[float, typer.Option(help="Seconds one request may take.")] = 600.0,
    max_retries: Annotated[int, typer.Option(min=0, help="Retries of a request on 429, 5xx and timeouts.")] = 5,
    stream: Annotated[bool, typer.Option("--stream/--no-stream", help="Stream answers from the model.")] = True,
    run_name: Annotated[str | None, typer.Option(
        help="Name of the run in the store (default: model-backend[-strategy]-size).")] = None,
    store: Annotated[Path | None, typer.Option(help="Results file (default: ./mkb-results/results.sqlite).")] = None,
    jobs: Annotated[int | None, typer.Option(
        min=1, help="Answers evaluated at once (default: CPU count; on a cluster, what its lanes hold).")] = None,
    size: options.Size = None,
    tolerance: options.Tolerance = "strict",
    trials: options.Trials = 5,
    seed: options.Seed = None,
    no_timing: options.NoTiming = False,
    compile_baseline: options.CompileBaseline = True,
    memory_limit: options.MemoryLimit = None,
    build_timeout: options.BuildTimeout = 600.0,
    check_timeout: options.CheckTimeout = 300.0,
    time_timeout: options.TimeTimeout = 300.0,
    cache_dir: options.CacheDir = None,
    build_only: options.BuildOnly = False,
    worker_python: options.WorkerPython = None,
    cuda_graphs: options.CudaGraphs = False,
    integrity: options.Integrity = "strict",
    executor: options.Executor = "local",
    ray_address: options.RayAddress = None,
    lanes: options.Lanes = None,
    lane_cores: options.LaneCores = None,
) -> None:
    """Ask a model for answers and evaluate them. With no options: one bundled solution per category, on the CPU.

    Exit status 1: some requests got no answer, or some tasks could not be judged, or (on a cluster) some
    evaluations were lost with their lanes (their answers wait, with no verdict; run the same command again to
    retry them, after fixing the tasks). Exit status 2: bad input, no model server at the URL (the run stops at
    once and records nothing for it), or a Ray cluster that cannot be reached or has no lane left.
    """
    console = Console(stderr=True)
    asks_model = is_model(model)
    if asks_model:
        strategy = strategy or DEFAULT_STRATEGY
        check_strategy(strategy)
    elif model == MODEL_NAME and strategy:
        raise UserError("--strategy applies to models; the bundled solutions do not use a prompt")
    if request_timeout <= 0:
        raise UserError("--request-timeout must be a positive number of seconds")
    config = options.make_config(size, tolerance, trials, seed, no_timing, memory_limit, build_timeout,
                                 check_timeout, time_timeout, cache_dir, compile_baseline=compile_baseline,
                                 build_only=build_only, worker_python=worker_python, cuda_graphs=cuda_graphs,
                                 integrity=integrity)
    params = SamplingParams(temperature=temperature, top_p=top_p, max_tokens=max_tokens)
    source = make_source(model, backend, params, base_url=base_url, api_key_env=api_key_env,
                         policy=RetryPolicy(max_retries=max_retries, request_timeout_s=request_timeout),
                         stream=stream)
    if samples is None:
        samples = source.samples if isinstance(source, ReplaySource) else 1
    # A model is asked, and a replay folder read, for every task; the bundled solutions run their exemplars.
    chosen = _choose_tasks(tasks, categories, every_task=asks_model or isinstance(source, ReplaySource))
    answerable = source.answerable(chosen)
    if not answerable:
        raise UserError(f"no selected task has an answer from '{model}'; run 'mkb tasks' to see the tasks")
    if (tasks or categories) and len(answerable) < len(chosen):
        console.print(_unanswered(model, chosen, answerable), markup=False, highlight=False, soft_wrap=True)
    if asks_model:  # render every prompt before the first request: a template problem should not cost money
        prompts = {t.name: build_messages(t, backend, strategy) for t in answerable}
    for task in answerable:
        resolve_profile(task, config.profile)  # a clear error for a missing size
    with options.open_judge(executor, backend, config, ray_address, lanes, lane_cores) as evaluator:
        options.print_sandbox_warnings(evaluator)
        profile = size or "small"
        strategy_label = strategy or "none"
        # The mode is fixed too: build-only, interpreted and native verdicts answer different questions.
        fixed = {"tolerance": tolerance, "trials": trials, "timing": not no_timing, "mode": evaluator.mode,
                 "integrity": integrity}
        if asks_model:
            fixed |= {"base_url": base_url, **params.to_json()}
        info = RunInfo(
            name=run_name or _default_run_name(source.label, backend, strategy_label, profile),
            model=source.label,
            backend=backend,
            strategy=strategy_label,
            profile=profile,
            config=dataclasses.asdict(config) | {"samples": samples, "turns": turns, "fixed": fixed},
        )
        results = Store(store or default_store_path())
        try:
            results.open_run(info)
            results.plan(info.name, [(task.name, sample) for task in answerable for sample in range(samples)])
            todo = pending_work(results, info, answerable, samples, turns)
            total = len(answerable) * samples
            console.print(f"run '{info.name}': {total - len(todo)} of {total} answers already evaluated, "
                          f"{len(todo)} to go; results in {results.path}", markup=False)
            prompt = (lambda task: prompts[task.name]) if asks_model else None
            outcomes = _run_with_progress(todo, total, info, source, evaluator, results, prompt, turns,
                                          concurrency if asks_model else 1, jobs or _evaluations(evaluator), console,
                                          answerable, samples)
            print_summary(results, info)
            _print_build_log_hint(console, outcomes, info.name)
            failed = [o for o in outcomes if o.failed_request]
            if failed:
                console.print(f"{len(failed)} requests got no answer (last: {failed[-1].failed_request}); "
                              "run the same command again to retry them", markup=False)
            unjudged = sorted({o.task.name for o in outcomes if o.task_error})
            if unjudged:
                # Not the model's failures: they are left out of the metrics above, and stay pending in the store.
                pairs = sum(1 for o in outcomes if o.task_error)
                console.print(f"{len(unjudged)} tasks could not be judged ({', '.join(unjudged)}), so {pairs} answers "
                              "have no verdict and are not counted; fix the tasks (see the errors above) and run the "
                              "same command again to evaluate them", markup=False, highlight=False, soft_wrap=True)
            lost = [o for o in outcomes if o.evaluation_lost]
            if lost:
                console.print(f"{len(lost)} answers were not evaluated: their cluster lanes died under them each "
                              f"time (last: {lost[-1].evaluation_lost}); run the same command again to evaluate them",
                              markup=False, highlight=False, soft_wrap=True)
            if failed or unjudged or lost:
                raise typer.Exit(EXIT_REQUESTS_FAILED)
        finally:
            results.close()


def _evaluations(evaluator: Evaluator | RayEvaluator) -> int:
    """Evaluations in flight by default: one per core here, or as many as the cluster's lanes hold."""
    return evaluator.capacity if isinstance(evaluator, RayEvaluator) else cpu_count()


def _choose_tasks(tasks: list[str] | None, categories: list[str] | None, every_task: bool) -> list[Task]:
    """The tasks named by --tasks/--categories; without them, every task, or with ``every_task`` False
    the category exemplars."""
    if tasks or categories:
        return select_tasks(options.split_list(tasks), options.split_list(categories))
    if every_task:
        return select_tasks()
    # The embedded default: one bundled solution per category (the category exemplars).
    return select_tasks(sorted(set(CATEGORY_EXEMPLARS.values())))


def _unanswered(model: str, chosen: list[Task], answerable: list[Task]) -> str:
    """One line: how many selected tasks the source has no answer for, and the first of them."""
    missing = sorted({t.name for t in chosen} - {t.name for t in answerable})
    names = ", ".join(missing[:_NAMES_SHOWN]) + (f", ... ({len(missing) - _NAMES_SHOWN} more)"
                                                 if len(missing) > _NAMES_SHOWN else "")
    return f"no answer from '{model}' for {len(missing)} of {len(chosen)} selected tasks (skipped): {names}"


def _print_build_log_hint(console: Console, outcomes: list[Outcome], run_name: str) -> None:
    """Where the compiler's errors are, when answers did not build (their progress line says only 'fail (build)')."""
    unbuilt = sorted((o.task.name, o.sample) for o in outcomes for r in o.records[-1:]
                     if not r.compiled and r.failed_phase not in (None, Phase.EXTRACT.value))
    if unbuilt:
        task, sample = unbuilt[0]
        example = f"mkb show {shlex.quote(run_name)} {task}" + (f" --sample {sample}" if sample else "") + " --log"
        answers = f"{len(unbuilt)} answers" if len(unbuilt) > 1 else "1 answer"
        console.print(f"{answers} did not build; see the build log of one with 'mkb show RUN TASK --log', "
                      f"e.g. {example}", markup=False, highlight=False, soft_wrap=True)


def _default_run_name(label: str, backend: str, strategy: str, profile: str) -> str:
    parts = [re.sub(r"[^A-Za-z0-9._:-]+", "_", label), backend] + ([strategy] if strategy != "none" else [])
    return "-".join([*parts, profile])


def _run_with_progress(todo: list[WorkItem], total: int, info: RunInfo, source: AnswerSource,
                       evaluator: Evaluator | RayEvaluator,
                       results: Store, prompt: PromptBuilder | None, turns: int, requests: int, evaluations: int,
                       console: Console, tasks: list[Task], samples: int) -> list[Outcome]:
    pending = {(item.task.name, item.sample) for item in todo}
    passed_before = {(v.task, v.sample) for v in results.verdicts(info.name) if v.record.passed}
    categories: dict[str, int] = {}
    done_by_category: dict[str, tuple[int, int]] = {}
    for task in tasks:
        for sample in range(samples):
            categories[task.category] = categories.get(task.category, 0) + 1
            if (task.name, sample) not in pending:
                done, passed = done_by_category.get(task.category, (0, 0))
                done_by_category[task.category] = (done + 1, passed + ((task.name, sample) in passed_before))
    display = RunDisplay(console, total=total, done=total - len(todo), categories=categories,
                         done_by_category=done_by_category,
                         passed=sum(p for _, p in done_by_category.values()),
                         lanes=evaluator.lane_load if isinstance(evaluator, RayEvaluator) else None)

    def turn_done(task: Task, sample: int, turn: int, record: EvalRecord) -> None:
        display.answer(task.category, task.name, sample, turn, record, turns)

    def task_failed(task: Task, error: str) -> None:
        # Once per task, however many of its samples this run holds.
        display.task_error(f"{task.category}/{task.name}", error)

    def outcome_done(outcome: Outcome) -> None:
        label = f"{outcome.task.category}/{outcome.task.name} #{outcome.sample}"
        if outcome.evaluation_lost:
            display.note(f"{label}: not evaluated: {outcome.evaluation_lost}")
        display.finished(outcome.task.category, any(r.passed for r in outcome.records), outcome.failed_request,
                         label)

    with display.shown():
        conversation = Conversation(info, CountedSource(source, display), CountedEvaluator(evaluator, display),
                                    results, prompt, Limits.of(requests, evaluations), turns=turns,
                                    on_turn=turn_done, on_task_error=task_failed)
        return execute(todo, conversation, workers=requests + evaluations, on_outcome=outcome_done)


def print_summary(results: Store, info: RunInfo) -> None:
    """The run's metrics as ``mkb report`` prints them, and what the model's answers cost."""
    console = Console()
    report = build_report([(info, results.verdicts(info.name))], store=results.path)
    print_report(report, "eager", console)
    usage = results.usage(info.name)
    if usage.answers and is_model(info.model):
        latency = f", mean latency {usage.mean_latency_s:.1f} s" if usage.mean_latency_s is not None else ""
        console.print(f"{usage.answers} answers ({usage.cached} from the cache): {usage.prompt_tokens} prompt and "
                      f"{usage.completion_tokens} completion tokens{latency}", markup=False, highlight=False)
