"""Conversations: asking, caching, storing, feedback turns and resuming, with a scripted source and evaluator."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from multikernelbench.executors.local import execute, pending_work
from multikernelbench.generation.conversation import Conversation, Limits
from multikernelbench.generation.llm.base import (
    Completion,
    Message,
    RequestFailed,
    SamplingParams,
    ServerUnreachable,
)
from multikernelbench.generation.sources import AnswerRequest, ModelSource
from multikernelbench.records import EvalRecord, PhaseResult, TimingStats
from multikernelbench.secrets import register_secret
from multikernelbench.store import RunInfo, Store
from multikernelbench.tasks.loader import load_task

RELU = load_task("relu")
TANH = load_task("tanh")


def verdict(task: str, text: str) -> EvalRecord:
    """'pass' passes at 2x, 'slow' passes at 0.5x, anything else fails its check."""
    passed = text in ("pass", "slow")
    median = {"pass": 1.0, "slow": 4.0}.get(text, 1.0)
    return EvalRecord(
        task=task, backend="cpp", profile="small", compiled=True, correctness=passed,
        failed_phase=None if passed else "check", error=None if passed else f"output mismatch for {text}",
        phases=(PhaseResult("extract", True, 0.0), PhaseResult("build", True, 0.0)), seed=1,
        runtime=TimingStats.from_samples([median]) if passed else None,
        baseline=TimingStats.from_samples([2.0]) if passed else None,
        correctness_info="" if passed else f"max abs diff 3.0 on input set 0 ({text})",
    )


class ScriptedEvaluator:
    def __init__(self) -> None:
        self.evaluated: list[tuple[str, str]] = []

    def evaluate(self, task, text: str) -> EvalRecord:  # type: ignore[no-untyped-def]
        self.evaluated.append((task.name, text))
        return verdict(task.name, text)


class ScriptedClient:
    """A ChatClient whose answers are scripted per turn (the number of user messages)."""

    model = "scripted"
    base_url = "http://127.0.0.1:9/v1"

    def __init__(self, answers: list[str | Exception]) -> None:
        self.answers = answers
        self.calls: list[list[Message]] = []
        self.lock = threading.Lock()

    def complete(self, messages: list[Message], params: SamplingParams) -> Completion:
        with self.lock:
            self.calls.append(messages)
        turn = sum(m.role == "user" for m in messages)
        answer = self.answers[min(turn, len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return Completion(text=answer, prompt_tokens=10, completion_tokens=5, latency_s=0.01)


def prompt(task) -> list[Message]:  # type: ignore[no-untyped-def]
    return [Message("system", "be fast"), Message("user", f"rewrite {task.name}")]


def setup(tmp_path: Path, answers: list[str | Exception], turns: int = 1,  # type: ignore[no-untyped-def]
          name: str = "r"):
    store = Store(tmp_path / "results.sqlite")
    run = store.open_run(RunInfo(name, "openai/scripted", "cpp", "add_shot", "small", {}))
    client = ScriptedClient(answers)
    evaluator = ScriptedEvaluator()
    source = ModelSource(client, SamplingParams(), label="openai/scripted")
    conversation = Conversation(run, source, evaluator, store, prompt,  # type: ignore[arg-type]
                                Limits.of(2, 1), turns=turns)
    return store, run, client, evaluator, conversation


def test_one_turn_stores_the_answer_with_its_prompt_and_usage(tmp_path: Path) -> None:
    store, _run, client, evaluator, conversation = setup(tmp_path, ["pass"])
    outcome = conversation.run(RELU, 0)
    assert [r.passed for r in outcome.records] == [True]
    assert outcome.requests == 1
    stored = store.answer("r", "relu", 0)
    assert stored.text == "pass" and stored.completion["prompt_tokens"] == 10
    assert store.verdict("r", "relu", 0).passed
    # Running it again evaluates and asks nothing.
    again = conversation.run(RELU, 0)
    assert again.requests == 0 and len(client.calls) == 1 and len(evaluator.evaluated) == 1


def test_the_completion_cache_answers_an_identical_request_in_another_run(tmp_path: Path) -> None:
    store, _, client, _, conversation = setup(tmp_path, ["pass"])
    conversation.run(RELU, 0)
    run2 = store.open_run(RunInfo("r2", "openai/scripted", "cpp", "add_shot", "small", {}))
    other = Conversation(run2, conversation.source, ScriptedEvaluator(), store, prompt,  # type: ignore[arg-type]
                         Limits.of(1, 1))
    outcome = other.run(RELU, 0)
    assert outcome.requests == 0 and len(client.calls) == 1
    assert store.answer("r2", "relu", 0).text == "pass"
    # Another sample index is another draw: it is asked.
    assert other.run(RELU, 1).requests == 1


def test_cache_key_covers_model_url_messages_params_and_sample() -> None:
    client = ScriptedClient(["pass"])
    source = ModelSource(client, SamplingParams(temperature=0.0), label="x")
    request = AnswerRequest(RELU, 0, 1, tuple(prompt(RELU)))
    key = source.cache_key(request)
    assert key == ModelSource(client, SamplingParams(temperature=0.0), label="y").cache_key(request)
    assert key != ModelSource(client, SamplingParams(temperature=0.7), label="x").cache_key(request)
    assert key != source.cache_key(AnswerRequest(RELU, 1, 1, request.messages))
    assert key != source.cache_key(AnswerRequest(RELU, 0, 1, (*request.messages, Message("user", "more"))))
    other_url = ScriptedClient(["pass"])
    other_url.base_url = "http://127.0.0.1:10/v1"
    assert key != ModelSource(other_url, SamplingParams(), label="x").cache_key(request)


def test_feedback_turn_sees_the_answer_and_what_went_wrong(tmp_path: Path) -> None:
    store, _, client, _, conversation = setup(tmp_path, ["broken", "pass", "pass"], turns=3)
    outcome = conversation.run(RELU, 0)
    assert [r.passed for r in outcome.records] == [False, True]  # stopped once it passed fast
    assert len(client.calls) == 2
    second = client.calls[1]
    assert [m.role for m in second] == ["system", "user", "assistant", "user"]
    assert second[2].content == "broken"
    assert "max abs diff 3.0" in second[3].content
    assert store.verdict("r", "relu", 0, turn=3) is None


def test_a_slow_pass_gets_another_turn_with_its_speedup(tmp_path: Path) -> None:
    _, _, client, _, conversation = setup(tmp_path, ["slow", "pass"], turns=2)
    outcome = conversation.run(RELU, 0)
    assert [r.speedup for r in outcome.records] == [0.5, 2.0]
    assert "0.5" in client.calls[1][3].content


def test_a_failed_request_is_stored_apart_and_asked_again_on_resume(tmp_path: Path) -> None:
    store, run, client, evaluator, conversation = setup(tmp_path, [RequestFailed("HTTP 503 after 6 attempts")])
    outcome = conversation.run(RELU, 0)
    assert outcome.failed_request == "HTTP 503 after 6 attempts" and outcome.records == []
    assert store.verdict("r", "relu", 0) is None and evaluator.evaluated == []
    assert store.failed_requests("r") == [("relu", 0, 1, "HTTP 503 after 6 attempts")]
    assert [(w.task.name, w.sample) for w in pending_work(store, run, [RELU], 1)] == [("relu", 0)]
    client.answers = ["pass"]
    assert conversation.run(RELU, 0).records[0].passed
    assert store.failed_requests("r") == []


def test_request_errors_are_redacted_before_they_are_stored(tmp_path: Path) -> None:
    secret = "sk-test-0123456789abcdefghijklmnop"
    register_secret(secret)
    store, _, _, _, conversation = setup(tmp_path, [RequestFailed(f"HTTP 401: bad key {secret}")])
    outcome = conversation.run(RELU, 0)
    assert secret not in outcome.failed_request
    assert secret not in store.failed_requests("r")[0][3]


def test_an_answer_stored_before_a_crash_is_evaluated_without_asking_again(tmp_path: Path) -> None:
    store, _, client, evaluator, conversation = setup(tmp_path, ["pass"])
    store.save_answer("r", "relu", 0, 1, "slow")  # answered, then the process died before the verdict
    outcome = conversation.run(RELU, 0)
    assert client.calls == [] and evaluator.evaluated == [("relu", "slow")]
    assert outcome.records[0].speedup == 0.5


def test_resumed_feedback_chain_rebuilds_the_same_messages(tmp_path: Path) -> None:
    _store, _run, client, _, conversation = setup(tmp_path, ["broken", RequestFailed("timeout")], turns=2)
    first = conversation.run(RELU, 0)
    assert first.failed_request == "timeout"
    client.answers = ["broken", "pass"]
    second = conversation.run(RELU, 0)
    assert [r.passed for r in second.records] == [False, True]
    assert client.calls[1] == client.calls[2]  # the retried turn-2 request is the same request


def test_pending_work_counts_early_stops_and_last_turns_as_done(tmp_path: Path) -> None:
    store, run, _, _, conversation = setup(tmp_path, ["pass"], turns=3)
    conversation.run(RELU, 0)  # passed fast at turn 1: done
    store.save_verdict("r", "activation", 0, verdict("tanh", "broken"), turn=1)  # failed at turn 1: turn 2 to go
    assert [(w.task.name, w.sample) for w in pending_work(store, run, [RELU, TANH], 1, turns=3)] == [("tanh", 0)]
    assert pending_work(store, run, [RELU, TANH], 1, turns=1) == []


def test_execute_runs_every_pair_once_with_limits(tmp_path: Path) -> None:
    store, run, _client, evaluator, conversation = setup(tmp_path, ["pass"])
    items = pending_work(store, run, [RELU, TANH], 3)
    outcomes = execute(items, conversation, workers=4)
    assert sorted((o.task.name, o.sample) for o in outcomes) == [(t, s) for t in ("relu", "tanh") for s in range(3)]
    assert sorted(evaluator.evaluated) == sorted((t, "pass") for t in ("relu", "tanh") for _ in range(3))
    assert pending_work(store, run, [RELU, TANH], 3) == []


def test_execute_propagates_a_bug_instead_of_hiding_it(tmp_path: Path) -> None:
    store, run, _client, _, conversation = setup(tmp_path, [ValueError("a bug in a client")])
    with pytest.raises(ValueError, match="a bug in a client"):
        execute(pending_work(store, run, [RELU], 1), conversation, workers=1)
    assert store.verdict("r", "relu", 0) is None


def unreachable() -> ServerUnreachable:
    return ServerUnreachable("http://127.0.0.1:9/v1", "connection refused")


def test_an_unreachable_server_stops_the_run_storing_nothing(tmp_path: Path) -> None:
    store, run, client, evaluator, conversation = setup(tmp_path, [unreachable()])
    items = pending_work(store, run, [RELU, TANH], 3)
    with pytest.raises(ServerUnreachable, match="http://127.0.0.1:9/v1"):
        execute(items, conversation, workers=1)
    # One request found no server; the five other pairs were never asked.
    assert len(client.calls) == 1 and evaluator.evaluated == []
    assert store.failed_requests("r") == [] and list(store.verdicts("r")) == []
    assert pending_work(store, run, [RELU, TANH], 3) == items  # the same command resumes every pair


def test_requests_waiting_for_a_slot_are_not_sent_after_one_found_no_server(tmp_path: Path) -> None:
    store, run, client, _, conversation = setup(tmp_path, [unreachable()])  # at most 2 requests at once
    with pytest.raises(ServerUnreachable):
        execute(pending_work(store, run, [RELU, TANH], 20), conversation, workers=8)
    assert 1 <= len(client.calls) <= 2  # only those already in flight together
    assert store.failed_requests("r") == []
    # Later requests of this run fail at once, without asking, and still store nothing.
    with pytest.raises(ServerUnreachable, match="connection refused"):
        conversation.run(RELU, 5)
    assert len(client.calls) <= 2 and store.failed_requests("r") == []


def test_an_unreachable_server_at_a_feedback_turn_keeps_the_verdicts_before_it(tmp_path: Path) -> None:
    store, run, _client, _, conversation = setup(tmp_path, ["broken", unreachable()], turns=2)
    with pytest.raises(ServerUnreachable):
        conversation.run(RELU, 0)
    assert store.verdict("r", "relu", 0, turn=1) is not None and store.verdict("r", "relu", 0, turn=2) is None
    assert store.failed_requests("r") == []
    assert [(w.task.name, w.sample) for w in pending_work(store, run, [RELU], 1, turns=2)] == [("relu", 0)]
