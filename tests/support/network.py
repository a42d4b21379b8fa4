"""Addresses for tests of unreachable servers."""

from __future__ import annotations

import socket


def closed_port_url() -> str:
    """``http://127.0.0.1:PORT`` where nothing listens: a port the system just handed out, closed again."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
