"""The socket between the judge (the worker) and the runner (the process that runs the candidate).

One message is a JSON header and an optional payload of tensors::

    [4-byte header length][header JSON][8-byte payload length][payload: torch.save bytes]

The judge trusts nothing that comes back: a header must be a JSON object, a
payload must fit the size the judge allows and is read with
``torch.load(weights_only=True)``, which only rebuilds plain tensors and
containers (never code, never a tensor subclass). Anything else raises
:class:`ChannelError`, which the judge turns into a verdict: a candidate that
writes to the socket itself gains a failed answer, never a pass.
"""

from __future__ import annotations

import io
import json
import socket
import struct
from typing import Any

_HEADER = struct.Struct(">I")
_PAYLOAD = struct.Struct(">Q")
_MAX_HEADER = 4 * 2**20


class ChannelError(Exception):
    """The other side closed the socket or sent something that is not a message."""


class Channel:
    """Framed messages over a connected stream socket."""

    def __init__(self, sock: socket.socket, max_payload: int = 2**40) -> None:
        self.sock = sock
        #: Payloads above this many bytes are refused unread (the judge sets it from what it expects).
        self.max_payload = max_payload

    @classmethod
    def from_fd(cls, fd: int) -> Channel:
        return cls(socket.socket(fileno=fd))

    def send(self, header: dict[str, Any], payload: Any = None) -> None:
        """Send ``header`` and, when given, ``payload`` (tensors, lists, dicts of them) serialised by torch."""
        body = json.dumps(header, default=str).encode()
        data = b""
        if payload is not None:
            import torch

            buffer = io.BytesIO()
            torch.save(payload, buffer)
            data = buffer.getvalue()
        self.sock.sendall(_HEADER.pack(len(body)) + body + _PAYLOAD.pack(len(data)))
        if data:
            self.sock.sendall(data)

    def receive(self, map_location: Any = None) -> tuple[dict[str, Any], Any]:
        """The next header and payload (None when there was none); ChannelError on anything malformed."""
        (length,) = _HEADER.unpack(self._exactly(_HEADER.size))
        if length > _MAX_HEADER:
            raise ChannelError(f"a message header of {length} bytes (the limit is {_MAX_HEADER})")
        try:
            header = json.loads(self._exactly(length))
        except ValueError as exc:
            raise ChannelError(f"a message header that is not JSON ({exc})") from None
        if not isinstance(header, dict):
            raise ChannelError("a message header that is not a JSON object")
        (size,) = _PAYLOAD.unpack(self._exactly(_PAYLOAD.size))
        if size > self.max_payload:
            raise ChannelError(f"a payload of {size} bytes, more than the {self.max_payload} expected")
        if not size:
            return header, None
        return header, _load_plain(self._exactly(size), map_location)

    def close(self) -> None:
        self.sock.close()

    def _exactly(self, count: int) -> bytes:
        chunks = bytearray()
        while len(chunks) < count:
            try:
                chunk = self.sock.recv(min(count - len(chunks), 1 << 20))
            except OSError as exc:
                raise ChannelError(f"the runner's socket failed: {exc}") from None
            if not chunk:
                raise ChannelError("the runner closed its socket (it exited or crashed)")
            chunks += chunk
        return bytes(chunks)


def _load_plain(data: bytes, map_location: Any) -> Any:
    import torch

    try:
        return torch.load(io.BytesIO(data), map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - whatever the bytes were, they are not plain tensors
        raise ChannelError(f"a payload that is not plain tensors ({type(exc).__name__}: {str(exc)[:200]})") from None
