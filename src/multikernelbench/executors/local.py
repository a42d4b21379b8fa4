"""Running a set of (task, sample) evaluations on this machine, resumably.

Builds of different answers overlap on CPU threads; checking and timing use
the device one answer at a time (and, on a CPU backend, never while a build
runs). Each verdict is stored the moment it exists.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Protocol

from multikernelbench.evaluation.evaluator import Evaluator
from multikernelbench.records import EvalRecord
from multikernelbench.store import RunInfo, Store
from multikernelbench.tasks.task import Task


class AnswerSource(Protocol):
    """Anything that answers a task: an LLM client, replayed files, the bundled solutions."""

    def answer(self, task: str, sample: int) -> str | None: ...


@dataclass(frozen=True)
class WorkItem:
    task: Task
    sample: int


ResultCallback = Callable[[WorkItem, EvalRecord], None]


def pending_work(store: Store, run: RunInfo, tasks: list[Task], samples: int) -> list[WorkItem]:
    """The (task, sample) pairs of ``run`` that have no verdict yet, in task order."""
    done = store.finished(run.name)
    return [WorkItem(t, s) for t in tasks for s in range(samples) if (t.name, s) not in done]


def execute(
    items: list[WorkItem],
    run: RunInfo,
    source: AnswerSource,
    evaluator: Evaluator,
    store: Store,
    jobs: int = 1,
    on_result: ResultCallback | None = None,
) -> list[EvalRecord]:
    """Evaluate ``items`` with up to ``jobs`` answers in flight; returns the new verdicts."""
    results: list[EvalRecord] = []
    results_lock = threading.Lock()

    def one(item: WorkItem) -> EvalRecord:
        response = store.response(run.name, item.task.name, item.sample)
        if response is None:
            response = source.answer(item.task.name, item.sample) or ""
            store.save_response(run.name, item.task.name, item.sample, response)
        record = evaluator.evaluate(item.task, response)
        store.save_verdict(run.name, item.task.category, item.sample, record)
        with results_lock:
            results.append(record)
        if on_result:
            on_result(item, record)
        return record

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="mkb-eval") as pool:
        futures = [pool.submit(one, item) for item in items]
        try:
            for future in as_completed(futures):
                future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return results

