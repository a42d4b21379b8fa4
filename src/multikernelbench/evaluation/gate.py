"""Keeping timing on the host CPU away from builds.

Builds take a shared hold. Checking and timing on the host CPU take the
host's lane exclusively: the hold waits for running builds to finish and
holds back new ones, so a compiler never steals cores from a measurement.
Accelerators are shared through :mod:`multikernelbench.evaluation.device_lanes`
instead, while builds go on.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class BuildTimingGate:
    """A readers-writer lock that favours the writer (exclusive timing), with ``lanes`` writer slots."""

    def __init__(self, lanes: int = 1) -> None:
        if lanes < 1:
            raise ValueError("a gate needs at least one lane")
        self._cond = threading.Condition()
        self._builders = 0
        self._free = list(range(lanes))
        self._exclusive = 0
        self._exclusive_waiting = 0

    @contextmanager
    def building(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._exclusive and self._exclusive_waiting == 0)
            self._builders += 1
        try:
            yield
        finally:
            with self._cond:
                self._builders -= 1
                self._cond.notify_all()

    @contextmanager
    def timing(self, exclusive: bool) -> Iterator[int]:
        """Hold a free lane (its index is yielded); also exclusive of builds when ``exclusive``."""
        with self._cond:
            self._exclusive_waiting += exclusive
            self._cond.wait_for(lambda: bool(self._free) and (not exclusive or self._builders == 0))
            self._exclusive_waiting -= exclusive
            lane = self._free.pop(0)
            self._exclusive += exclusive
        try:
            yield lane
        finally:
            with self._cond:
                self._free.append(lane)
                self._free.sort()
                self._exclusive -= exclusive
                self._cond.notify_all()
