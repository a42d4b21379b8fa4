"""One task's conversation with a source: ask, evaluate, and, with feedback turns, ask again.

A conversation is resumable at every step. For each turn it first looks in the
store: a stored verdict is reused, a stored answer is evaluated without asking
again, and only a missing answer is requested (through the completion cache).
A failed request is stored as such and ends the conversation for now; the next
run asks again. A server that cannot be reached at all stops every conversation
instead: nothing is stored for it, and requests not yet made stay pending.
Turn N+1 happens only when turn N failed or was slow, and its messages are
turn N's plus the answer and the feedback on it. A task that cannot be judged
(its reference is broken or does not fit: a TaskError) gets no verdict: its
answer stays stored for a run after the fix, and the task's other samples
are neither asked nor evaluated again in this run. An evaluation lost with its cluster lanes
(EvaluationLost) gets no verdict either: its answer waits for the next run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from multikernelbench.errors import EvaluationLost, TaskError
from multikernelbench.evaluation.evaluator import Judge
from multikernelbench.generation.llm.base import (
    Completion,
    Message,
    RequestFailed,
    ServerUnreachable,
)
from multikernelbench.generation.prompts.feedback import (
    feedback_message,
    needs_another_turn,
)
from multikernelbench.generation.sources import AnswerRequest, AnswerSource
from multikernelbench.records import EvalRecord
from multikernelbench.secrets import redact
from multikernelbench.store import RunInfo, Store
from multikernelbench.tasks.task import Task

PromptBuilder = Callable[[Task], list[Message]]
TurnCallback = Callable[[Task, int, int, EvalRecord], None]
TaskErrorCallback = Callable[[Task, str], None]


@dataclass(frozen=True)
class Limits:
    """What may happen at once: requests to the source, and evaluations."""

    requests: threading.Semaphore
    evaluations: threading.Semaphore

    @classmethod
    def of(cls, requests: int, evaluations: int) -> Limits:
        return cls(threading.Semaphore(max(1, requests)), threading.Semaphore(max(1, evaluations)))


@dataclass
class Outcome:
    """How one (task, sample) conversation ended this time."""

    task: Task
    sample: int
    records: list[EvalRecord] = field(default_factory=list)  # one per turn reached, stored or new
    failed_request: str | None = None  # the error of a request that got no answer
    unanswered: bool = False  # the source had no answer (a replay without the file)
    requests: int = 0  # requests actually sent to the source (cache hits excluded)
    task_error: str | None = None  # the task itself could not be judged (no verdict was stored)
    evaluation_lost: str | None = None  # the evaluation was lost with its cluster lane each time (no verdict)


class Conversation:
    """Runs (task, sample) conversations of one run; safe to use from many threads."""

    def __init__(
        self,
        run: RunInfo,
        source: AnswerSource,
        evaluator: Judge,
        store: Store,
        prompt: PromptBuilder | None,
        limits: Limits,
        turns: int = 1,
        target_speedup: float = 1.0,
        on_turn: TurnCallback | None = None,
        on_task_error: TaskErrorCallback | None = None,
    ) -> None:
        self.run_info = run
        self.source = source
        self.evaluator = evaluator
        self.store = store
        self.prompt = prompt
        self.limits = limits
        self.turns = turns
        self.target_speedup = target_speedup
        self.on_turn = on_turn
        self.on_task_error = on_task_error  # called once per task, with its one-line error
        self._broken: dict[str, str] = {}  # task name -> its task error, found in this run
        self._broken_lock = threading.Lock()
        self._unreachable: ServerUnreachable | None = None  # set once a request found no server

    def run(self, task: Task, sample: int) -> Outcome:
        """Carry the pair as far as it goes now; raises ServerUnreachable (storing nothing) when no server answers."""
        outcome = Outcome(task, sample)
        messages = list(self.prompt(task)) if self.prompt and self.source.uses_prompts else []
        for turn in range(1, self.turns + 1):
            record = self.store.verdict(self.run_info.name, task.name, sample, turn)
            text = self._stored_text(task, sample, turn)
            if record is None:
                if (known := self._broken.get(task.name)) is not None:
                    outcome.task_error = known  # asking or evaluating again would cost, and fail alike
                    return outcome
                if text is None:
                    text = self._ask(outcome, AnswerRequest(task, sample, turn, tuple(messages)))
                    if text is None:
                        return outcome
                record = self._evaluate(outcome, task, text)
                if record is None:  # not judged (a task error, a lost evaluation): the stored answer waits
                    return outcome
                self.store.save_verdict(self.run_info.name, task.category, sample, record, turn=turn)
                if self.on_turn:
                    self.on_turn(task, sample, turn, record)
            outcome.records.append(record)
            if turn == self.turns or not needs_another_turn(record, self.target_speedup):
                break
            if text is None:  # a verdict without its answer: an older store; nothing to give feedback on
                break
            messages += [Message("assistant", text), Message("user", feedback_message(record, self.target_speedup))]
        return outcome

    @property
    def task_errors(self) -> dict[str, str]:
        """The tasks found unjudgeable in this run, by name, with their one-line errors."""
        with self._broken_lock:
            return dict(self._broken)

    def _evaluate(self, outcome: Outcome, task: Task, text: str) -> EvalRecord | None:
        """The verdict on ``text``; None when the task cannot be judged (``outcome.task_error`` says why)."""
        with self.limits.evaluations:
            # Looked up again with the slot held: the task may have been found broken while this one waited.
            outcome.task_error = self._broken.get(task.name)
            if outcome.task_error is None:
                try:
                    return self.evaluator.evaluate(task, text)
                except TaskError as exc:
                    outcome.task_error = str(exc)
                    self._task_failed(task, str(exc))
                except EvaluationLost as exc:  # its lanes died under it: no verdict, the answer waits
                    outcome.evaluation_lost = str(exc)
        return None

    def _task_failed(self, task: Task, error: str) -> None:
        with self._broken_lock:
            first = task.name not in self._broken
            self._broken.setdefault(task.name, error)
        if first and self.on_task_error:
            self.on_task_error(task, error)

    def _stored_text(self, task: Task, sample: int, turn: int) -> str | None:
        stored = self.store.answer(self.run_info.name, task.name, sample, turn)
        return stored.text if stored else None

    def _send(self, outcome: Outcome, request: AnswerRequest) -> Completion | None:
        """The source's reply; once any request has found no server, every later one fails at once instead."""
        if self._unreachable is not None:
            raise ServerUnreachable(self._unreachable.url, self._unreachable.reason)
        outcome.requests += 1
        try:
            return self.source.answer(request)
        except ServerUnreachable as exc:
            # Noted while this request still holds its slot, so no request waiting for one goes out after it.
            self._unreachable = self._unreachable or exc
            raise

    def _ask(self, outcome: Outcome, request: AnswerRequest) -> str | None:
        """The source's answer, stored before it is evaluated; None when there is none (recorded)."""
        run, task, sample, turn = self.run_info.name, request.task.name, request.sample, request.turn
        sent = [asdict(m) for m in request.messages]
        key = self.source.cache_key(request)
        cached = self.store.cached_completion(key) if key else None
        if cached is not None:
            completion = Completion.from_json(cached)
        else:
            try:
                with self.limits.requests:
                    completion = self._send(outcome, request)
            except ServerUnreachable:
                raise  # not this request's failure: the run stops, and nothing stored keeps the request pending
            except RequestFailed as exc:
                outcome.failed_request = redact(str(exc))
                self.store.save_request_failure(run, task, sample, turn, outcome.failed_request, sent)
                return None
            if completion is None:
                outcome.unanswered = True
                return None
            if key:
                self.store.cache_completion(key, self.source.label, getattr(self.source, "base_url", None),
                                             completion.to_json())
        self.store.save_answer(run, task, sample, turn, completion.text, completion.to_json(), sent, key,
                               cached=cached is not None)
        return completion.text
