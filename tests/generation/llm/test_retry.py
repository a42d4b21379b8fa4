"""The retry layer on its own: what is retried, how long it waits, and what it reports when it gives up."""

from __future__ import annotations

import email.utils
import errno
import socket

import pytest

from multikernelbench.errors import UserError
from multikernelbench.generation.llm.base import (
    Completion,
    RequestFailed,
    ServerUnreachable,
)
from multikernelbench.generation.llm.retry import (
    AttemptFailed,
    RetryPolicy,
    backoff_s,
    common_failure,
    error_detail,
    is_retryable_status,
    retry_after_s,
    run_with_retries,
    status_failure,
    unreachable_reason,
)
from multikernelbench.secrets import register_secret

POLICY = RetryPolicy(max_retries=3, base_backoff_s=1.0, max_backoff_s=10.0)


class Script:
    """An attempt callable that fails as scripted, then answers; it counts its calls."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> Completion:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return Completion(text="answer", latency_s=0.1)


def no_classify(err: Exception) -> AttemptFailed | None:
    return None


def run(script: Script, policy: RetryPolicy = POLICY, classify=no_classify,
        sleeps: list[float] | None = None) -> tuple[Completion, list[float]]:
    sleeps = [] if sleeps is None else sleeps
    result = run_with_retries(script, policy, classify, label="test/model", server_url=URL, sleep=sleeps.append,
                              rand=lambda: 0.5)
    return result, sleeps


URL = "http://10.0.0.7:8000/v1"


def refused() -> AttemptFailed:
    return AttemptFailed("connection refused", retryable=True, unreachable=True)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_transient_statuses_are_retryable(status: int) -> None:
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_caller_errors_are_not_retryable(status: int) -> None:
    assert not is_retryable_status(status)


def test_retry_after_in_seconds_milliseconds_and_dates() -> None:
    assert retry_after_s({"Retry-After": "7"}) == 7.0
    assert retry_after_s({"retry-after": "1.5"}) == 1.5
    # retry-after-ms is more precise, so it wins.
    assert retry_after_s({"Retry-After": "7", "retry-after-ms": "250"}) == 0.25
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 12, usegmt=True)
    assert retry_after_s({"Retry-After": date}, now=now) == pytest.approx(12.0)
    past = email.utils.formatdate(now - 100, usegmt=True)
    assert retry_after_s({"Retry-After": past}, now=now) == 0.0


@pytest.mark.parametrize("headers", [None, {}, {"Retry-After": "soon"}, {"Retry-After": "-3"},
                                     {"retry-after-ms": "x"}, {"X-Other": "5"}])
def test_retry_after_absent_or_unusable_is_none(headers: dict[str, str] | None) -> None:
    assert retry_after_s(headers) is None


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(base_backoff_s=1.0, max_backoff_s=10.0)
    assert backoff_s(0, policy, lambda: 0.0) == 0.5
    assert backoff_s(0, policy, lambda: 1.0) == 1.0
    assert backoff_s(2, policy, lambda: 1.0) == 4.0
    assert backoff_s(3, policy, lambda: 0.5) == 6.0
    assert backoff_s(10, policy, lambda: 1.0) == 10.0  # 1024 s capped
    assert backoff_s(10, policy, lambda: 0.0) == 5.0
    assert backoff_s(5000, policy, lambda: 1.0) == 10.0  # no overflow however many retries


def test_success_first_time_is_one_attempt_without_sleeping() -> None:
    result, sleeps = run(Script())
    assert (result.text, result.attempts, result.latency_s) == ("answer", 1, 0.1)
    assert sleeps == []


def test_retries_then_success_counts_attempts_and_honours_retry_after() -> None:
    script = Script(status_failure(429, "slow down", {"Retry-After": "3"}), status_failure(503, "busy"))
    result, sleeps = run(script)
    assert result.attempts == 3 and script.calls == 3
    # The server's delay first, then our own backoff for the second retry (base * 2 * (0.5 + 0.5 * 0.5)).
    assert sleeps == [3.0, 1.5]


def test_retry_after_is_capped_at_max_backoff() -> None:
    _, sleeps = run(Script(status_failure(429, "slow down", {"Retry-After": "3600"})))
    assert sleeps == [10.0]


def test_gives_up_after_max_retries_plus_one_attempts() -> None:
    script = Script(*[status_failure(500, "boom") for _ in range(10)])
    with pytest.raises(RequestFailed) as info:
        run(script)
    assert script.calls == POLICY.max_retries + 1
    message = str(info.value)
    assert "\n" not in message
    assert "test/model" in message and "4 attempts" in message and "HTTP 500: boom" in message


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_non_retryable_status_fails_at_once(status: int) -> None:
    script = Script(status_failure(status, "no"), status_failure(status, "no"))
    with pytest.raises(RequestFailed, match=f"1 attempt .*HTTP {status}"):
        run(script)
    assert script.calls == 1


def test_zero_retries_means_one_attempt() -> None:
    script = Script(status_failure(500, "boom"))
    with pytest.raises(RequestFailed):
        run(script, RetryPolicy(max_retries=0))
    assert script.calls == 1


def test_classify_turns_sdk_errors_into_retries_and_unknown_errors_propagate() -> None:
    class SdkError(Exception):
        pass

    def classify(err: Exception) -> AttemptFailed | None:
        return AttemptFailed("flaky", retryable=True) if isinstance(err, SdkError) else None

    result, _ = run(Script(SdkError(), SdkError()), classify=classify)
    assert result.attempts == 3
    # A bug in our own code is not a network failure: it must not be retried or disguised, only redacted.
    key = "sk-buggy-path-0123456789abcdef"
    register_secret(key)
    script = Script(ValueError(f"bad header value Bearer {key}", 3))
    with pytest.raises(ValueError) as info:
        run(script, classify=classify)
    assert script.calls == 1
    assert key not in str(info.value) and info.value.args[1] == 3


def test_failure_message_is_redacted_one_line_and_not_chained() -> None:
    key = "sk-retrytest-0123456789abcdefXYZW"
    register_secret(key)
    script = Script(status_failure(401, f"bad key {key}\nsee docs"))
    with pytest.raises(RequestFailed) as info:
        run(script)
    message = str(info.value)
    assert key not in message and key[-4:] not in message and "\n" not in message
    assert "[redacted]" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_error_detail_reads_provider_bodies() -> None:
    assert error_detail({"error": {"message": "model not found"}}, "x") == "model not found"
    assert error_detail({"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}, "x") == "busy"
    assert error_detail({"message": "flat"}, "x") == "flat"
    assert error_detail("plain text", "x") == "plain text"
    assert error_detail(None, "fallback") == "fallback"
    assert error_detail({"error": {"code": 5}}, "fallback") == "fallback"


def test_common_failure_knows_decode_and_transport_errors_only() -> None:
    import json

    httpx2 = pytest.importorskip("httpx2")
    with pytest.raises(json.JSONDecodeError) as info:
        json.loads("{")
    assert common_failure(info.value).retryable
    assert "malformed" in common_failure(info.value).reason
    assert common_failure(httpx2.ReadTimeout("slow")).retryable
    assert common_failure(httpx2.ConnectError("refused")).retryable
    assert common_failure(RuntimeError("bug")) is None


def test_unreachable_server_gets_three_quick_attempts_then_one_line_naming_the_url() -> None:
    script = Script(*[refused() for _ in range(10)])
    sleeps: list[float] = []
    with pytest.raises(ServerUnreachable) as info:
        run(script, RetryPolicy(max_retries=5, base_backoff_s=1.0, max_backoff_s=60.0), sleeps=sleeps)
    # Three attempts within 3 s, although five retries were allowed for servers that answer.
    assert script.calls == 3 and sleeps == [1.0, 2.0]
    message = str(info.value)
    assert message == (f"cannot reach the model server at {URL} (connection refused); "
                       "check --base-url and that the server is running")
    assert (info.value.url, info.value.reason) == (URL, "connection refused")
    # The CLI prints a UserError as one line; callers that catch RequestFailed still see a failed request.
    assert isinstance(info.value, UserError) and isinstance(info.value, RequestFailed)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_unreachable_server_with_zero_retries_is_one_attempt() -> None:
    script = Script(refused(), refused())
    with pytest.raises(ServerUnreachable):
        run(script, RetryPolicy(max_retries=0))
    assert script.calls == 1


def test_a_server_that_comes_up_within_the_quick_attempts_is_answered() -> None:
    result, sleeps = run(Script(refused(), refused()))
    assert result.attempts == 3 and sleeps == [1.0, 2.0]


def test_a_server_that_answered_in_between_keeps_its_full_retries() -> None:
    # Refused twice, a 503 (the server is there), refused twice more: never three in a row.
    script = Script(refused(), refused(), status_failure(503, "starting"), refused(), refused())
    result, sleeps = run(script, RetryPolicy(max_retries=5, base_backoff_s=1.0, max_backoff_s=60.0))
    assert result.attempts == 6 and sleeps == [1.0, 2.0, 3.0, 1.0, 2.0]


def test_unreachable_url_is_redacted_and_optional() -> None:
    key = "sk-urltest-0123456789abcdefghij"
    register_secret(key)
    with pytest.raises(ServerUnreachable) as info:
        run_with_retries(Script(refused()), RetryPolicy(max_retries=0), no_classify,
                         server_url=f"http://10.0.0.7/{key}/v1", sleep=lambda _: None)
    assert key not in str(info.value) and "[redacted]" in str(info.value)
    with pytest.raises(ServerUnreachable, match=r"^cannot reach the model server \(connection refused\)"):
        run_with_retries(Script(refused()), RetryPolicy(max_retries=0), no_classify, sleep=lambda _: None)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 529])
def test_transient_statuses_keep_their_full_retries_and_are_not_unreachable(status: int) -> None:
    failure = status_failure(status, "busy")
    assert failure.retryable and not failure.unreachable
    script = Script(*[status_failure(status, "busy") for _ in range(10)])
    with pytest.raises(RequestFailed) as info:
        run(script)
    assert script.calls == POLICY.max_retries + 1 and not isinstance(info.value, ServerUnreachable)


def _chained(outer: BaseException, inner: BaseException) -> BaseException:
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(("error", "reason"), [
    (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "connection refused"),
    (socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
     "host name lookup failed: name or service not known"),
    (socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
     "host name lookup failed: temporary failure in name resolution"),
    (OSError(errno.EHOSTUNREACH, "No route to host"), "no route to host"),
    (OSError(errno.ENETUNREACH, "Network is unreachable"), "network unreachable"),
    # As the SDKs raise it: their error, caused by httpx's, caused by httpcore's holding the socket error.
    (_chained(RuntimeError("Connection error."),
              _chained(ConnectionError("[Errno 111]"), Exception(ConnectionRefusedError(111, "refused")))),
     "connection refused"),
])
def test_no_server_at_the_address_is_unreachable(error: BaseException, reason: str) -> None:
    assert unreachable_reason(error) == reason


@pytest.mark.parametrize("error", [
    ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),  # a server was there
    BrokenPipeError(errno.EPIPE, "Broken pipe"),
    TimeoutError("timed out"),
    OSError(errno.EMFILE, "Too many open files"),
    RuntimeError("Connection error."),
    _chained(RuntimeError("Connection error."), ValueError("bad")),
])
def test_other_connection_troubles_are_not_unreachable(error: BaseException) -> None:
    assert unreachable_reason(error) is None


def test_common_failure_tells_a_refused_connect_from_a_timeout_or_a_dropped_stream() -> None:
    httpx2 = pytest.importorskip("httpx2")
    refused_connect = _chained(httpx2.ConnectError("[Errno 111] Connection refused"),
                               ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"))
    failure = common_failure(refused_connect)
    assert failure.unreachable and failure.retryable and failure.reason == "connection refused"
    # A timeout after the connection was accepted, or a stream cut short: a server is there, retry as usual.
    accepted_then_timeout = _chained(httpx2.ReadTimeout("timed out"), TimeoutError("timed out"))
    dropped = httpx2.RemoteProtocolError("peer closed connection without sending complete message body")
    for error in (accepted_then_timeout, dropped):
        failure = common_failure(error)
        assert failure.retryable and not failure.unreachable, error
