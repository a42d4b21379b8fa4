"""The runner's account of a call becomes flags, and only when something was found."""

from __future__ import annotations

from multikernelbench.evaluation.integrity.runtime_flags import call_flags, check_end_flags, unique

CLEAN = {"ok": True, "ops": [], "own_kernel_launches": 1, "own_kernel_total": 1, "per_call_count": True,
         "python_threads_left": [], "os_threads_grew": 0, "output_types": []}


def checks(flags) -> list[str]:
    return [f.check for f in flags]


def test_a_clean_call_has_no_flags() -> None:
    assert call_flags(CLEAN, 1) == [] and check_end_flags(CLEAN) == []


def test_pytorch_compute_is_flagged_with_operator_and_line() -> None:
    [flag] = call_flags({**CLEAN, "ops": [["aten::relu", 2, "line 9"]]}, 3)
    assert flag.check == "runtime_torch_op" and flag.where == "line 9 (aten::relu)" and flag.stage == "runtime"
    assert "2 times in call 3" in flag.why


def test_no_own_kernel_in_a_call() -> None:
    assert checks(call_flags({**CLEAN, "own_kernel_launches": 0}, 1)) == ["own_kernel_not_run"]


def test_cumulative_counts_are_judged_at_the_end_only() -> None:
    traced_once = {**CLEAN, "own_kernel_launches": 0, "own_kernel_total": 0, "per_call_count": False}
    assert call_flags(traced_once, 1) == []
    assert checks(check_end_flags(traced_once)) == ["own_kernel_not_run"]
    assert check_end_flags({**traced_once, "own_kernel_total": 1}) == []


def test_threads_left_running() -> None:
    assert checks(call_flags({**CLEAN, "python_threads_left": ["Thread-1"]}, 1)) == ["thread_leak"]
    # A first call may start a thread pool (OpenMP): only growth after it counts.
    assert call_flags({**CLEAN, "os_threads_grew": 2}, 1) == []
    assert checks(call_flags({**CLEAN, "os_threads_grew": 2}, 2)) == ["thread_leak"]


def test_a_foreign_output_type() -> None:
    [flag] = call_flags({**CLEAN, "output_types": ["answer.Lazy"]}, 1)
    assert flag.check == "output_not_plain" and "answer.Lazy" in flag.why


def test_junk_in_the_reply_is_ignored_not_trusted() -> None:
    assert call_flags({**CLEAN, "ops": "everything", "os_threads_grew": "lots"}, 2) == []


def test_repeats_over_calls_are_reported_once() -> None:
    flags = [*call_flags({**CLEAN, "ops": [["aten::add", 1, "line 3"]], "own_kernel_launches": 0}, 1),
             *call_flags({**CLEAN, "ops": [["aten::add", 1, "line 3"]], "own_kernel_launches": 0}, 2)]
    assert checks(unique(flags)) == ["runtime_torch_op", "own_kernel_not_run"]
