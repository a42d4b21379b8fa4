"""The OpenAI-compatible client against a real local HTTP server: answers, reasoning, retries, timeouts, keys."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from multikernelbench.generation.llm.base import (
    Message,
    RequestFailed,
    SamplingParams,
    ServerUnreachable,
)
from multikernelbench.generation.llm.openai_client import OpenAIChatClient, split_think
from multikernelbench.generation.llm.retry import RetryPolicy
from tests.support.chat_server import DEFAULT_ANSWER, ChatServer, Fault, count_tokens
from tests.support.network import closed_port_url

KEY = "sk-test-openai-Qm7Rt2Lx9Vb4Nc8Kz"
FAST = RetryPolicy(max_retries=2, base_backoff_s=0.01, max_backoff_s=0.05, request_timeout_s=5.0)
PATIENT = RetryPolicy(max_retries=2, base_backoff_s=0.01, max_backoff_s=60.0, request_timeout_s=5.0)
SHORT = RetryPolicy(max_retries=1, base_backoff_s=0.01, max_backoff_s=0.05, request_timeout_s=0.5)
# Five retries allowed, as by default: an unreachable server must still get only three attempts.
MANY = RetryPolicy(max_retries=5, base_backoff_s=0.01, max_backoff_s=60.0, request_timeout_s=5.0)
MESSAGES = [Message("system", "You write fast kernels."), Message("user", "Write a ReLU kernel in C++.")]
PARAMS = SamplingParams(temperature=0.3, top_p=0.9, max_tokens=321)
PROMPT_TOKENS = sum(count_tokens(m.content) for m in MESSAGES)
BOTH = pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])


@pytest.fixture()
def server() -> Iterator[ChatServer]:
    with ChatServer() as chat:
        yield chat


def client(server: ChatServer, stream: bool = True, policy: RetryPolicy = FAST,
           sleeps: list[float] | None = None) -> OpenAIChatClient:
    sleep = sleeps.append if sleeps is not None else time.sleep
    return OpenAIChatClient("test-model", server.base_url, KEY, policy, stream, sleep=sleep)


@BOTH
def test_answer_text_usage_and_latency(server: ChatServer, stream: bool) -> None:
    server.responder = lambda body: f"ReLU for {body['model']}: out = max(x, 0)"
    started = time.monotonic()
    result = client(server, stream).complete(MESSAGES, PARAMS)
    elapsed = time.monotonic() - started
    expected = "ReLU for test-model: out = max(x, 0)"
    assert result.text == expected and result.reasoning == ""
    assert (result.prompt_tokens, result.completion_tokens) == (PROMPT_TOKENS, count_tokens(expected))
    assert result.finish_reason == "stop" and result.attempts == 1
    assert 0 < result.latency_s <= elapsed


@BOTH
def test_request_carries_messages_sampling_and_key(server: ChatServer, stream: bool) -> None:
    client(server, stream).complete(MESSAGES, PARAMS)
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = request.body
    assert body["model"] == "test-model"
    assert body["messages"] == [{"role": "system", "content": "You write fast kernels."},
                                {"role": "user", "content": "Write a ReLU kernel in C++."}]
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.3, 0.9, 321)
    assert "max_completion_tokens" not in body
    if stream:
        assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    else:
        assert not body.get("stream") and "stream_options" not in body


def test_openai_platform_gets_max_completion_tokens_and_others_max_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)  # the SDK's default host is then OpenAI's
    assert OpenAIChatClient("gpt", None, KEY, FAST).max_tokens_field == "max_completion_tokens"
    assert OpenAIChatClient("gpt", "https://api.openai.com/v1", KEY, FAST).max_tokens_field == "max_completion_tokens"
    assert OpenAIChatClient("m", "https://api.deepseek.com/v1", KEY, FAST).max_tokens_field == "max_tokens"


@BOTH
@pytest.mark.parametrize("field", ["reasoning_content", "reasoning", "think"])
def test_reasoning_is_kept_apart_from_the_answer(stream: bool, field: str) -> None:
    thought = "First I consider the memory layout, then vectorise."
    with ChatServer(responder=lambda body: "final kernel", reasoning=thought, reasoning_field=field) as server:
        result = client(server, stream).complete(MESSAGES, PARAMS)
    assert result.text == "final kernel"
    assert result.reasoning == thought
    assert result.completion_tokens == count_tokens(thought) + 2


def test_split_think() -> None:
    assert split_think("<think>plan</think>\n\nanswer") == ("answer", "plan")
    assert split_think("  <think> a\nb </think>answer <think>x</think>") == ("answer <think>x</think>", "a\nb")
    assert split_think("<think>cut off while thinking") == ("", "cut off while thinking")
    assert split_think("no tags here") == ("no tags here", "")
    assert split_think("text first <think>late</think>") == ("text first <think>late</think>", "")


@BOTH
def test_rate_limit_waits_as_told_then_succeeds(server: ChatServer, stream: bool) -> None:
    server.push(Fault.rate_limit(retry_after="1"))
    sleeps: list[float] = []
    result = client(server, stream, PATIENT, sleeps).complete(MESSAGES, PARAMS)
    assert result.text == DEFAULT_ANSWER and result.attempts == 2
    assert sleeps == [1.0]
    assert len(server.requests) == 2


def test_retry_after_ms_is_honoured_in_real_time(server: ChatServer) -> None:
    server.push(Fault.rate_limit(retry_after=None, retry_after_ms="300"))
    result = client(server, policy=PATIENT).complete(MESSAGES, PARAMS)
    first, second = server.requests
    assert result.attempts == 2
    assert second.arrived - first.arrived >= 0.3


@BOTH
def test_server_error_then_success(server: ChatServer, stream: bool) -> None:
    server.push(Fault.server_error(500))
    result = client(server, stream).complete(MESSAGES, PARAMS)
    assert result.text == DEFAULT_ANSWER and result.attempts == 2


def test_retry_after_is_capped_by_the_policy(server: ChatServer) -> None:
    server.push(Fault.rate_limit(retry_after="3600"))
    sleeps: list[float] = []
    client(server, sleeps=sleeps).complete(MESSAGES, PARAMS)
    assert sleeps == [FAST.max_backoff_s]


def test_retries_are_capped(server: ChatServer) -> None:
    server.push(*[Fault.server_error(503)] * 10)
    sleeps: list[float] = []
    with pytest.raises(RequestFailed, match=r"3 attempts .*HTTP 503"):
        client(server, sleeps=sleeps).complete(MESSAGES, PARAMS)
    assert len(server.requests) == FAST.max_retries + 1
    assert len(sleeps) == FAST.max_retries


@pytest.mark.parametrize("status", [400, 404, 422])
def test_client_errors_are_not_retried(server: ChatServer, status: int) -> None:
    server.push(Fault.http_error(status))
    with pytest.raises(RequestFailed, match=f"1 attempt .*HTTP {status}"):
        client(server).complete(MESSAGES, PARAMS)
    assert len(server.requests) == 1


@BOTH
def test_hang_past_the_timeout_fails_in_bounded_time(server: ChatServer, stream: bool) -> None:
    server.push(Fault.hang(30), Fault.hang(30))
    started = time.monotonic()
    with pytest.raises(RequestFailed, match="timed out"):
        client(server, stream, SHORT).complete(MESSAGES, PARAMS)
    assert time.monotonic() - started < 3.0
    assert len(server.requests) == SHORT.max_retries + 1


def test_stall_mid_stream_past_the_timeout_is_retried(server: ChatServer) -> None:
    server.push(Fault.stall_mid_stream(30))
    started = time.monotonic()
    result = client(server, policy=SHORT).complete(MESSAGES, PARAMS)
    assert result.text == DEFAULT_ANSWER and result.attempts == 2
    assert time.monotonic() - started < 3.0


def test_short_stall_within_the_timeout_is_just_a_slow_answer(server: ChatServer) -> None:
    server.push(Fault.stall_mid_stream(0.2))
    result = client(server, policy=SHORT).complete(MESSAGES, PARAMS)
    assert result.text == DEFAULT_ANSWER and result.attempts == 1
    assert result.latency_s >= 0.2


def test_stream_slower_than_the_deadline_is_cut_off(server: ChatServer) -> None:
    # Each gap (0.15 s) is under the read timeout; only the wall-clock deadline (0.5 s) can stop it.
    server.responder = lambda body: " ".join(["word"] * 20)
    server.push(Fault.trickle(0.15))
    started = time.monotonic()
    with pytest.raises(RequestFailed, match="took over 0.5 s"):
        client(server, policy=RetryPolicy(max_retries=0, request_timeout_s=0.5)).complete(MESSAGES, PARAMS)
    assert time.monotonic() - started < 1.5


@BOTH
def test_malformed_reply_is_retried(server: ChatServer, stream: bool) -> None:
    server.push(Fault.malformed())
    result = client(server, stream).complete(MESSAGES, PARAMS)
    assert result.text == DEFAULT_ANSWER and result.attempts == 2


@BOTH
def test_answer_cut_short_is_retried_not_scored(server: ChatServer, stream: bool) -> None:
    server.responder = lambda body: "one two three four five six"
    server.push(Fault.truncated())
    result = client(server, stream).complete(MESSAGES, PARAMS)
    assert result.text == "one two three four five six" and result.attempts == 2


def test_stream_that_never_finishes_fails_as_malformed(server: ChatServer) -> None:
    server.push(*[Fault.truncated()] * 3)
    with pytest.raises(RequestFailed, match="ended before a finish_reason"):
        client(server).complete(MESSAGES, PARAMS)
    assert len(server.requests) == 3


@BOTH
def test_persistently_malformed_reply_fails(server: ChatServer, stream: bool) -> None:
    server.push(*[Fault.malformed()] * 3)
    with pytest.raises(RequestFailed, match="malformed"):
        client(server, stream).complete(MESSAGES, PARAMS)
    assert len(server.requests) == 3


@BOTH
def test_empty_answer_is_an_answer_not_a_failure(server: ChatServer, stream: bool) -> None:
    server.push(Fault.empty())
    result = client(server, stream).complete(MESSAGES, PARAMS)
    assert result.text == "" and result.reasoning == ""
    assert result.attempts == 1 and result.finish_reason == "stop"
    assert len(server.requests) == 1


@BOTH
def test_bad_key_fails_at_once_without_leaking_it(server: ChatServer, stream: bool) -> None:
    server.push(Fault.unauthorized())
    with pytest.raises(RequestFailed) as info:
        client(server, stream).complete(MESSAGES, PARAMS)
    assert len(server.requests) == 1
    message = str(info.value)
    assert "HTTP 401" in message and "[redacted]" in message and "\n" not in message
    for fragment in (KEY, KEY[:7], KEY[-4:], KEY[8:16]):
        assert fragment not in message and fragment not in repr(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


@BOTH
def test_closed_port_is_unreachable_after_three_quick_attempts_naming_the_url(stream: bool) -> None:
    url = f"{closed_port_url()}/v1"
    sleeps: list[float] = []
    dead = OpenAIChatClient("m", url, KEY, MANY, stream, sleep=sleeps.append)
    with pytest.raises(ServerUnreachable) as info:
        dead.complete(MESSAGES, PARAMS)
    assert sleeps == [1.0, 2.0]  # three attempts, not six
    assert info.value.url == url and info.value.reason == "connection refused"
    assert str(info.value).startswith(f"cannot reach the model server at {url} (connection refused); ")


def test_a_server_that_closed_is_unreachable_too() -> None:
    with ChatServer() as server:
        url = server.base_url
        assert OpenAIChatClient("m", url, KEY, FAST).complete(MESSAGES, PARAMS).text == DEFAULT_ANSWER
    dead = OpenAIChatClient("m", url, KEY, FAST, sleep=lambda _: None)
    with pytest.raises(ServerUnreachable, match="connection refused"):
        dead.complete(MESSAGES, PARAMS)


def test_unreachable_url_keeps_its_credentials_out_of_the_message() -> None:
    url = closed_port_url().replace("//", f"//user:{KEY}@") + "/v1"
    dead = OpenAIChatClient("m", url, KEY, MANY, sleep=lambda _: None)
    with pytest.raises(ServerUnreachable) as info:
        dead.complete(MESSAGES, PARAMS)
    message = str(info.value)
    assert "http://[redacted]@127.0.0.1:" in message and "user" not in message
    assert all(fragment not in message for fragment in (KEY, KEY[:7], KEY[-4:]))


def test_a_host_name_that_does_not_resolve_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up: list[str] = []

    def no_such_host(host: str, *args: object, **kwargs: object) -> list:
        looked_up.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # no real DNS: fast and the same everywhere
    sleeps: list[float] = []
    dead = OpenAIChatClient("m", "http://model-server.invalid:8000/v1", KEY, MANY, sleep=sleeps.append)
    with pytest.raises(ServerUnreachable) as info:
        dead.complete(MESSAGES, PARAMS)
    assert looked_up == ["model-server.invalid"] * 3 and len(sleeps) == 2
    assert "at http://model-server.invalid:8000/v1 (host name lookup failed: name or service not known)" in str(
        info.value)


def test_the_url_named_is_the_one_really_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert OpenAIChatClient("gpt", None, KEY, FAST).server_url == "https://api.openai.com/v1"
    url = f"{closed_port_url()}/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", url)  # the SDK's own setting, used when no base URL is given
    dead = OpenAIChatClient("m", None, KEY, MANY, sleep=lambda _: None)
    with pytest.raises(ServerUnreachable) as info:
        dead.complete(MESSAGES, PARAMS)
    assert info.value.url == url


@pytest.mark.parametrize("fault", [Fault.server_error(503), Fault.rate_limit(retry_after="0"), Fault.hang(30),
                                   Fault.truncated()], ids=["503", "429", "timeout", "dropped-stream"])
def test_a_server_that_answers_badly_is_never_unreachable(server: ChatServer, fault: Fault) -> None:
    server.push(fault, fault)
    with pytest.raises(RequestFailed) as info:
        client(server, policy=SHORT).complete(MESSAGES, PARAMS)
    assert type(info.value) is RequestFailed and "2 attempts (giving up)" in str(info.value)
    assert len(server.requests) == SHORT.max_retries + 1


def test_one_client_serves_many_threads(server: ChatServer) -> None:
    server.responder = lambda body: body["messages"][-1]["content"].upper()
    shared = client(server)
    results: dict[int, str] = {}

    def ask(i: int) -> None:
        results[i] = shared.complete([Message("user", f"question {i}")], PARAMS).text

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert results == {i: f"QUESTION {i}" for i in range(16)}
    assert len(server.requests) == 16
