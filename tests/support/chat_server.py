"""A real HTTP chat server on 127.0.0.1 for tests and benchmarks: OpenAI and Anthropic formats, scripted faults.

It answers ``POST /v1/chat/completions`` (OpenAI; ``base_url`` is ``.../v1``)
and ``POST /v1/messages`` (Anthropic; the SDK's base URL is the root, ``url``),
streamed as server-sent events or whole. The answer text comes from
``responder(request_json)``; a scripted fault, taken first-in first-out one
per request, can replace or disturb the answer::

    with ChatServer(responder=lambda body: "hi", faults=[Fault.rate_limit(retry_after="1")]) as server:
        client = OpenAIChatClient("m", server.base_url, "sk-test", policy)
        ...
        assert len(server.requests) == 2

Nothing sleeps unless a fault says so, and every connection gets a thread of
its own, so it can also measure a client's overhead under many concurrent
requests. Token counts are words (:func:`count_tokens`), so tests can predict them.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

DEFAULT_ANSWER = "Here is the answer you asked for."
OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"
# Where the reasoning text goes in OpenAI-format answers: its own field (two spellings) or inline as <think>.
REASONING_FIELDS = ("reasoning_content", "reasoning", "think")


def count_tokens(text: str) -> int:
    """The server's token count: whitespace-separated words."""
    return len(text.split())


def _words(text: str) -> list[str]:
    """``text`` cut into stream deltas, one word (with its trailing space) each; joined they give ``text`` back."""
    pieces: list[str] = []
    start = 0
    for i, char in enumerate(text):
        if char.isspace() and (i + 1 == len(text) or not text[i + 1].isspace()):
            pieces.append(text[start : i + 1])
            start = i + 1
    if start < len(text):
        pieces.append(text[start:])
    return pieces


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour, used up by the request that meets it. Build one with the class methods."""

    kind: str  # "status", "hang", "stall", "trickle", "malformed", "truncated", "empty" or "unauthorized"
    status: int = 200
    seconds: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def http_error(cls, status: int, retry_after: str | None = None, retry_after_ms: str | None = None) -> Fault:
        """Answer ``status`` with a JSON error body in the endpoint's format, and the given retry headers."""
        headers = []
        if retry_after is not None:
            headers.append(("Retry-After", retry_after))
        if retry_after_ms is not None:
            headers.append(("retry-after-ms", retry_after_ms))
        return cls("status", status=status, headers=tuple(headers))

    @classmethod
    def rate_limit(cls, retry_after: str | None = "1", retry_after_ms: str | None = None) -> Fault:
        """A 429; ``retry_after`` is the header's text (seconds or an HTTP date), None to send none."""
        return cls.http_error(429, retry_after, retry_after_ms)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        """A 5xx (529 is Anthropic's "overloaded")."""
        return cls.http_error(status)

    @classmethod
    def hang(cls, seconds: float) -> Fault:
        """Say nothing for ``seconds`` (or until the server closes), then answer normally."""
        return cls("hang", seconds=seconds)

    @classmethod
    def stall_mid_stream(cls, seconds: float) -> Fault:
        """Stream about half the answer, go silent for ``seconds``, then finish (if the client is still there).

        Only streamed requests stall; a whole answer is sent at once.
        """
        return cls("stall", seconds=seconds)

    @classmethod
    def trickle(cls, seconds: float) -> Fault:
        """Stream normally but wait ``seconds`` before every delta: never silent for long, yet slow overall."""
        return cls("trickle", seconds=seconds)

    @classmethod
    def malformed(cls) -> Fault:
        """A 200 whose body is not valid JSON (whole) or whose stream carries a broken event."""
        return cls("malformed")

    @classmethod
    def truncated(cls) -> Fault:
        """Cut the answer off halfway.

        A stream ends cleanly but unfinished (no finish_reason, no message_stop); a whole answer's connection
        drops mid-body.
        """
        return cls("truncated")

    @classmethod
    def empty(cls) -> Fault:
        """A normal, finished answer with empty content and no reasoning."""
        return cls("empty")

    @classmethod
    def unauthorized(cls) -> Fault:
        """A 401 whose message echoes the sent key masked as providers do: first 7 characters, ****, last 4."""
        return cls("unauthorized", status=401)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it arrived: header names are lower-case, ``arrived`` is ``time.monotonic()``."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    arrived: float = field(default_factory=time.monotonic)


