"""The fastest a call could possibly be: the task's work at the device's peak rates.

A correct answer reads its inputs and writes its outputs, and does at least
the matrix arithmetic the reference does (counted by torch's FLOP counter on
the reference, in the judge). At the device's peak bandwidth and FLOP rate
(generous figures: :meth:`Device.peak_rates`) that takes a minimum time; a
claimed time below it means the work was not timed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from multikernelbench.records import IntegrityFlag


def task_work(reference: Callable[..., Any], inputs: Sequence[Any]) -> tuple[float, float]:
    """(FLOPs, bytes read and written) of one reference call on ``inputs``."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from multikernelbench.tasks.runtime import tensors_in

    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        out = reference(*inputs)
    moved = sum(t.numel() * t.element_size() for t in [*tensors_in(list(inputs)), *tensors_in(out)])
    return float(counter.get_total_flops()), float(moved)


def lower_bound_ms(flops: float, moved_bytes: float, rates: tuple[float, float]) -> float:
    """Milliseconds that ``flops`` and ``moved_bytes`` take at least at peak (FLOP/s, bytes/s) ``rates``."""
    peak_flops, peak_bytes = rates
    return max(flops / peak_flops, moved_bytes / peak_bytes) * 1000


def bound_flag(claimed_ms: float, bound_ms: float) -> IntegrityFlag | None:
    """A flag when the median claimed time is below what the task's work takes at the device's peak."""
    if claimed_ms >= bound_ms:
        return None
    return IntegrityFlag("below_physical_bound", "timing",
                         f"timed at {claimed_ms:.3g} ms, below the {bound_ms:.3g} ms the task's data and arithmetic "
                         "take at this device's peak rates: the work was not timed", "timing")
