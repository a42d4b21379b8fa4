"""Workers started before they are needed, so an evaluation does not wait for Python, torch and a GPU context.

A fresh worker spends a second or two (several on a GPU host, with its CUDA
context) before it can run anything. The pool keeps one started worker per
kind (interpreter, environment, device warm-up) waiting; taking it starts the
next one in the background. A worker is still used once: what one candidate
did can never reach the next. Spares are started from one long-lived thread,
because Linux ties a worker's "die with your parent" signal to the thread
that started it.
"""

from __future__ import annotations

import atexit
import queue
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from multikernelbench.evaluation.sandbox import StartedWorker, start_worker


@dataclass(frozen=True)
class WorkerKind:
    """What a worker is started with, before its request: interpreter, environment and device warm-up."""

    python: str
    env: tuple[tuple[str, str], ...]
    warm_device: str = ""

    @classmethod
    def of(cls, python: str, env: Mapping[str, str], warm_device: str = "") -> WorkerKind:
        return cls(python, tuple(sorted(env.items())), warm_device)


class WarmWorkers:
    """One spare worker per kind (at most ``max_spares`` kinds, the least recently wanted dropped first)."""

    def __init__(self, max_spares: int = 2) -> None:
        self.max_spares = max_spares
        self._spares: OrderedDict[WorkerKind, StartedWorker] = OrderedDict()
        self._lock = threading.Lock()
        self._wanted: queue.SimpleQueue[WorkerKind | None] = queue.SimpleQueue()
        self._closed = False
        self._starter = threading.Thread(target=self._start_spares, name="mkb-warm-workers", daemon=True)
        self._starter.start()

    def take(self, kind: WorkerKind) -> tuple[StartedWorker, bool]:
        """A started worker of ``kind`` and whether it was waiting already; a spare is then started for next time."""
        with self._lock:
            spare = self._spares.pop(kind, None)
            closed = self._closed
        if not closed:
            self._wanted.put(kind)
        if spare is not None and spare.proc.poll() is None:
            return spare, True
        if spare is not None:
            spare.discard()  # it died waiting (killed from outside): never hand that out
        return start_worker(kind.python, dict(kind.env), kind.warm_device), False

    def waiting(self, kind: WorkerKind) -> bool:
        """True when a started worker of ``kind`` waits for a request."""
        with self._lock:
            return kind in self._spares

    def close(self) -> None:
        """Stop starting spares and kill the ones waiting (their folders go too)."""
        with self._lock:
            self._closed = True
            spares, self._spares = list(self._spares.values()), {}
        self._wanted.put(None)
        for spare in spares:
            spare.discard()

    def _start_spares(self) -> None:
        while (kind := self._wanted.get()) is not None:
            with self._lock:
                if self._closed or kind in self._spares:
                    continue
            try:
                worker = start_worker(kind.python, dict(kind.env), kind.warm_device)
            except OSError:
                continue  # the interpreter cannot start: take() starts one itself and reports why
            evicted = []
            with self._lock:
                if self._closed or kind in self._spares:
                    evicted.append(worker)
                else:
                    self._spares[kind] = worker
                    while len(self._spares) > self.max_spares:
                        evicted.append(self._spares.popitem(last=False)[1])
            for spare in evicted:
                spare.discard()


_shared: WarmWorkers | None = None
_shared_lock = threading.Lock()


def shared_warm_workers() -> WarmWorkers:
    """This process's pool, shared by all its evaluators; its spares are killed when the process exits."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = WarmWorkers()
            atexit.register(_shared.close)
        return _shared