def mask_key(key: str) -> str:
    """A key as providers echo it in an auth error."""
    return f"{key[:7]}****{key[-4:]}" if len(key) >= 16 else "****"


class ChatServer:
    """The fake chat API; use it as a context manager (``start``/``close`` otherwise)."""

    def __init__(self, responder: Callable[[dict[str, Any]], str] | None = None, reasoning: str = "",
                 reasoning_field: str = "reasoning_content", faults: Iterable[Fault] = ()) -> None:
        """A server that is not listening yet (``start()`` or ``with`` does that).

        ``responder`` maps the request's JSON to the answer text (default: DEFAULT_ANSWER). ``reasoning`` is
        sent beside it: as thinking blocks to Anthropic clients, and to OpenAI clients in ``reasoning_field``
        ("reasoning_content", "reasoning", or "think" for a ``<think>`` block leading the content).
        ``faults`` are the first ones queued.
        """
        if reasoning_field not in REASONING_FIELDS:
            raise ValueError(f"reasoning_field must be one of {REASONING_FIELDS}")
        self.responder = responder or (lambda body: DEFAULT_ANSWER)
        self.reasoning = reasoning
        self.reasoning_field = reasoning_field
        self._faults: deque[Fault] = deque(faults)
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------------------------
    def start(self) -> Self:
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.chat = self
        self._httpd = httpd
        # A short poll interval so close() does not wait half a second.
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()  # wakes scripted hangs and stalls
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what tests look at -------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The root, e.g. ``http://127.0.0.1:PORT`` (the Anthropic SDK's base URL)."""
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, ``http://127.0.0.1:PORT/v1``."""
        return f"{self.url}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    def push(self, *faults: Fault) -> None:
        """Queue faults for the next requests, after those already queued."""
        with self._lock:
            self._faults.extend(faults)

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    # -- used by the handler ------------------------------------------------------------------------------------
    def _arrive(self, request: RecordedRequest, answerable: bool) -> Fault | None:
        """Record a request and hand it the next fault (only if it is one we answer), atomically."""
        with self._lock:
            self._requests.append(request)
            return self._faults.popleft() if self._faults and answerable else None

    def _wait(self, seconds: float) -> None:
        if seconds > 0:  # the fast path: no fault, no wait
            self._closing.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many clients connecting at once must not be refused
    chat: ChatServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (timeouts, closed pools) are routine here; anything else is a bug worth a traceback.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def _prompt_words(body: dict[str, Any]) -> int:
    """Words in every message and the system prompt, whatever shape (string or blocks) they come in."""

    def text_of(content: Any) -> str:
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
        return ""

    parts = [text_of(m.get("content")) for m in body.get("messages") or [] if isinstance(m, dict)]
    parts.append(text_of(body.get("system")))
    return sum(count_tokens(part) for part in parts)


