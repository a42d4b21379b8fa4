"""The fake chat server itself: faults are used up in order, one per request, and many requests run at once."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.support.chat_server import DEFAULT_ANSWER, ChatServer, Fault


def post(url: str, body: Any, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-echo-me-0123456789wxyz"}
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


CHAT = {"model": "m", "messages": [{"role": "user", "content": "two words"}]}


def test_faults_are_used_in_order_then_answers_are_normal() -> None:
    with ChatServer(faults=[Fault.rate_limit(retry_after="3")]) as server:
        server.push(Fault.server_error(502), Fault.unauthorized())
        url = f"{server.base_url}/chat/completions"
        statuses = [post(url, CHAT) for _ in range(4)]
        assert [status for status, _, _ in statuses] == [429, 502, 401, 200]
        assert statuses[0][1]["Retry-After"] == "3"
        assert "sk-echo****wxyz" in json.loads(statuses[2][2])["error"]["message"]
        answer = json.loads(statuses[3][2])
        assert answer["choices"][0]["message"]["content"] == DEFAULT_ANSWER
        assert answer["usage"]["prompt_tokens"] == 2
        assert server.pending_faults == 0 and len(server.requests) == 4
        assert server.requests[0].body == CHAT and server.requests[0].path == "/v1/chat/completions"


def test_stream_is_server_sent_events_with_usage_last() -> None:
    with ChatServer(responder=lambda body: "a b c") as server:
        _, headers, raw = post(f"{server.base_url}/chat/completions",
                               {**CHAT, "stream": True, "stream_options": {"include_usage": True}})
    assert headers["Content-Type"] == "text/event-stream"
    events = [line.removeprefix("data: ") for line in raw.decode().split("\n\n") if line]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"]) == "a b c"
    assert len(chunks) >= 5  # role, three words, finish, usage
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 3


def test_unknown_path_and_bad_body_do_not_use_up_faults() -> None:
    with ChatServer(faults=[Fault.server_error()]) as server:
        assert post(f"{server.url}/v2/other", CHAT)[0] == 404
        assert post(f"{server.base_url}/chat/completions", ["not", "an", "object"])[0] == 400
        assert server.pending_faults == 1
        assert post(f"{server.base_url}/chat/completions", CHAT)[0] == 500
        assert len(server.requests) == 3


def test_close_wakes_a_hanging_request() -> None:
    server = ChatServer(faults=[Fault.hang(60)]).start()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(post(f"{server.base_url}/chat/completions", CHAT)[0]))
    thread.start()
    while not server.requests:
        time.sleep(0.01)
    started = time.monotonic()
    server.close()
    thread.join(timeout=5)
    assert time.monotonic() - started < 2.0
    assert not thread.is_alive() and result == [200]  # woken early, it still answers


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages"])
def test_many_concurrent_requests_are_all_answered(path: str) -> None:
    with ChatServer() as server:
        statuses: list[int] = []
        lock = threading.Lock()

        def ask() -> None:
            status = post(server.url + path, {**CHAT, "max_tokens": 10})[0]
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=ask) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert statuses == [200] * 40 and len(server.requests) == 40
