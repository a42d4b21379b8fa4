"""The progress display of ``mkb run``: what a long run is doing, and how long it has left.

On a terminal, a live block under the scrolling per-answer lines: answers done of all, passing so far,
requests and evaluations in flight, failed requests, elapsed time and ETA, and a line per category that
moves as answers finish, and on a cluster a line with each lane's evaluations in flight. Elsewhere (CI
logs, a pipe) it is line-oriented and quiet: the per-answer lines and a summary line every tenth of the run,
and at least once a minute while nothing finishes (long builds).

Thread-safe: the run's worker threads report to it; rich redraws it from its own thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.columns import Columns
from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from multikernelbench.records import EvalRecord

_LOG_EVERY_S = 60.0
_LOG_SHARE = 0.1


def duration(seconds: float) -> str:
    """62 -> "1m02s", 3725 -> "1h02m", 9 -> "9s"."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


@dataclass
class _Category:
    total: int
    done: int = 0
    passed: int = 0


@dataclass
class RunCounts:
    """Counts a display shows; ``done`` and ``passed`` include what earlier runs of the same command did."""

    total: int
    done: int
    passed: int = 0
    failed_requests: int = 0
    task_errors: int = 0
    asking: int = 0
    evaluating: int = 0
    done_now: int = 0  # finished in this process, for the ETA
    categories: dict[str, _Category] = field(default_factory=dict)


