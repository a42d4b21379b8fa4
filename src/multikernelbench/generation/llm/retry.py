"""Retrying one chat request: which failures are worth another attempt, and how long to wait before it.

A client makes one attempt at a time; :func:`run_with_retries` repeats it on
rate limits, server errors, timeouts, dropped connections and malformed replies,
and gives up at once on errors that another attempt cannot fix (bad request,
bad key, unknown model). The server's ``Retry-After`` wins over our own
backoff, within ``max_backoff_s``. The final :class:`RequestFailed` is one
redacted line.

A connection that no server answered (refused, unknown host, no route) is
tried only a few times, quickly, in case the server is restarting; then
:class:`ServerUnreachable` says so, naming the URL, and the caller stops
instead of sending every other request to the same dead address.
"""

from __future__ import annotations

import email.utils
import errno
import json
import random
import re
import socket
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from multikernelbench.generation.llm.base import (
    Completion,
    RequestFailed,
    ServerUnreachable,
)
from multikernelbench.secrets import redact

# Statuses another attempt may fix: timeout, conflict, rate limit; every 5xx is checked separately.
RETRYABLE_STATUSES = frozenset({408, 409, 429})
MAX_REASON_CHARS = 300
# Socket errors that mean no server took the connection at all (a connect-time failure: nothing was sent).
UNREACHABLE_ERRNOS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "no route to host",
}


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts are ``max_retries + 1`` at most, each bounded by ``request_timeout_s``.

    A server that cannot be reached gets at most ``unreachable_attempts`` attempts in a row, waiting
    ``unreachable_backoff_s``, then twice that, ... between them (about 3 s in all by default).
    """

    max_retries: int = 5
    base_backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    request_timeout_s: float = 600.0
    unreachable_attempts: int = 3
    unreachable_backoff_s: float = 1.0


class AttemptFailed(Exception):
    """One attempt got no usable answer; says whether another may, and how long the server asked us to wait."""

    def __init__(self, reason: str, *, retryable: bool, status: int | None = None,
                 retry_after_s: float | None = None, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.status = status
        self.retry_after_s = retry_after_s
        self.unreachable = unreachable  # no server took the connection: retried briefly, then ServerUnreachable

    def describe(self) -> str:
        """A short one-line reason, e.g. "HTTP 429: rate limited"."""
        reason = one_line(self.reason)
        return f"HTTP {self.status}: {reason}" if self.status is not None else reason


def one_line(text: str, limit: int = MAX_REASON_CHARS) -> str:
    """``text`` squeezed onto one line and cut to ``limit`` characters."""
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_retryable_status(status: int) -> bool:
    """True for statuses worth another attempt (408, 409, 429, 5xx); other 4xx are the caller's fault."""
    return status in RETRYABLE_STATUSES or status >= 500


def status_failure(status: int, reason: str, headers: Mapping[str, str] | None = None) -> AttemptFailed:
    """The failure for an HTTP error status, with the server's requested delay when it sent one."""
    return AttemptFailed(reason, retryable=is_retryable_status(status), status=status,
                         retry_after_s=retry_after_s(headers))


