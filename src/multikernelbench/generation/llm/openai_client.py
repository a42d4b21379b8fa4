"""A client for OpenAI's chat completions API and every server that speaks it (vLLM, SGLang, Ollama, DeepSeek...).

The SDK's own retries are off: :mod:`retry` decides what to repeat. Answers
stream by default, so a long answer cannot hit a proxy's idle timeout, and a
wall-clock deadline bounds a stream that never ends. Reasoning is kept apart
from the answer, whether the server sends it in a field of its own
(``reasoning_content``, ``reasoning``) or inline as a leading ``<think>`` block.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from multikernelbench.errors import UserError
from multikernelbench.generation.llm.base import Completion, Message, SamplingParams
from multikernelbench.generation.llm.retry import (
    AttemptFailed,
    RetryPolicy,
    common_failure,
    connection_failure,
    error_detail,
    malformed,
    run_with_retries,
    status_failure,
)
from multikernelbench.secrets import redact_url, register_secret

# Where servers put reasoning beside the answer: DeepSeek and vLLM say reasoning_content, OpenRouter reasoning.
REASONING_FIELDS = ("reasoning_content", "reasoning")
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
OPENAI_PLATFORM_HOST = "api.openai.com"


def _load_sdk() -> ModuleType:
    try:
        import openai
    except ImportError:
        raise UserError("the openai package is needed for openai/ models; install it with: "
                        "pip install 'multikernelbench[llm]'") from None
    return openai


def split_think(text: str) -> tuple[str, str]:
    """Split a leading ``<think>...</think>`` block off ``text``: (answer, reasoning).

    An unclosed block means the model was cut off while thinking: all of it is reasoning and the answer is empty.
    """
    stripped = text.lstrip()
    if not stripped.startswith(THINK_OPEN):
        return text, ""
    body = stripped[len(THINK_OPEN) :]
    end = body.find(THINK_CLOSE)
    if end == -1:
        return "", body.strip()
    return body[end + len(THINK_CLOSE) :].lstrip(), body[:end].strip()


def _reasoning_of(part: Any) -> str:
    """The reasoning a delta or message carries in a non-standard field, "" when none."""
    extra = getattr(part, "model_extra", None) or {}
    for field in REASONING_FIELDS:
        # Some servers send both names with the same text; take the first so it is not doubled.
        value = extra.get(field, getattr(part, field, None))
        if isinstance(value, str) and value:
            return value
    return ""


def _join(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


class OpenAIChatClient:
    """A model behind an OpenAI-compatible ``/chat/completions`` endpoint."""

    provider = "openai"

    def __init__(self, model: str, base_url: str | None, api_key: str, policy: RetryPolicy | None = None,
                 stream: bool = True, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._openai = _load_sdk()
        register_secret(api_key)
        self.model = model
        self.base_url = base_url.rstrip("/") if base_url else None
        self.policy = policy or RetryPolicy()
        self.stream = stream
        self._sleep = sleep
        # max_retries=0: our retry layer decides, and counts attempts; the timeout bounds connect and each read.
        self._sdk = self._openai.OpenAI(api_key=api_key, base_url=self.base_url, max_retries=0,
                                        timeout=self.policy.request_timeout_s)
        # The URL requests really go to (the SDK's default or OPENAI_BASE_URL when none is given), fit to show.
        self.server_url = redact_url(str(self._sdk.base_url).rstrip("/"))
        # OpenAI's own API wants max_completion_tokens (its reasoning models reject max_tokens), but most
        # compatible servers (older vLLM, Ollama, many proxies) know only max_tokens and would silently drop
        # the newer field, leaving the answer unbounded; so only OpenAI's own host gets the new name.
        host = urlsplit(str(self._sdk.base_url)).hostname or ""
        self.max_tokens_field = "max_completion_tokens" if host == OPENAI_PLATFORM_HOST else "max_tokens"

    def complete(self, messages: list[Message], params: SamplingParams) -> Completion:
        """One answer to ``messages``; raises RequestFailed when none came back after the allowed attempts."""
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": params.temperature,
            "top_p": params.top_p,
            self.max_tokens_field: params.max_tokens,
        }
        attempt = self._streamed if self.stream else self._whole
        return run_with_retries(lambda: attempt(request), self.policy, self._classify,
                                label=f"openai/{self.model}", server_url=self.server_url, sleep=self._sleep)

    def _streamed(self, request: dict[str, Any]) -> Completion:
        started = time.monotonic()
        deadline = started + self.policy.request_timeout_s
        text: list[str] = []
        reasoning: list[str] = []
        finish_reason: str | None = None
        prompt_tokens: int | None = None
        completion_tokens: int | None = None
        chunks = self._sdk.chat.completions.create(**request, stream=True, stream_options={"include_usage": True})
        try:
            for chunk in chunks:
                # The read timeout covers a silent server; this covers one that trickles forever.
                if time.monotonic() > deadline:
                    raise AttemptFailed(f"timed out: the answer took over {self.policy.request_timeout_s:g} s",
                                        retryable=True)
                try:
                    usage = chunk.usage
                    if usage is not None:  # the last chunk, with include_usage
                        prompt_tokens, completion_tokens = usage.prompt_tokens, usage.completion_tokens
                    for choice in chunk.choices or ():
                        if choice.index:  # n=1: any other index is not ours
                            continue
                        if choice.delta is not None:
                            if choice.delta.content:
                                text.append(choice.delta.content)
                            reasoning.append(_reasoning_of(choice.delta))
                        finish_reason = choice.finish_reason or finish_reason
                except (AttributeError, TypeError) as err:
                    raise malformed(f"unexpected chunk ({type(err).__name__})") from None
        finally:
            chunks.close()
        if finish_reason is None:
            # A stream cut short is not an answer: scoring it would count a network fault against the model.
            raise malformed("the stream ended before a finish_reason")
        answer, think = split_think("".join(text))
        return Completion(text=answer, reasoning=_join("".join(reasoning), think), prompt_tokens=prompt_tokens,
                          completion_tokens=completion_tokens, latency_s=time.monotonic() - started,
                          finish_reason=finish_reason)

    def _whole(self, request: dict[str, Any]) -> Completion:
        started = time.monotonic()
        response = self._sdk.chat.completions.create(**request)
        try:
            choice = response.choices[0]
            message = choice.message
            content = message.content or ""
            usage = response.usage
        except (AttributeError, TypeError, IndexError, KeyError) as err:
            # A body that is not a chat completion (the SDK hands back plain text for non-JSON content types).
            raise malformed(f"not a chat completion ({type(err).__name__})") from None
        if not isinstance(content, str):
            raise malformed("the message content is not text")
        answer, think = split_think(content)
        return Completion(text=answer, reasoning=_join(_reasoning_of(message), think),
                          prompt_tokens=getattr(usage, "prompt_tokens", None),
                          completion_tokens=getattr(usage, "completion_tokens", None),
                          latency_s=time.monotonic() - started, finish_reason=choice.finish_reason)

    def _classify(self, err: Exception) -> AttemptFailed | None:
        sdk = self._openai
        if isinstance(err, sdk.APIStatusError):
            return status_failure(err.status_code, error_detail(err.body, err.message), err.response.headers)
        if isinstance(err, sdk.APITimeoutError):
            return AttemptFailed(f"timed out (no reply within {self.policy.request_timeout_s:g} s)", retryable=True)
        if isinstance(err, sdk.APIConnectionError):
            cause = err.__cause__
            return connection_failure(err, type(cause).__name__ if cause else err.message)
        if isinstance(err, sdk.APIResponseValidationError):
            return malformed(err.message)
        if isinstance(err, sdk.APIError):
            # An error event inside a 200 stream: the server failed mid-answer.
            return AttemptFailed(f"error in the stream: {error_detail(err.body, err.message)}", retryable=True)
        return common_failure(err)
