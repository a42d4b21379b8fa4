"""Timing a candidate and its baselines the same way, interleaved, in the judge's loop.

Warm-up calls first, then trials that alternate between the timers (the
candidate, which runs in the runner process, the eager baseline and, when
measured, the torch.compile baseline) so drift in clock speed or machine load
hits all alike, over rotating input sets, until enough trials are taken and
the time budget is spent. Each trial starts with the device's cache flush and
is measured by the device's clock (device events with a device-wide
synchronisation on a GPU). With CUDA graphs on, each (callable, input set) pair
is captured once and its replay is timed, which removes launch overhead from
microsecond kernels.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from multikernelbench.backends.devices import Device
from multikernelbench.evaluation.protocol import TimingSpec


class Timer(Protocol):
    """Something timed on the rotating input sets: warmed up, then timed one trial at a time."""

    clock: str

    def warm(self, set_index: int) -> None: ...

    def trial(self, set_index: int, trial_index: int) -> float:
        """Milliseconds of one call on input set ``set_index`` (after the cache flush)."""
        ...


class LocalTimer:
    """A callable in the judge's own process (the reference, eager or compiled)."""

    def __init__(self, device: Device, fn: Callable[..., Any], input_sets: Sequence[Sequence[Any]],
                 cuda_graphs: bool = False) -> None:
        self.device = device
        self.calls = [functools.partial(fn, *inputs) for inputs in input_sets]
        self.cuda_graphs = cuda_graphs and device.torch_type == "cuda"
        self.clock = device.clock

    def warm(self, set_index: int) -> None:
        self.calls[set_index]()

    def prepare(self) -> None:
        """Capture CUDA graphs when asked and every call can be captured (after warm-up)."""
        if not self.cuda_graphs:
            return
        graphs = [capture_graph(call) for call in self.calls]
        if all(g is not None for g in graphs):
            self.calls, self.clock = [g[0] for g in graphs], "cuda_graph"  # type: ignore[index]

    def trial(self, set_index: int, trial_index: int) -> float:
        self.device.before_trial(self.calls[(set_index + 1) % len(self.calls)])  # another set: not this one's data
        self.device.flush_cache()
        return self.device.time_call(self.calls[set_index])


def time_interleaved(device: Device, timers: Sequence[Timer], set_count: int, plan: TimingSpec) -> list[list[float]]:
    """Per-trial milliseconds for each timer, in the given order; every list has the same length."""
    if set_count < 1:
        raise ValueError("timing needs at least one input set")
    if not timers:
        raise ValueError("timing needs at least one timer")
    for i in range(plan.warmup):
        for timer in timers:
            timer.warm(i % set_count)
    device.synchronize()
    for timer in timers:
        prepare = getattr(timer, "prepare", None)
        if prepare is not None:
            prepare()
    samples: list[list[float]] = [[] for _ in timers]
    start = time.monotonic()
    trial = 0
    while trial < plan.max_trials and (trial < plan.min_trials or time.monotonic() - start < plan.budget_s):
        for timer, times in zip(timers, samples):
            times.append(timer.trial(trial % set_count, trial))
        trial += 1
    return samples


def capture_graph(call: Callable[[], Any]) -> tuple[Callable[[], Any], Any] | None:
    """A CUDA graph of one call: its replay and the output it writes; None when the call cannot be captured."""
    import torch

    try:
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            call()  # warm on a side stream, as capture requires
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            output = call()
    except Exception:  # noqa: BLE001 - not capturable: time it with events instead
        torch.cuda.synchronize()
        return None
    return graph.replay, output
