"""Conversations meeting a task that cannot be judged: no verdict, the answer kept, one report per task."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from multikernelbench.errors import TaskError
from multikernelbench.executors.local import execute, pending_work
from multikernelbench.generation.conversation import Conversation, Limits
from multikernelbench.generation.llm.base import SamplingParams
from multikernelbench.generation.sources import ModelSource
from multikernelbench.store import RunInfo, Store
from multikernelbench.tasks.loader import load_task
from tests.generation.test_conversation import ScriptedClient, prompt, verdict

RELU = load_task("relu")
TANH = load_task("tanh")


class BrokenTaskEvaluator:
    """Raises a task error for the tasks named ``broken`` (once ``ready()``); passes everything else."""

    def __init__(self, broken: set[str], ready: Callable[[], bool] = lambda: True) -> None:
        self.broken = broken
        self.ready = ready
        self.evaluated: list[str] = []
        self.lock = threading.Lock()

    def evaluate(self, task, text: str):  # type: ignore[no-untyped-def]
        with self.lock:
            self.evaluated.append(task.name)
        deadline = time.monotonic() + 10
        while not self.ready() and time.monotonic() < deadline:
            time.sleep(0.01)
        if task.name in self.broken:
            raise TaskError(f"task file {task.path} cannot be judged: get_inputs() raised; fix the task file",
                            task=task.name)
        return verdict(task.name, "pass")


def setup(tmp_path: Path, broken: set[str], evaluations: int = 1,  # type: ignore[no-untyped-def]
          ready_after: int = 0):
    store = Store(tmp_path / "results.sqlite")
    run = store.open_run(RunInfo("r", "openai/scripted", "cpp", "add_shot", "small", {}))
    client = ScriptedClient(["pass"])
    evaluator = BrokenTaskEvaluator(broken, lambda: len(client.calls) >= ready_after)
    reported: list[tuple[str, str]] = []
    conversation = Conversation(run, ModelSource(client, SamplingParams(), label="openai/scripted"), evaluator,
                                store, prompt, Limits.of(4, evaluations),  # type: ignore[arg-type]
                                on_task_error=lambda task, error: reported.append((task.name, error)))
    return store, run, client, evaluator, conversation, reported


def test_a_task_error_stores_the_answer_but_no_verdict(tmp_path: Path) -> None:
    store, run, _, _, conversation, reported = setup(tmp_path, {"relu"})
    outcome = conversation.run(RELU, 0)
    assert outcome.records == [] and outcome.task_error is not None
    assert outcome.task_error.startswith(f"task file {RELU.path} cannot be judged")
    assert store.verdict("r", "relu", 0) is None
    assert store.answer("r", "relu", 0).text == "pass"  # kept for a run after the fix
    assert reported == [("relu", outcome.task_error)]
    assert conversation.task_errors == {"relu": outcome.task_error}
    # The pair stays pending; another task of the run is judged as usual.
    assert [(w.task.name, w.sample) for w in pending_work(store, run, [RELU], 1)] == [("relu", 0)]
    assert conversation.run(TANH, 0).records[0].passed


def test_other_samples_of_a_broken_task_are_neither_asked_nor_evaluated(tmp_path: Path) -> None:
    store, run, _, evaluator, conversation, reported = setup(tmp_path, {"relu"})
    outcomes = execute(pending_work(store, run, [RELU, TANH], 4), conversation, workers=1)
    relu = [o for o in outcomes if o.task.name == "relu"]
    assert len(relu) == 4 and all(o.task_error for o in relu) and all(not o.records for o in relu)
    assert evaluator.evaluated.count("relu") == 1 and evaluator.evaluated.count("tanh") == 4
    assert sum(o.requests for o in relu) == 1  # no money spent on answers nobody can judge now
    assert len(reported) == 1


def test_samples_waiting_for_an_evaluation_slot_learn_of_the_task_error(tmp_path: Path) -> None:
    # One evaluation at a time, and the first raises only once every sample has its answer: the other five
    # were asked before the task was found broken, and wait for the slot; none of them is evaluated.
    store, run, _, evaluator, conversation, reported = setup(tmp_path, {"relu"}, evaluations=1, ready_after=6)
    outcomes = execute(pending_work(store, run, [RELU], 6), conversation, workers=6)
    assert len(outcomes) == 6 and all(o.task_error for o in outcomes)
    assert evaluator.evaluated == ["relu"] and len(reported) == 1
    assert store.verdicts("r") == []
