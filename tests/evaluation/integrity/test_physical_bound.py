"""The physical lower bound: the task's bytes and FLOPs at peak rates."""

from __future__ import annotations

import pytest
import torch

from multikernelbench.evaluation.integrity.physical_bound import bound_flag, lower_bound_ms, task_work


def test_work_counts_matmul_flops_and_bytes_moved() -> None:
    a, b = torch.randn(64, 32), torch.randn(32, 16)
    flops, moved = task_work(torch.matmul, [a, b])
    assert flops == 2 * 64 * 32 * 16
    assert moved == 4 * (64 * 32 + 32 * 16 + 64 * 16)


def test_elementwise_work_is_bytes_only() -> None:
    flops, moved = task_work(torch.relu, [torch.randn(1000)])
    assert flops == 0 and moved == 8000


def test_the_bound_is_the_slower_of_arithmetic_and_memory() -> None:
    assert lower_bound_ms(2e12, 1e9, (1e15, 1e12)) == pytest.approx(2.0)  # memory: 1 ms, arithmetic: 2 ms
    assert lower_bound_ms(1e9, 3e9, (1e15, 1e12)) == pytest.approx(3.0)


def test_a_time_below_the_bound_is_flagged() -> None:
    assert bound_flag(0.5, 0.4) is None
    flag = bound_flag(0.001, 0.4)
    assert flag is not None and flag.check == "below_physical_bound" and flag.stage == "timing"