class _Handler(BaseHTTPRequestHandler):
    """Turns one request into an answer, a fault or both."""

    protocol_version = "HTTP/1.1"  # keep-alive, as real APIs do; streams use chunked encoding
    disable_nagle_algorithm = True  # else each small write after the headers waits ~40 ms for a delayed ACK
    server: _Server
    fault: Fault | None = None  # the current request's

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests want a quiet stderr

    # -- HTTP plumbing --------------------------------------------------------------------------------------------
    def _send_json(self, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

    def _send_bytes(self, status: int, data: bytes, content_type: str,
                    headers: Iterable[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _open_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _write(self, data: str) -> None:
        raw = data.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(raw), raw))  # one HTTP chunk, sent at once (wfile is unbuffered)

    def _close_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")

    # -- dispatch -------------------------------------------------------------------------------------------------
    def do_POST(self) -> None:  # the name http.server calls
        chat = self.server.chat
        path = urlsplit(self.path).path
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in self.headers.items()}
        known = path in (OPENAI_PATH, ANTHROPIC_PATH)
        body = body if isinstance(body, dict) else None
        fault = chat._arrive(RecordedRequest(path, headers, body), answerable=known and body is not None)
        try:
            if not known:
                self._send_json(404, {"error": {"message": f"no route {path}", "type": "not_found_error"}})
            elif body is None:
                self._send_json(400, {"error": {"message": "the body is not a JSON object",
                                                "type": "invalid_request_error"}})
            else:
                self._answer(path == ANTHROPIC_PATH, body, fault, headers)
        except OSError:
            # The client gave up (timeout, disconnect) while we hung or streamed: nothing left to tell it.
            self.close_connection = True

    def _answer(self, anthropic: bool, body: dict[str, Any], fault: Fault | None, headers: dict[str, str]) -> None:
        chat = self.server.chat
        self.fault = fault
        kind = fault.kind if fault else None
        if kind == "hang":
            chat._wait(fault.seconds)
        if kind == "status":
            self._send_error(anthropic, fault.status, f"scripted error {fault.status}", fault.headers)
            return
        if kind == "unauthorized":
            key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ").strip()
            self._send_error(anthropic, 401, f"Incorrect API key provided: {mask_key(key)}.")
            return
        empty = kind == "empty"
        text = "" if empty else chat.responder(body)
        reasoning = "" if empty else chat.reasoning
        usage = (_prompt_words(body), count_tokens(reasoning) + count_tokens(text))
        if anthropic:
            if body.get("stream"):
                self._anthropic_stream(body, text, reasoning, usage)
            else:
                self._anthropic_whole(body, text, reasoning, usage)
        elif body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._openai_stream(body, text, reasoning, usage if include_usage else None)
        else:
            self._openai_whole(body, text, reasoning, usage)

    def _send_error(self, anthropic: bool, status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> None:
        error_type = {401: "authentication_error", 429: "rate_limit_error", 529: "overloaded_error"}.get(
            status, "api_error" if status >= 500 else "invalid_request_error")
        if anthropic:
            payload: dict[str, Any] = {"type": "error", "error": {"type": error_type, "message": message}}
        else:
            code = "invalid_api_key" if status == 401 else None
            payload = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
        self._send_json(status, payload, headers)

    # -- what the faults do to an answer ----------------------------------------------------------------------------
    def _kind(self) -> str | None:
        return self.fault.kind if self.fault else None

    def _send_answer(self, payload: dict[str, Any]) -> None:
        """A whole answer as JSON, unless a fault breaks it or cuts it short."""
        data = json.dumps(payload).encode()
        if self._kind() == "malformed":
            self._send_bytes(200, data[: len(data) // 2], "application/json")  # valid length, invalid JSON
        elif self._kind() == "truncated":
            # Promise the whole body, send half, hang up: the connection drops mid-body.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
        else:
            self._send_json(200, payload)

    def _before_delta(self, index: int, total: int) -> bool:
        """Called before stream delta ``index`` of ``total``: waits as a fault says; False to stop streaming here."""
        kind, chat = self._kind(), self.server.chat
        if kind == "trickle" or (kind == "stall" and index == total // 2):
            chat._wait(self.fault.seconds)
        return not (index == total // 2 and kind == "truncated")

    # -- OpenAI format ----------------------------------------------------------------------------------------------
    def _openai_whole(self, body: dict[str, Any], text: str, reasoning: str, usage: tuple[int, int]) -> None:
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if reasoning and self.server.chat.reasoning_field == "think":
            message["content"] = f"<think>{reasoning}</think>\n{text}"
        elif reasoning:
            message[self.server.chat.reasoning_field] = reasoning
        self._send_answer({
            "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", ""),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
        })

    def _openai_stream(self, body: dict[str, Any], text: str, reasoning: str, usage: tuple[int, int] | None) -> None:
        chat = self.server.chat
        head = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": body.get("model", "")}

        def send(delta: dict[str, Any], finish_reason: str | None = None) -> None:
            choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
            self._write(f"data: {json.dumps({**head, 'choices': [choice]})}\n\n")

        self._open_stream()
        send({"role": "assistant", "content": ""})
        if self._kind() == "malformed":
            # A cut-off JSON event, then a proper end: the client must not take the stream for an answer.
            self._write('data: {"id": "chatcmpl-test", "choices": [{"delta": {"content": "tru\n\n')
            self._write("data: [DONE]\n\n")
            self._close_stream()
            return
        if chat.reasoning_field == "think":
            pieces = [("content", p) for p in _words(f"<think>{reasoning}</think>\n" if reasoning else "")]
        else:
            pieces = [(chat.reasoning_field, p) for p in _words(reasoning)]
        pieces += [("content", p) for p in _words(text)]
        for i, (name, piece) in enumerate(pieces):
            if not self._before_delta(i, len(pieces)):
                break
            send({name: piece})
        else:
            send({}, "stop")
            if usage is not None:  # asked for with stream_options.include_usage: a last chunk with no choices
                counts = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
                self._write(f"data: {json.dumps({**head, 'choices': [], 'usage': counts})}\n\n")
        self._write("data: [DONE]\n\n")
        self._close_stream()

    # -- Anthropic format ---------------------------------------------------------------------------------------------
    def _anthropic_whole(self, body: dict[str, Any], text: str, reasoning: str, usage: tuple[int, int]) -> None:
        content: list[dict[str, Any]] = []
        if reasoning:
            content.append({"type": "thinking", "thinking": reasoning, "signature": "sig"})
        content.append({"type": "text", "text": text})
        self._send_answer({
            "id": "msg_test", "type": "message", "role": "assistant", "model": body.get("model", ""),
            "content": content, "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
        })

    def _anthropic_stream(self, body: dict[str, Any], text: str, reasoning: str, usage: tuple[int, int]) -> None:
        def send(event: str, data: dict[str, Any]) -> None:
            self._write(f"event: {event}\ndata: {json.dumps({'type': event, **data})}\n\n")

        self._open_stream()
        send("message_start", {"message": {
            "id": "msg_test", "type": "message", "role": "assistant", "model": body.get("model", ""), "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": usage[0], "output_tokens": 1}}})
        send("ping", {})
        if self._kind() == "malformed":
            self._write('event: content_block_start\ndata: {"type": "content_block_start", "ind\n\n')
            self._close_stream()
            return
        # Blocks in order: thinking (if any) then text, each opened, filled by deltas and closed.
        blocks = []
        if reasoning:
            blocks.append(({"type": "thinking", "thinking": "", "signature": ""}, "thinking_delta", "thinking",
                           reasoning))
        blocks.append(({"type": "text", "text": ""}, "text_delta", "text", text))
        total = sum(len(_words(block[3])) for block in blocks)
        sent = 0
        for index, (start, delta_type, name, content) in enumerate(blocks):
            send("content_block_start", {"index": index, "content_block": start})
            for piece in _words(content):
                if not self._before_delta(sent, total):
                    self._close_stream()  # ends cleanly, but without message_delta and message_stop
                    return
                send("content_block_delta", {"index": index, "delta": {"type": delta_type, name: piece}})
                sent += 1
            if delta_type == "thinking_delta":
                send("content_block_delta", {"index": index, "delta": {"type": "signature_delta", "signature": "sig"}})
            send("content_block_stop", {"index": index})
        send("message_delta", {"delta": {"stop_reason": "end_turn", "stop_sequence": None},
                               "usage": {"input_tokens": usage[0], "output_tokens": usage[1]}})
        send("message_stop", {})
        self._close_stream()
