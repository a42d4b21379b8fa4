"""The judge-runner socket: messages round-trip, and nothing but plain tensors and JSON comes back."""

from __future__ import annotations

import io
import os
import pickle
import socket
import struct

import pytest
import torch

from multikernelbench.evaluation.runner_channel import Channel, ChannelError


@pytest.fixture
def pair() -> tuple[Channel, Channel]:
    a, b = socket.socketpair()
    yield Channel(a), Channel(b)
    a.close()
    b.close()


def test_headers_and_tensors_round_trip(pair: tuple[Channel, Channel]) -> None:
    judge, runner = pair
    tensors = {"output": torch.arange(6.0).reshape(2, 3), "inputs_after": [torch.ones(2), 3]}
    runner.send({"ok": True, "ms": 0.5}, tensors)
    header, body = judge.receive()
    assert header == {"ok": True, "ms": 0.5}
    assert torch.equal(body["output"], tensors["output"]) and body["inputs_after"][1] == 3


def test_a_message_without_payload_has_none(pair: tuple[Channel, Channel]) -> None:
    judge, runner = pair
    runner.send({"ok": False, "error": "boom"})
    assert judge.receive() == ({"ok": False, "error": "boom"}, None)


def test_a_pickled_object_is_refused_not_run(pair: tuple[Channel, Channel], tmp_path) -> None:
    judge, runner = pair
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):  # noqa: ANN204 - what an attacker's payload looks like
            return (os.system, (f"touch {marker}",))

    data = pickle.dumps(Evil())
    body = b'{"ok": true}'
    runner.sock.sendall(struct.pack(">I", len(body)) + body + struct.pack(">Q", len(data)) + data)
    with pytest.raises(ChannelError, match="not plain tensors"):
        judge.receive()
    assert not marker.exists()


class Lying(torch.Tensor):
    """A tensor subclass an answer could return to override comparisons."""


def test_a_tensor_subclass_does_not_come_back_as_one(pair: tuple[Channel, Channel]) -> None:
    judge, runner = pair
    buffer = io.BytesIO()
    torch.save(torch.ones(3).as_subclass(Lying), buffer)
    data, body = buffer.getvalue(), b'{"ok": true}'
    runner.sock.sendall(struct.pack(">I", len(body)) + body + struct.pack(">Q", len(data)) + data)
    with pytest.raises(ChannelError, match="not plain tensors"):
        judge.receive()


@pytest.mark.parametrize("junk", [b"\x00\x00\x00\x05hello", b"\x00\x00\x00\x02[]" + b"\x00" * 8,
                                  b"\xff\xff\xff\xff"])
def test_junk_is_a_channel_error(pair: tuple[Channel, Channel], junk: bytes) -> None:
    judge, runner = pair
    runner.sock.sendall(junk)
    runner.sock.close()
    with pytest.raises(ChannelError):
        judge.receive()


def test_a_payload_over_the_limit_is_refused_unread(pair: tuple[Channel, Channel]) -> None:
    judge, runner = pair
    judge.max_payload = 1000
    runner.send({"ok": True}, torch.zeros(10_000))
    with pytest.raises(ChannelError, match="more than the 1000 expected"):
        judge.receive()


def test_a_closed_socket_says_so(pair: tuple[Channel, Channel]) -> None:
    judge, runner = pair
    runner.sock.close()
    with pytest.raises(ChannelError, match="closed its socket"):
        judge.receive()
