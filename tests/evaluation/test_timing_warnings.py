"""Warnings a verdict carries when its timing may not mean what it seems: a too-fast reference, a busy host."""

from __future__ import annotations

import pytest

from multikernelbench.backends.devices import CudaGPU, HostCPU, cpu_count
from multikernelbench.evaluation import worker


def test_a_busy_host_is_flagged_and_a_quiet_one_is_not() -> None:
    busy = worker._timing_warnings(HostCPU(), [1.0, 1.1, 0.9], load=cpu_count() + 2.0)
    assert len(busy) == 1 and "the machine was busy while timing" in busy[0] and "unreliable" in busy[0]
    assert worker._timing_warnings(HostCPU(), [1.0, 1.1, 0.9], load=0.2) == []
    # Tens of microseconds on the host: the judge and the runner wake thread pools in turn.
    fast = worker._timing_warnings(HostCPU(), [0.02], load=0.2)
    assert len(fast) == 1 and "20.0 us: too fast to time meaningfully on the host" in fast[0]


def test_a_reference_of_microseconds_on_a_gpu_is_flagged() -> None:
    # No GPU is touched: the warning needs only the device's kind and the samples.
    fast = worker._timing_warnings(CudaGPU(), [0.004, 0.005, 0.004], load=50.0)
    assert len(fast) == 1 and "4.0 us: too fast to time meaningfully" in fast[0] and "--cuda-graphs" in fast[0]
    assert worker._timing_warnings(CudaGPU(), [worker._TOO_FAST_MS * 2], load=50.0) == []


def test_an_unreadable_load_average_never_fails_the_timing(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable() -> tuple[float, float, float]:
        raise OSError("no /proc/loadavg")

    monkeypatch.setattr(worker.os, "getloadavg", unreadable)
    assert worker._load_average() == 0.0