def retry_after_s(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """The delay the server asked for: ``retry-after-ms``, else ``Retry-After`` in seconds or as an HTTP date.

    None when it asked for nothing usable (absent, garbage, negative); ``now`` is a Unix time, for tests.
    """
    if not headers:
        return None
    lowered = {key.lower(): value for key, value in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis is not None:
        try:
            value = float(millis) / 1000.0
        except ValueError:
            value = -1.0
        if value >= 0:
            return value
    text = lowered.get("retry-after")
    if text is None:
        return None
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:  # some Python versions return None instead of raising
            return None
        # A date in the past means "now"; the server is ready.
        return max(0.0, when.timestamp() - (time.time() if now is None else now))
    return value if value >= 0 else None


def backoff_s(retry: int, policy: RetryPolicy, rand: Callable[[], float] = random.random) -> float:
    """Our own wait before retry number ``retry`` (0-based): exponential, half of it jittered, capped."""
    ceiling = min(policy.max_backoff_s, policy.base_backoff_s * 2.0 ** min(retry, 64))  # no float overflow
    # Jitter spreads out clients that failed together; keeping half fixed keeps a floor under the wait.
    return ceiling * (0.5 + 0.5 * rand())


def run_with_retries(attempt: Callable[[], Completion], policy: RetryPolicy,
                     classify: Callable[[Exception], AttemptFailed | None], *, label: str = "request",
                     server_url: str | None = None, sleep: Callable[[float], None] = time.sleep,
                     rand: Callable[[], float] = random.random) -> Completion:
    """Call ``attempt`` until it returns, at most ``policy.max_retries + 1`` times; the count goes in ``attempts``.

    ``attempt`` raises :class:`AttemptFailed` itself or an SDK error that ``classify`` turns into one;
    an error ``classify`` does not know (None) is a bug and propagates, its message redacted. Raises
    :class:`RequestFailed` (redacted, one line) on a non-retryable failure or when attempts run out, and
    :class:`ServerUnreachable` (naming ``server_url``, which must already be fit to show) when the last
    attempts found no server there.
    """
    attempts = 0
    unreachable = 0  # attempts in a row that found no server
    while True:
        attempts += 1
        try:
            result = attempt()
        except AttemptFailed as err:
            failure = err
        except Exception as err:
            classified = classify(err)
            if classified is None:
                # Unchanged type and traceback, but its message is no more trusted than any other.
                err.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in err.args)
                raise
            failure = classified
        else:
            return replace(result, attempts=attempts)
        unreachable = unreachable + 1 if failure.unreachable else 0
        if unreachable and (unreachable >= policy.unreachable_attempts or attempts > policy.max_retries):
            # Every other request would meet the same closed door: say so once, with the URL, and stop.
            url = redact(server_url) if server_url else None
            raise ServerUnreachable(url, one_line(redact(failure.reason))) from None
        if not failure.retryable or attempts > policy.max_retries:
            plural = "" if attempts == 1 else "s"
            verdict = "not retryable" if not failure.retryable else "giving up"
            message = f"{label} failed after {attempts} attempt{plural} ({verdict}): {failure.describe()}"
            # `from None`: the SDK's chained error may carry raw headers or bodies that we did not redact.
            raise RequestFailed(redact(message)) from None
        delay = failure.retry_after_s
        if unreachable:
            # Seconds, not minutes: enough for a server that is restarting; one still loading a model is not soon.
            delay = policy.unreachable_backoff_s * 2.0 ** (unreachable - 1)
        elif delay is None:
            delay = backoff_s(attempts - 1, policy, rand)
        sleep(min(delay, policy.max_backoff_s))


def error_detail(body: object, fallback: str) -> str:
    """The human part of a provider's error body (``{"error": {"message": ...}}`` and the like), else ``fallback``."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
        if isinstance(inner, str):
            return inner
    elif isinstance(body, str) and body.strip():
        return body
    return fallback


def malformed(reason: str) -> AttemptFailed:
    """A reply we could not read: another attempt usually gets a whole one."""
    return AttemptFailed(f"malformed reply: {reason}", retryable=True)


def unreachable_reason(err: BaseException) -> str | None:
    """Why no server took the connection ("connection refused", "no route to host", a failed host lookup), else None.

    Looks down the chain of causes, where the SDKs and httpx keep the socket error. Resets, timeouts and
    dropped streams are not here: a server answered, or may still, so they keep their full retries.
    """
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            detail = current.strerror or str(current) or "unknown host"
            return f"host name lookup failed: {detail[:1].lower()}{detail[1:]}"
        if isinstance(current, OSError) and current.errno in UNREACHABLE_ERRNOS:
            return UNREACHABLE_ERRNOS[current.errno]
        # httpcore keeps the socket error as its argument rather than as a cause.
        wrapped = next((arg for arg in current.args if isinstance(arg, BaseException)), None)
        current = current.__cause__ or current.__context__ or wrapped
    return None


def connection_failure(err: BaseException, description: str) -> AttemptFailed:
    """A failed connection: unreachable when no server took it, else an ordinary retryable connection error."""
    reason = unreachable_reason(err)
    if reason is not None:
        return AttemptFailed(reason, retryable=True, unreachable=True)
    return AttemptFailed(f"connection error ({description})", retryable=True)


def common_failure(err: Exception) -> AttemptFailed | None:
    """Failures every SDK can let through unwrapped: undecodable bodies and raw HTTP transport errors."""
    if isinstance(err, (json.JSONDecodeError, UnicodeDecodeError)):
        return malformed(f"{type(err).__name__}: {err}")
    # Looked up, not imported: if the SDK never loaded httpx2 (or legacy httpx), the error cannot be one of theirs.
    for name in ("httpx2", "httpx"):
        module = sys.modules.get(name)
        if module is None:
            continue
        if isinstance(err, module.TimeoutException):
            return AttemptFailed(f"timed out ({type(err).__name__})", retryable=True)
        if isinstance(err, module.RequestError):
            return connection_failure(err, f"{type(err).__name__}: {err}")
    return None
