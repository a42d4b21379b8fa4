"""Where answers come from: a model behind an API, replayed files, or the bundled solutions.

Every source answers an :class:`AnswerRequest` (the task, the sample index, the
turn and the exact messages) with a :class:`Completion`. A model's answers are
cached by a key over everything that shapes the answer, so the same request is
never sent twice, even across runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Protocol

from multikernelbench.generation.llm.base import (
    ChatClient,
    Completion,
    Message,
    SamplingParams,
)
from multikernelbench.generation.solutions import (
    MODEL_NAME,
    bundled_solution,
    solution_tasks,
)
from multikernelbench.tasks.task import Task


@dataclass(frozen=True)
class AnswerRequest:
    """One question to a source: answer ``task`` (sample ``sample``, turn ``turn``) given ``messages``."""

    task: Task
    sample: int
    turn: int
    messages: tuple[Message, ...]


class AnswerSource(Protocol):
    """Anything that answers tasks. ``label`` names it in the store (the run's model)."""

    label: str
    uses_prompts: bool  # False: answers do not depend on the messages (replay, bundled solutions)

    def answer(self, request: AnswerRequest) -> Completion | None:
        """The answer, or None when the source has none for this request (nothing to evaluate)."""
        ...

    def cache_key(self, request: AnswerRequest) -> str | None:
        """A key for the completion cache, or None when answers are not worth caching."""
        ...

    def answerable(self, tasks: list[Task]) -> list[Task]:
        """The tasks this source can answer at all."""
        ...


class ModelSource:
    """A model behind an API: every request goes through the client (after the cache)."""

    uses_prompts = True

    def __init__(self, client: ChatClient, params: SamplingParams, label: str) -> None:
        self.client = client
        self.params = params
        self.label = label

    def answer(self, request: AnswerRequest) -> Completion:
        return self.client.complete(list(request.messages), self.params)

    def cache_key(self, request: AnswerRequest) -> str:
        # The sample index is part of the key: sample 3 of a request is a different draw from sample 0.
        key = {
            "provider": getattr(self.client, "provider", None),
            "model": self.client.model,
            "base_url": self.client.base_url,
            "messages": [asdict(m) for m in request.messages],
            "params": self.params.to_json(),
            "sample": request.sample,
        }
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()

    def answerable(self, tasks: list[Task]) -> list[Task]:
        return tasks

    @property
    def base_url(self) -> str | None:
        return self.client.base_url


class SolutionsSource:
    """The bundled reference answers: the same answer for every sample and turn."""

    label = MODEL_NAME
    uses_prompts = False

    def __init__(self, backend: str) -> None:
        self.backend = backend

    def answer(self, request: AnswerRequest) -> Completion | None:
        text = bundled_solution(request.task.name, self.backend)
        return Completion(text=text) if text is not None else None

    def cache_key(self, request: AnswerRequest) -> None:
        return None

    def answerable(self, tasks: list[Task]) -> list[Task]:
        solved = set(solution_tasks(self.backend))
        return [t for t in tasks if t.name in solved]
