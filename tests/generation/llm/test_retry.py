"""The retry layer on its own: what is retried, how long it waits, and what it reports when it gives up."""

from __future__ import annotations

import email.utils

import pytest

from multikernelbench.generation.llm.base import Completion, RequestFailed
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


def run(script: Script, policy: RetryPolicy = POLICY, classify=no_classify) -> tuple[Completion, list[float]]:
    sleeps: list[float] = []
    result = run_with_retries(script, policy, classify, label="test/model", sleep=sleeps.append, rand=lambda: 0.5)
    return result, sleeps


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
