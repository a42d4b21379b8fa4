"""Keeping CPU timing away from builds.

Builds take a shared hold; timing on a backend that runs on the host CPU takes
an exclusive hold, which waits for running builds to finish and holds back
new ones, so a compiler never steals cores from a measurement.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class BuildTimingGate:
    """A readers-writer lock that favours the writer (exclusive timing)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._builders = 0
        self._timing = False
        self._exclusive = False
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
    def timing(self, exclusive: bool) -> Iterator[None]:
        """One device user at a time; also exclusive of builds when ``exclusive``."""
        with self._cond:
            self._exclusive_waiting += exclusive
            self._cond.wait_for(lambda: not self._timing and (not exclusive or self._builders == 0))
            self._exclusive_waiting -= exclusive
            self._timing, self._exclusive = True, exclusive
        try:
            yield
        finally:
            with self._cond:
                self._timing = self._exclusive = False
                self._cond.notify_all()
