"""A client for Anthropic's Messages API (Claude), streaming by default, with thinking kept apart from the answer.

System messages go to the ``system`` field; ``thinking`` blocks become the
reasoning and ``text`` blocks the answer. The SDK's own retries are off:
:mod:`retry` decides what to repeat.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

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

# The status each error type of an in-stream "error" event would have had (the stream itself is a 200).
STREAM_ERROR_STATUS = {
    "invalid_request_error": 400, "authentication_error": 401, "billing_error": 402, "permission_error": 403,
    "not_found_error": 404, "request_too_large": 413, "rate_limit_error": 429, "api_error": 500,
    "timeout_error": 504, "overloaded_error": 529,
}


def _load_sdk() -> ModuleType:
    try:
        import anthropic
    except ImportError:
        raise UserError("the anthropic package is needed for anthropic/ models; install it with: "
                        "pip install 'multikernelbench[llm]'") from None
    return anthropic


class AnthropicChatClient:
    """A Claude model behind Anthropic's ``/v1/messages`` endpoint (or a server that imitates it)."""

    provider = "anthropic"

    def __init__(self, model: str, base_url: str | None, api_key: str, policy: RetryPolicy | None = None,
                 stream: bool = True, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._anthropic = _load_sdk()
        register_secret(api_key)
        self.model = model
        self.base_url = base_url.rstrip("/") if base_url else None
        self.policy = policy or RetryPolicy()
        self.stream = stream
        self._sleep = sleep
        # max_retries=0: our retry layer decides. An explicit timeout also stops the SDK refusing
        # non-streamed requests with a large max_tokens.
        self._sdk = self._anthropic.Anthropic(api_key=api_key, base_url=self.base_url, max_retries=0,
                                              timeout=self.policy.request_timeout_s)
        # The URL requests really go to (the SDK's default or ANTHROPIC_BASE_URL when none is given), fit to show.
        self.server_url = redact_url(str(self._sdk.base_url).rstrip("/"))

    def complete(self, messages: list[Message], params: SamplingParams) -> Completion:
        """One answer to ``messages``; raises RequestFailed when none came back after the allowed attempts."""
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        request: dict[str, Any] = {
            "model": self.model,
            "max_tokens": params.max_tokens,
            "messages": [{"role": m.role, "content": m.content} for m in messages if m.role != "system"],
        }
        if system:
            request["system"] = system
        # This SDK no longer lists the sampling fields, so they go in the body as extra fields. Newer models
        # refuse temperature and top_p together, so top_p goes only when it changes anything.
        sampling: dict[str, Any] = {"temperature": params.temperature}
        if params.top_p != 1.0:
            sampling["top_p"] = params.top_p
        request["extra_body"] = sampling
        attempt = self._streamed if self.stream else self._whole
        return run_with_retries(lambda: attempt(request), self.policy, self._classify,
                                label=f"anthropic/{self.model}", server_url=self.server_url, sleep=self._sleep)

    def _streamed(self, request: dict[str, Any]) -> Completion:
        started = time.monotonic()
        deadline = started + self.policy.request_timeout_s
        text: list[str] = []
        reasoning: list[str] = []
        stop_reason: str | None = None
        input_tokens: int | None = None
        output_tokens: int | None = None
        finished = False
        events = self._sdk.messages.create(**request, stream=True)
        try:
            for event in events:
                # The read timeout covers a silent server; this covers one that trickles forever.
                if time.monotonic() > deadline:
                    raise AttemptFailed(f"timed out: the answer took over {self.policy.request_timeout_s:g} s",
                                        retryable=True)
                try:
                    kind = event.type
                    if kind == "message_start":
                        usage = event.message.usage
                        input_tokens, output_tokens = usage.input_tokens, usage.output_tokens
                    elif kind == "content_block_start":
                        # A block may open with some content already in it.
                        block = event.content_block
                        if block.type == "thinking" and block.thinking:
                            reasoning.append(block.thinking)
                        elif block.type == "text" and block.text:
                            text.append(block.text)
                    elif kind == "content_block_delta":
                        delta = event.delta
                        if delta.type == "text_delta":
                            text.append(delta.text)
                        elif delta.type == "thinking_delta":
                            reasoning.append(delta.thinking)
                    elif kind == "message_delta":
                        stop_reason = event.delta.stop_reason or stop_reason
                        # Usage here is cumulative, so it replaces what message_start said.
                        output_tokens = event.usage.output_tokens
                        if getattr(event.usage, "input_tokens", None) is not None:
                            input_tokens = event.usage.input_tokens
                    elif kind == "message_stop":
                        finished = True
                except (AttributeError, TypeError) as err:
                    raise malformed(f"unexpected event ({type(err).__name__})") from None
        finally:
            events.close()
        if not finished:
            # A stream cut short is not an answer: scoring it would count a network fault against the model.
            raise malformed("the stream ended before message_stop")
        return Completion(text="".join(text), reasoning="".join(reasoning), prompt_tokens=input_tokens,
                          completion_tokens=output_tokens, latency_s=time.monotonic() - started,
                          finish_reason=stop_reason)

    def _whole(self, request: dict[str, Any]) -> Completion:
        started = time.monotonic()
        message = self._sdk.messages.create(**request)
        text: list[str] = []
        reasoning: list[str] = []
        try:
            for block in message.content:
                if block.type == "text":
                    text.append(block.text)
                elif block.type == "thinking":
                    reasoning.append(block.thinking)
            usage = message.usage
            stop_reason = message.stop_reason
        except (AttributeError, TypeError) as err:
            # A body that is not a message (the SDK hands back plain text for non-JSON content types).
            raise malformed(f"not a message ({type(err).__name__})") from None
        return Completion(text="".join(text), reasoning="\n".join(reasoning),
                          prompt_tokens=getattr(usage, "input_tokens", None),
                          completion_tokens=getattr(usage, "output_tokens", None),
                          latency_s=time.monotonic() - started, finish_reason=stop_reason)

    def _classify(self, err: Exception) -> AttemptFailed | None:
        sdk = self._anthropic
        if isinstance(err, sdk.APIStatusError):
            detail = error_detail(err.body, err.message)
            if err.status_code < 400:
                # An "error" event inside a 200 stream: judge it by the status its type stands for.
                error_type = getattr(err, "type", None) or ""
                status = STREAM_ERROR_STATUS.get(error_type, 500)
                return status_failure(status, f"error in the stream: {detail}")
            return status_failure(err.status_code, detail, err.response.headers)
        if isinstance(err, sdk.APITimeoutError):
            return AttemptFailed(f"timed out (no reply within {self.policy.request_timeout_s:g} s)", retryable=True)
        if isinstance(err, sdk.APIConnectionError):
            cause = err.__cause__
            return connection_failure(err, type(cause).__name__ if cause else err.message)
        if isinstance(err, sdk.APIResponseValidationError):
            return malformed(err.message)
        return common_failure(err)
