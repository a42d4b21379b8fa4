"""The driver's side of the Ray executor with a scripted pool of lanes (no Ray instance): retries on lanes that
die, task errors as on one machine, evaluations given up after three lost lanes, and a run that stops when the
cluster has no lane left, keeping what was stored."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from multikernelbench.errors import ClusterLost, EvaluationLost, TaskError
from multikernelbench.executors.local import execute, pending_work
from multikernelbench.executors.ray_executor import MAX_ATTEMPTS, RayEvaluator
from multikernelbench.executors.ray_lanes import LaneResult
from multikernelbench.generation.conversation import Conversation, Limits
from multikernelbench.generation.replay import ReplaySource
from multikernelbench.store import RunInfo, Store
from multikernelbench.tasks.loader import load_task
from tests.generation.test_conversation import verdict

RELU = load_task("relu")
TANH = load_task("tanh")


class ActorDied(Exception):
    """Stands in for ray.exceptions.RayActorError."""


class CallFailed(Exception):
    """Stands in for ray.exceptions.RayError (the call failed inside a living lane)."""


class ActorDiedInCall(ActorDied, CallFailed):
    """Ray's actor errors are RayErrors too: the executor must tell them apart."""


class ScriptedLanes:
    """A pool whose lanes answer calls from a script: a LaneResult, or an exception to raise."""

    def __init__(self, script: list[object]) -> None:
        self.script = list(script)
        self.lost_lanes: list[str] = []
        self.released = 0
        self.acquired = 0
        self.lock = threading.Lock()

    def acquire(self) -> SimpleNamespace:
        with self.lock:
            if not self.script:
                raise ClusterLost("no lane of the Ray cluster is left")
            self.acquired += 1
            reply = self.script.pop(0)
            calls = SimpleNamespace(evaluate=SimpleNamespace(remote=lambda task, text: reply))
            return SimpleNamespace(label=f"lane{self.acquired}", actor=calls)

    def release(self, lane: SimpleNamespace, finished: bool) -> None:
        self.released += 1

    def lost(self, lane: SimpleNamespace) -> None:
        self.lost_lanes.append(lane.label)


def scripted_judge(script: list[object]) -> tuple[RayEvaluator, ScriptedLanes]:
    def get(reply: object) -> object:
        if isinstance(reply, BaseException):
            raise reply
        return reply

    judge = RayEvaluator.__new__(RayEvaluator)  # no cluster: the dispatch alone
    judge._ray = SimpleNamespace(get=get, exceptions=SimpleNamespace(RayActorError=ActorDied, RayError=CallFailed))
    judge.pool = ScriptedLanes(script)
    return judge, judge.pool


def answered(text: str, task: str = "relu") -> LaneResult:
    return LaneResult(record=verdict(task, text))


def call(judge: RayEvaluator, task=RELU):  # type: ignore[no-untyped-def]
    return judge._call(lambda lane: lane.actor.evaluate.remote(task, "text"), task)


def test_a_call_on_a_lane_that_died_is_made_again_on_another() -> None:
    judge, pool = scripted_judge([ActorDiedInCall("the actor died"), answered("pass")])
    assert call(judge).record.passed
    assert pool.lost_lanes == ["lane1"] and pool.acquired == pool.released == 2


def test_a_call_that_failed_in_a_living_lane_is_retried_without_replacing_the_lane() -> None:
    judge, pool = scripted_judge([CallFailed("its build task's worker crashed"), answered("pass")])
    assert call(judge).record.passed
    assert pool.lost_lanes == [] and pool.released == 2


def test_a_lane_that_fails_every_call_is_reported_with_its_own_error() -> None:
    failed = CallFailed("ray::Lane.evaluate() (pid=1, ip=10.0.0.2)\nTraceback ...")
    failed.cause = AttributeError("'Evaluator' object has no attribute 'x'")
    judge, _ = scripted_judge([failed] * MAX_ATTEMPTS)
    with pytest.raises(EvaluationLost, match=r"last: AttributeError: 'Evaluator' object has no attribute 'x'"):
        call(judge)


def test_an_evaluation_whose_lanes_die_every_time_gets_no_verdict() -> None:
    judge, pool = scripted_judge([ActorDied(f"died {i}") for i in range(MAX_ATTEMPTS)] + [answered("pass")])
    with pytest.raises(EvaluationLost) as caught:
        call(judge)
    assert pool.lost_lanes == ["lane1", "lane2", "lane3"] and len(pool.script) == 1  # the fourth never asked
    assert f"lost with its lane {MAX_ATTEMPTS} times (last: died 2)" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_task_error_from_a_lane_is_raised_as_on_one_machine() -> None:
    judge, pool = scripted_judge([LaneResult(task_error="relu.py: get_inputs failed", too_big=True)])
    with pytest.raises(TaskError) as caught:
        call(judge)
    assert caught.value.too_big and caught.value.task == "relu" and str(caught.value) == "relu.py: get_inputs failed"
    assert pool.lost_lanes == []


def run_setup(tmp_path: Path, judge: RayEvaluator):  # type: ignore[no-untyped-def]
    folder = tmp_path / "answers"
    folder.mkdir()
    for task in ("relu", "tanh"):
        (folder / f"{task}.txt").write_text("pass")
    store = Store(tmp_path / "results.sqlite")
    run = store.open_run(RunInfo("r", "replay:answers", "cpp", "none", "small", {}))
    conversation = Conversation(run, ReplaySource(folder), judge, store, None, Limits.of(1, 1))
    return store, run, conversation


def test_a_lost_evaluation_stores_nothing_and_stays_pending(tmp_path: Path) -> None:
    judge, _ = scripted_judge([answered("pass")] + [ActorDied("gone")] * MAX_ATTEMPTS)
    store, run, conversation = run_setup(tmp_path, judge)
    outcomes = {o.task.name: o for o in execute(pending_work(store, run, [RELU, TANH], 1), conversation, workers=1)}
    assert outcomes["relu"].records and outcomes["relu"].evaluation_lost is None
    assert not outcomes["tanh"].records and "lost with its lane" in outcomes["tanh"].evaluation_lost
    assert [v.task for v in store.verdicts("r")] == ["relu"]
    assert store.answer("r", "tanh", 0) is not None  # its answer is kept for the next run
    assert [item.task.name for item in pending_work(store, run, [RELU, TANH], 1)] == ["tanh"]


def test_a_cluster_with_no_lane_left_stops_the_run_keeping_its_verdicts(tmp_path: Path) -> None:
    judge, _ = scripted_judge([answered("pass")])  # then: no lane left
    store, run, conversation = run_setup(tmp_path, judge)
    with pytest.raises(ClusterLost, match="no lane"):
        execute(pending_work(store, run, [RELU, TANH], 1), conversation, workers=1)
    assert [v.task for v in store.verdicts("r")] == ["relu"]
    assert [item.task.name for item in pending_work(store, run, [RELU, TANH], 1)] == ["tanh"]
