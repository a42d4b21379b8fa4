"""The run's progress display: counts, in-flight work, ETA, and quiet summary lines off a terminal."""

from __future__ import annotations

import io
import time

from rich.console import Console

from multikernelbench.cli.progress import RunDisplay, duration
from tests.report import record


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _display(total: int = 20, done: int = 0) -> tuple[RunDisplay, io.StringIO, FakeClock]:
    out = io.StringIO()
    clock = FakeClock()
    console = Console(file=out, width=200, force_terminal=False)
    display = RunDisplay(console, total=total, done=done, categories={"activation": 10, "reduce": 10}, clock=clock)
    return display, out, clock


def test_durations_read_naturally() -> None:
    assert [duration(s) for s in (9, 62, 3725)] == ["9s", "1m02s", "1h02m"]


def test_summary_counts_in_flight_work_and_estimates_the_time_left() -> None:
    display, _, clock = _display(total=20, done=4)  # four finished by an earlier run of the command
    assert display.eta_s() is None and "ETA -" in display.summary()
    display.asking(+1)
    display.evaluating(+1)
    display.evaluating(+1)
    clock.now += 30
    display.finished("activation", passed=True)
    display.evaluating(-1)
    clock.now += 30
    display.finished("reduce", passed=False)
    # Two pairs in 60 s of this process: 14 left take 420 s.
    assert display.eta_s() == 420
    summary = display.summary()
    assert summary.startswith("6/20 answers, 1 passing, in flight: 1 asking, 1 evaluating")
    assert "elapsed 1m00s" in summary and "ETA 7m00s" in summary


def test_off_a_terminal_it_prints_answer_lines_and_a_summary_each_tenth() -> None:
    display, out, clock = _display(total=20)
    with display.shown():
        for index in range(4):
            clock.now += 5
            display.answer("activation", f"t{index}", 0, 1, record(f"t{index}", speedup=2.0), turns=1)
            display.finished("activation", passed=True)
    lines = out.getvalue().splitlines()
    assert lines[0] == "activation/t0 #0: pass 2.00x"
    progress = [line for line in lines if line.startswith("progress: ")]
    assert len(progress) == 2  # after 2 and 4 of 20: every tenth of the run
    assert progress[-1].startswith("progress: 4/20 answers, 4 passing")


def test_off_a_terminal_a_long_build_still_gets_a_line_each_heartbeat() -> None:
    out = io.StringIO()
    display = RunDisplay(Console(file=out, width=200, force_terminal=False), total=3, done=0,
                         categories={"conv": 3}, heartbeat_s=0.2)
    with display.shown():
        display.evaluating(+1)
        time.sleep(1.0)  # nothing finishes: the heartbeat speaks anyway
    beats = [line for line in out.getvalue().splitlines() if line.startswith("progress: 0/3 answers")]
    assert len(beats) >= 2 and "1 evaluating" in beats[0]


def test_a_failed_request_and_a_task_error_get_lines_of_their_own() -> None:
    display, out, _ = _display()
    display.finished("reduce", passed=False, failed_request="HTTP 500: boom", label="reduce/sum #0")
    display.task_error("sum", "its reference raised ValueError")
    text = out.getvalue()
    assert "reduce/sum #0: no answer (HTTP 500: boom)" in text
    assert "sum: not judged: its reference raised ValueError" in text
    assert "1 failed requests" in display.summary() and "1 task errors" in display.summary()


def test_on_a_terminal_the_live_block_shows_every_category() -> None:
    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=True)
    display = RunDisplay(console, total=4, done=0, categories={"activation": 2, "reduce": 2})
    with display.shown():
        display.finished("activation", passed=True)
    text = out.getvalue()
    assert "activation 1/2 (1 pass)" in text and "reduce 0/2 (0 pass)" in text
    assert "1/4 answers" in text


def test_on_a_cluster_each_lane_shows_its_evaluations_in_flight() -> None:
    load = [("node-a/gpu0", 2, 4), ("node-b/gpu0", 0, 4)]
    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=True)
    display = RunDisplay(console, total=4, done=0, categories={"activation": 4}, lanes=lambda: load)
    assert "lanes busy 1/2" in display.summary()
    with display.shown():
        display.finished("activation", passed=True)
    text = out.getvalue()
    assert "node-a/gpu0 2/4" in text and "node-b/gpu0 0/4" in text
    # Off a cluster there is no lane line at all.
    assert "lanes" not in _display()[0].summary()
