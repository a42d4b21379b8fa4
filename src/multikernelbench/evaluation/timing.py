"""Timing a candidate and its baselines the same way, in the same worker.

Warm-up calls first, then trials that alternate between the timed callables
(candidate, eager baseline and, when measured, the torch.compile baseline) so
drift in clock speed or machine load hits all alike, over rotating input
sets, until enough trials are taken and the time budget is spent. Each trial
starts with the device's cache flush and is measured by the device's clock
(device events with a device-wide synchronisation on a GPU). With CUDA graphs
on, each (callable, input set) pair is captured once and its replay is timed,
which removes launch overhead from microsecond kernels.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from typing import Any

from multikernelbench.backends.devices import Device
from multikernelbench.evaluation.protocol import TimingSpec


def time_interleaved(
    device: Device,
    callables: Sequence[Callable[..., Any]],
    input_sets: Sequence[Sequence[Any]],
    plan: TimingSpec,
) -> tuple[list[list[float]], str]:
    """Per-trial milliseconds for each callable, in the given order, and the clock that measured them.

    Every trial calls each callable once on the same input set, so all lists have the same length.
    """
    if not input_sets:
        raise ValueError("timing needs at least one input set")
    if not callables:
        raise ValueError("timing needs at least one callable")
    for i in range(plan.warmup):
        inputs = input_sets[i % len(input_sets)]
        for fn in callables:
            fn(*inputs)
    device.synchronize()
    calls = [[functools.partial(fn, *inputs) for inputs in input_sets] for fn in callables]
    clock = device.clock
    if plan.cuda_graphs and device.torch_type == "cuda":
        graphs = [[_captured(call) for call in per_set] for per_set in calls]
        if all(g is not None for per_set in graphs for g in per_set):
            calls, clock = graphs, "cuda_graph"  # type: ignore[assignment]
    samples: list[list[float]] = [[] for _ in callables]
    start = time.monotonic()
    trial = 0
    while trial < plan.max_trials and (trial < plan.min_trials or time.monotonic() - start < plan.budget_s):
        for per_set, times in zip(calls, samples):
            device.flush_cache()
            times.append(device.time_call(per_set[trial % len(input_sets)]))
        trial += 1
    return samples, clock


def _captured(call: Callable[[], Any]) -> Callable[[], Any] | None:
    """A CUDA graph of one call, returned as its replay; None when the call cannot be captured."""
    import torch

    try:
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            call()  # warm on a side stream, as capture requires
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            call()
    except Exception:  # noqa: BLE001 - not capturable: time it with events instead
        torch.cuda.synchronize()
        return None
    return graph.replay
