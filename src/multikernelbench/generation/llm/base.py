"""The one interface every model client implements, and the plain records it passes.

A client turns a list of chat messages into a :class:`Completion`. It never
raises for an unusable answer (an empty text is still the model's answer); it
raises :class:`RequestFailed` only when no answer came back at all (network
error, rate limit or server error after every retry, timeout, malformed reply),
so the caller can record the failure and retry it on resume instead of counting
it as a wrong answer. :class:`ServerUnreachable`, a kind of it, means no server
took the connection at all: the caller stops asking rather than recording it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

from multikernelbench.errors import UserError


@dataclass(frozen=True)
class Message:
    """One chat message: role is "system", "user" or "assistant"."""

    role: str
    content: str


@dataclass(frozen=True)
class SamplingParams:
    """How to sample an answer; part of the cache key."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 8192

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Completion:
    """One answer: the text, the reasoning kept apart from it, token usage and latency."""

    text: str
    reasoning: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float = 0.0
    finish_reason: str | None = None
    attempts: int = 1  # requests made, retries included

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Completion:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class RequestFailed(Exception):
    """No answer came back (after retries); the pair is retried on the next run, never scored."""


class ServerUnreachable(RequestFailed, UserError):
    """No server took the connection (refused, unknown host, no route): every request would fail alike.

    A :class:`UserError` too, since the fix is the user's (the URL, or starting the server): a run stops
    with this one line and records nothing for it. ``url`` is already fit to show (credentials blanked).
    """

    def __init__(self, url: str | None, reason: str) -> None:
        where = f" at {url}" if url else ""
        super().__init__(f"cannot reach the model server{where} ({reason}); "
                         "check --base-url and that the server is running")
        self.url = url
        self.reason = reason


class ChatClient(Protocol):
    """A model behind an API. ``model`` and ``base_url`` identify it in cache keys and the store."""

    model: str
    base_url: str | None

    def complete(self, messages: list[Message], params: SamplingParams) -> Completion: ...
