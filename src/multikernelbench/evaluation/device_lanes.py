"""Sharing accelerators between candidates: checks may share a device, timing holds it alone.

Each device (GPU) is a lane. Up to ``checks_per_lane`` candidates are checked
on a lane at once; a candidate that passed and is to be timed asks for its
turn, and gets it when nobody else is on the lane: the checks still running
finish, and no new one starts while a turn is waited for, so timing is never
starved and never shares the device. Asking for the turn gives up the check
slot first, so two candidates waiting for their turns never wait on each other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class _Lane:
    index: int
    checkers: int = 0
    timer: LaneHold | None = None
    waiting: list[LaneHold] = field(default_factory=list)

    def open_to_checks(self, per_lane: int) -> bool:
        return self.timer is None and not self.waiting and self.checkers < per_lane


class LaneHold:
    """One candidate's place on a lane: checking, then (after :meth:`try_take_turn`) timing alone."""

    def __init__(self, lanes: DeviceLanes, lane: _Lane) -> None:
        self._lanes = lanes
        self._lane = lane
        self._state = "checking"  # -> "waiting" -> "timing"; "left" after release

    @property
    def lane(self) -> int:
        return self._lane.index

    def try_take_turn(self) -> bool:
        """True once this candidate has the device to itself; never blocks (call it again to poll)."""
        with self._lanes.cond:
            lane = self._lane
            if self._state == "timing":
                return True
            if self._state == "checking":
                lane.checkers -= 1
                lane.waiting.append(self)
                self._state = "waiting"
                self._lanes.cond.notify_all()
            if lane.timer is None and lane.checkers == 0 and lane.waiting[0] is self:
                lane.waiting.pop(0)
                lane.timer = self
                self._state = "timing"
                return True
            return False

    def release(self) -> None:
        with self._lanes.cond:
            lane = self._lane
            if self._state == "checking":
                lane.checkers -= 1
            elif self._state == "waiting":
                lane.waiting.remove(self)
            elif self._state == "timing":
                lane.timer = None
            self._state = "left"
            self._lanes.cond.notify_all()


class DeviceLanes:
    """The devices of one kind on this host, shared by the threads of one evaluator."""

    def __init__(self, lanes: int, checks_per_lane: int = 2) -> None:
        if lanes < 1 or checks_per_lane < 1:
            raise ValueError("device lanes need at least one lane and one check per lane")
        self.checks_per_lane = checks_per_lane
        self.cond = threading.Condition()
        self._lanes = [_Lane(i) for i in range(lanes)]

    @contextmanager
    def checking(self) -> Iterator[LaneHold]:
        """A check slot on the least busy lane that takes checks (waits for one)."""
        with self.cond:
            self.cond.wait_for(lambda: any(lane.open_to_checks(self.checks_per_lane) for lane in self._lanes))
            lane = min((lane for lane in self._lanes if lane.open_to_checks(self.checks_per_lane)),
                       key=lambda lane: lane.checkers)
            lane.checkers += 1
            hold = LaneHold(self, lane)
        try:
            yield hold
        finally:
            hold.release()

    @contextmanager
    def alone(self) -> Iterator[int]:
        """A lane to oneself (for timing without a check first); its index is yielded."""
        with self.checking() as hold:
            with self.cond:
                self.cond.wait_for(hold.try_take_turn)
            yield hold.lane
