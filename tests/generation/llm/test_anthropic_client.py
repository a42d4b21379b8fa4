"""The Anthropic client against a real local HTTP server: system prompt, thinking, usage, retries, keys."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from multikernelbench.generation.llm.anthropic_client import AnthropicChatClient
from multikernelbench.generation.llm.base import (
    Message,
    RequestFailed,
    SamplingParams,
    ServerUnreachable,
)
from multikernelbench.generation.llm.retry import RetryPolicy
from tests.support.chat_server import DEFAULT_ANSWER, ChatServer, Fault, count_tokens
from tests.support.network import closed_port_url

KEY = "sk-ant-test-Hq3Wz8Ty5Rp1Mn6Vb0"
FAST = RetryPolicy(max_retries=2, base_backoff_s=0.01, max_backoff_s=60.0, request_timeout_s=5.0)
SHORT = RetryPolicy(max_retries=1, base_backoff_s=0.01, max_backoff_s=0.05, request_timeout_s=0.5)
MESSAGES = [Message("system", "You write fast kernels."), Message("system", "Answer in C++."),
            Message("user", "Write a ReLU kernel.")]
PARAMS = SamplingParams(temperature=0.2, top_p=1.0, max_tokens=500)
PROMPT_TOKENS = sum(count_tokens(m.content) for m in MESSAGES)
THOUGHT = "The input is contiguous, so one loop will do."
BOTH = pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])


@pytest.fixture()
def server() -> Iterator[ChatServer]:
    with ChatServer(reasoning=THOUGHT) as chat:
        yield chat


def client(server: ChatServer, stream: bool = True, policy: RetryPolicy = FAST,
           sleeps: list[float] | None = None) -> AnthropicChatClient:
    sleep = sleeps.append if sleeps is not None else time.sleep
    return AnthropicChatClient("claude-test", server.url, KEY, policy, stream, sleep=sleep)


@BOTH
def test_thinking_text_usage_and_stop_reason(server: ChatServer, stream: bool) -> None:
    server.responder = lambda body: f"kernel for {body['model']}"
    started = time.monotonic()
    result = client(server, stream).complete(MESSAGES, PARAMS)
    elapsed = time.monotonic() - started
    assert result.text == "kernel for claude-test"
    assert result.reasoning == THOUGHT
    assert result.prompt_tokens == PROMPT_TOKENS
    assert result.completion_tokens == count_tokens(THOUGHT) + 3
    assert result.finish_reason == "end_turn" and result.attempts == 1
    assert 0 < result.latency_s <= elapsed


@BOTH
def test_system_messages_go_to_the_system_field(server: ChatServer, stream: bool) -> None:
    client(server, stream).complete(MESSAGES, PARAMS)
    (request,) = server.requests
    assert request.path == "/v1/messages"
    assert KEY in (request.headers.get("x-api-key", ""), request.headers.get("authorization", "").split(" ")[-1])
    body = request.body
    assert body["system"] == "You write fast kernels.\n\nAnswer in C++."
    assert body["messages"] == [{"role": "user", "content": "Write a ReLU kernel."}]
    assert (body["model"], body["max_tokens"], body["temperature"]) == ("claude-test", 500, 0.2)
    assert "top_p" not in body  # newer models refuse temperature and top_p together
    assert bool(body.get("stream")) is stream


def test_top_p_is_sent_only_when_it_matters(server: ChatServer) -> None:
    client(server).complete([Message("user", "hi")], SamplingParams(temperature=1.0, top_p=0.8))
    body = server.requests[0].body
    assert body["top_p"] == 0.8 and "system" not in body


@BOTH
@pytest.mark.parametrize("status", [529, 500])
def test_overloaded_or_server_error_then_success(server: ChatServer, stream: bool, status: int) -> None:
    server.push(Fault.server_error(status))
    sleeps: list[float] = []
    result = client(server, stream, sleeps=sleeps).complete(MESSAGES, PARAMS)
    assert result.text == DEFAULT_ANSWER and result.attempts == 2
    assert len(server.requests) == 2 and len(sleeps) == 1


def test_rate_limit_waits_as_told(server: ChatServer) -> None:
    server.push(Fault.rate_limit(retry_after="2"))
    sleeps: list[float] = []
    result = client(server, sleeps=sleeps).complete(MESSAGES, PARAMS)
    assert result.attempts == 2 and sleeps == [2.0]


def test_retries_are_capped(server: ChatServer) -> None:
    server.push(*[Fault.server_error(529)] * 5)
    with pytest.raises(RequestFailed, match=r"3 attempts .*HTTP 529"):
        client(server, sleeps=[]).complete(MESSAGES, PARAMS)
    assert len(server.requests) == 3


@BOTH
def test_malformed_reply_is_retried(server: ChatServer, stream: bool) -> None:
    server.push(Fault.malformed())
    result = client(server, stream).complete(MESSAGES, PARAMS)
    assert result.text == DEFAULT_ANSWER and result.attempts == 2


@BOTH
def test_answer_cut_short_is_retried_not_scored(server: ChatServer, stream: bool) -> None:
    server.push(Fault.truncated())
    result = client(server, stream).complete(MESSAGES, PARAMS)
    assert (result.text, result.reasoning, result.attempts) == (DEFAULT_ANSWER, THOUGHT, 2)


def test_stream_without_message_stop_fails_as_malformed(server: ChatServer) -> None:
    server.push(*[Fault.truncated()] * 3)
    with pytest.raises(RequestFailed, match="ended before message_stop"):
        client(server).complete(MESSAGES, PARAMS)


def test_stall_mid_stream_past_the_timeout_fails_in_bounded_time(server: ChatServer) -> None:
    server.push(Fault.stall_mid_stream(30), Fault.stall_mid_stream(30))
    started = time.monotonic()
    with pytest.raises(RequestFailed, match="timed out"):
        client(server, policy=SHORT).complete(MESSAGES, PARAMS)
    assert time.monotonic() - started < 3.0
    assert len(server.requests) == 2


def test_stream_slower_than_the_deadline_is_cut_off(server: ChatServer) -> None:
    server.responder = lambda body: " ".join(["word"] * 20)
    server.push(Fault.trickle(0.15))
    with pytest.raises(RequestFailed, match="took over 0.5 s"):
        client(server, policy=RetryPolicy(max_retries=0, request_timeout_s=0.5)).complete(MESSAGES, PARAMS)


@BOTH
def test_empty_answer_is_an_answer(server: ChatServer, stream: bool) -> None:
    server.push(Fault.empty())
    result = client(server, stream).complete(MESSAGES, PARAMS)
    assert (result.text, result.reasoning, result.attempts) == ("", "", 1)


@BOTH
def test_bad_key_fails_at_once_without_leaking_it(server: ChatServer, stream: bool) -> None:
    server.push(Fault.unauthorized())
    with pytest.raises(RequestFailed) as info:
        client(server, stream).complete(MESSAGES, PARAMS)
    assert len(server.requests) == 1
    message = str(info.value)
    assert "HTTP 401" in message and "[redacted]" in message
    for fragment in (KEY, KEY[:7], KEY[-4:]):
        assert fragment not in message


def test_error_event_inside_a_stream_is_judged_by_its_type(server: ChatServer) -> None:
    anthropic = pytest.importorskip("anthropic")
    import httpx2

    response = httpx2.Response(200, request=httpx2.Request("POST", server.url))

    def in_stream(error_type: str) -> Exception:
        body = {"type": "error", "error": {"type": error_type, "message": "mid-stream trouble"}}
        return anthropic.APIStatusError(str(body), response=response, body=body)

    classify = client(server)._classify
    overloaded = classify(in_stream("overloaded_error"))
    assert overloaded.retryable and overloaded.status == 529 and "mid-stream trouble" in overloaded.describe()
    assert not classify(in_stream("invalid_request_error")).retryable
    assert classify(in_stream("something_new")).retryable
    assert classify(KeyError("bug")) is None


@BOTH
def test_closed_port_is_unreachable_after_three_quick_attempts_naming_the_url(stream: bool) -> None:
    url = closed_port_url()
    sleeps: list[float] = []
    policy = RetryPolicy(max_retries=5, base_backoff_s=0.01, max_backoff_s=60.0, request_timeout_s=5.0)
    dead = AnthropicChatClient("claude-test", url, KEY, policy, stream, sleep=sleeps.append)
    with pytest.raises(ServerUnreachable) as info:
        dead.complete(MESSAGES, PARAMS)
    assert sleeps == [1.0, 2.0]
    assert str(info.value).startswith(f"cannot reach the model server at {url} (connection refused); ")


def test_the_default_url_is_the_one_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    assert AnthropicChatClient("claude-test", None, KEY, FAST).server_url == "https://api.anthropic.com"
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    assert AnthropicChatClient("claude-test", None, KEY, FAST).server_url == "http://127.0.0.1:9"


def test_a_server_error_is_not_unreachable(server: ChatServer) -> None:
    server.push(*[Fault.server_error(529)] * 3)
    with pytest.raises(RequestFailed) as info:
        client(server, policy=SHORT).complete(MESSAGES, PARAMS)
    assert type(info.value) is RequestFailed and "HTTP 529" in str(info.value)