class RunDisplay:
    """Live (terminal) or line-oriented (elsewhere) progress of one run."""

    def __init__(self, console: Console, total: int, done: int, categories: Mapping[str, int],
                 done_by_category: Mapping[str, tuple[int, int]] | None = None, passed: int = 0,
                 clock: Callable[[], float] = time.monotonic, heartbeat_s: float = _LOG_EVERY_S,
                 lanes: Callable[[], Sequence[tuple[str, int, int]]] | None = None) -> None:
        self.console = console
        #: On a cluster: (label, evaluations in flight, capacity) of each lane.
        self.lanes = lanes
        self.clock = clock
        self.started = clock()
        self.counts = RunCounts(total=total, done=done, passed=passed, categories={
            name: _Category(count, *(done_by_category or {}).get(name, (0, 0))) for name, count in categories.items()})
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._last_log = self.started
        self._logged_done = done
        self.heartbeat_s = heartbeat_s

    # ---- events, from any thread ----

    def asking(self, delta: int) -> None:
        """A request to the model started (+1) or ended (-1)."""
        with self._lock:
            self.counts.asking += delta

    def evaluating(self, delta: int) -> None:
        """An evaluation (build, check, time) started (+1) or ended (-1)."""
        with self._lock:
            self.counts.evaluating += delta

    def answer(self, category: str, task: str, sample: int, turn: int, record: EvalRecord, turns: int) -> None:
        """One answer's verdict: a line of its own."""
        verdict = "pass" if record.passed else f"fail ({record.failed_phase or 'integrity'})"
        speed = f" {record.speedup:.2f}x" if record.speedup is not None else ""
        where = f" turn {turn}" if turns > 1 else ""
        self._line(f"{category}/{task} #{sample}{where}: {verdict}{speed}")

    def finished(self, category: str, passed: bool, failed_request: str | None = None,
                 label: str | None = None) -> None:
        """A (task, sample) pair is as far as it goes in this run."""
        with self._lock:
            counts = self.counts
            counts.done += 1
            counts.done_now += 1
            counts.passed += passed
            counts.failed_requests += failed_request is not None
            entry = counts.categories.setdefault(category, _Category(0))
            entry.done += 1
            entry.passed += passed
        if failed_request is not None:
            self._line(f"{label or category}: no answer ({failed_request})")
        self._maybe_log()

    def note(self, text: str) -> None:
        """A line of its own about one answer (e.g. an evaluation lost with its lanes)."""
        self._line(text)

    def task_error(self, task: str, error: str) -> None:
        with self._lock:
            self.counts.task_errors += 1
        self._line(f"{task}: not judged: {error}")

    # ---- rendering ----

    def eta_s(self) -> float | None:
        """Seconds left at this run's pace so far; None before the first pair finishes."""
        counts = self.counts
        if counts.done_now == 0:
            return None
        elapsed = self.clock() - self.started
        return elapsed / counts.done_now * max(0, counts.total - counts.done)

    def summary(self) -> str:
        counts = self.counts
        eta = self.eta_s()
        parts = [f"{counts.done}/{counts.total} answers", f"{counts.passed} passing",
                 f"in flight: {counts.asking} asking, {counts.evaluating} evaluating"]
        if counts.failed_requests:
            parts.append(f"{counts.failed_requests} failed requests")
        if counts.task_errors:
            parts.append(f"{counts.task_errors} task errors")
        if self.lanes is not None:
            load = self.lanes()
            parts.append(f"lanes busy {sum(1 for _, busy, _ in load if busy)}/{len(load)}")
        parts.append(f"elapsed {duration(self.clock() - self.started)}")
        parts.append(f"ETA {duration(eta)}" if eta is not None else "ETA -")
        return ", ".join(parts)

    def render(self) -> Group:
        with self._lock:
            counts = self.counts
            share = counts.done / counts.total if counts.total else 1.0
            width = 30
            bar = "#" * int(share * width) + "-" * (width - int(share * width))
            head = Text(f"[{bar}] {self.summary()}")
            cells = [Text(f"{name} {c.done}/{c.total} ({c.passed} pass)", style="green" if c.done == c.total else "")
                     for name, c in sorted(counts.categories.items())]
        parts = [head, Columns(cells, padding=(0, 2))]
        if self.lanes is not None:
            parts.append(Columns([Text(f"{label} {busy}/{capacity}", style="cyan" if busy else "dim")
                                  for label, busy, capacity in self.lanes()], padding=(0, 2)))
        return Group(*parts)

    def _line(self, text: str) -> None:
        (self._live.console if self._live else self.console).print(text, markup=False, highlight=False,
                                                                   soft_wrap=True)

    def _maybe_log(self) -> None:
        if self._live is not None:
            return
        now = self.clock()
        with self._lock:
            step = max(1, int(self.counts.total * _LOG_SHARE))
            done, logged = self.counts.done, self._logged_done
            due = (done - logged >= step or now - self._last_log >= self.heartbeat_s
                   or (done == self.counts.total and done != logged))
            if not due:
                return
            self._last_log, self._logged_done = now, self.counts.done
        self._line(f"progress: {self.summary()}")

    def _beat(self, stop: threading.Event) -> None:
        """Off a terminal: a summary line when none was printed for ``heartbeat_s`` (a build can take minutes)."""
        while not stop.wait(min(self.heartbeat_s, 5.0)):
            self._maybe_log()

    @contextmanager
    def shown(self) -> Iterator[RunDisplay]:
        """Show the display while the run goes on (live on a terminal)."""
        if not self.console.is_terminal:
            stop = threading.Event()
            beat = threading.Thread(target=self._beat, args=(stop,), name="mkb-progress", daemon=True)
            beat.start()
            try:
                yield self
            finally:
                stop.set()
                beat.join()
            return
        with Live(get_renderable=self.render, console=self.console, refresh_per_second=4,
                  transient=False) as live:
            self._live = live
            try:
                yield self
            finally:
                self._live = None


class CountedSource:
    """The run's answer source, telling the display while a request is in flight (everything else forwarded)."""

    def __init__(self, source: Any, display: RunDisplay) -> None:
        self._source = source
        self._display = display

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)

    def answer(self, request: Any) -> Any:
        self._display.asking(+1)
        try:
            return self._source.answer(request)
        finally:
            self._display.asking(-1)


class CountedEvaluator:
    """The run's evaluator, telling the display while an answer is built, checked and timed."""

    def __init__(self, evaluator: Any, display: RunDisplay) -> None:
        self._evaluator = evaluator
        self._display = display

    def __getattr__(self, name: str) -> Any:
        return getattr(self._evaluator, name)

    def evaluate(self, task: Any, text: str) -> Any:
        self._display.evaluating(+1)
        try:
            return self._evaluator.evaluate(task, text)
        finally:
            self._display.evaluating(-1)
