"""Feedback turns: when another turn is due, and what the feedback message tells the model for each failure."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from multikernelbench.generation.prompts.feedback import (
    feedback_message,
    needs_another_turn,
    trim_compiler_output,
)
from multikernelbench.records import EvalRecord, IntegrityFlag, PhaseResult, TimingStats

CLOSING = "Reply with the complete corrected module in one fenced ```python block.\n"
BUILD = "/home/u/.cache/multikernelbench/builds/cpp/2a05417267f94060e0314cef/torch_extensions/badrelu"
TORCH = "/opt/py/lib/python3.11/site-packages/torch"
COMMAND = (
    f"c++ -MMD -MF main.o.d -DTORCH_EXTENSION_NAME=badrelu -isystem {TORCH}/include -fPIC -std=c++20 -O3 "
    f"-c {BUILD}/main.cpp -o main.o"
)
# What torch's load_inline raises for a C++ error, as the build phase records it (shape taken from a real run).
GCC_FAILURE = f"""RuntimeError: Error building extension 'badrelu': [1/2] {COMMAND}
FAILED: [code=1] main.o
{COMMAND}
{BUILD}/main.cpp: In function 'at::Tensor relu_forward(at::Tensor)':
{BUILD}/main.cpp:9:11: warning: unused variable 'scale' [-Wunused-variable]
    9 |     float scale = 2.0f;
      |           ^~~~~
{BUILD}/main.cpp:12:5: error: 'undeclared_thing' was not declared in this scope
   12 |     undeclared_thing = 3;
      |     ^~~~~~~~~~~~~~~~
{BUILD}/main.cpp:14:15: error: expected ';' before '}}' token
   14 |     return out
      |               ^
      |               ;
In file included from {TORCH}/include/ATen/core/Tensor.h:3,
{TORCH}/include/ATen/core/TensorBody.h:247:30: note: declared here
ninja: build stopped: subcommand failed.
"""
TRACEBACK_IN_CANDIDATE = f"""Traceback (most recent call last):
  File "{TORCH}/nn/modules/module.py", line 1789, in _call_impl
    return forward_call(*args, **kwargs)
  File "/tmp/mkb/builds/cpp/ee221e13/candidate.py", line 6, in forward
    return helper(x)
  File "/tmp/mkb/builds/cpp/ee221e13/candidate.py", line 3, in helper
    return x.view(7, -1, 3, 5)
RuntimeError: shape '[7, -1, 3, 5]' is invalid for input of size 262144
"""


def stats(median: float) -> TimingStats:
    return TimingStats.from_samples([median] * 5)


def record(
    phases: list[PhaseResult],
    *,
    correct: bool = False,
    runtime: float | None = None,
    baseline: float | None = None,
    compile_baseline: float | None = None,
    **fields: Any,
) -> EvalRecord:
    failed = next((p for p in phases if not p.ok), None)
    build = next((p for p in phases if p.phase == "build"), None)
    return EvalRecord(
        task="relu", backend="cpp", profile="small",
        compiled=build is not None and build.ok, correctness=correct,
        failed_phase=failed.phase if failed else None, error=failed.error if failed else None,
        phases=tuple(phases), seed=7,
        runtime=stats(runtime) if runtime else None,
        baseline=stats(baseline) if baseline else None,
        compile_baseline=stats(compile_baseline) if compile_baseline else None,
        **fields,
    )


OK_EXTRACT = PhaseResult("extract", True, 0.0)
OK_BUILD = PhaseResult("build", True, 1.0)
OK_CHECK = PhaseResult("check", True, 1.0, detail={"trials": 5})
OK_TIME = PhaseResult("time", True, 1.0)


def passed(runtime: float | None, baseline: float | None, compile_baseline: float | None = None) -> EvalRecord:
    phases = [OK_EXTRACT, OK_BUILD, OK_CHECK] + ([OK_TIME] if runtime else [])
    return record(phases, correct=True, runtime=runtime, baseline=baseline, compile_baseline=compile_baseline)


# ---- when another turn is due ----


def test_failed_answers_always_get_another_turn() -> None:
    failed = record([PhaseResult("extract", False, 0.0, "the response is empty: no code")])
    assert needs_another_turn(failed) and needs_another_turn(failed, target_speedup=0.0)


@pytest.mark.parametrize(
    ("runtime", "baseline", "target", "expected"),
    [
        (2.0, 1.0, 1.0, True),  # 0.5x: slower than eager
        (1.0, 1.5, 1.0, False),  # 1.5x: fast enough
        (1.0, 1.5, 2.0, True),  # 1.5x, but the target is 2x
        (1.0, 1.0, 1.0, False),  # exactly at the target
        (None, None, 1.0, False),  # passed without timing: nothing measured to improve
    ],
)
def test_passing_answers_get_another_turn_only_when_slow(
    runtime: float | None, baseline: float | None, target: float, expected: bool
) -> None:
    assert needs_another_turn(passed(runtime, baseline), target) is expected


def test_an_integrity_flag_gets_another_turn_even_when_fast() -> None:
    fast = passed(1.0, 3.0)
    flag = IntegrityFlag("runtime_torch_op", "line 12 (aten::relu)", "PyTorch computed aten::relu inside forward",
                         "runtime")
    flagged = replace(fast, integrity_flags=(flag,))
    assert not needs_another_turn(fast)
    assert needs_another_turn(flagged) and not flagged.passed
    message = feedback_message(flagged)
    assert "integrity check" in message
    assert "runtime_torch_op at line 12 (aten::relu): PyTorch computed aten::relu inside forward" in message
    assert message.endswith(CLOSING)


def test_a_wrong_answer_that_is_also_flagged_hears_of_both() -> None:
    flag = IntegrityFlag("torch_compute", "line 5", "computes with PyTorch (torch.sigmoid)")
    wrong = replace(record([OK_EXTRACT, OK_BUILD, PhaseResult("check", False, 1.0, "output mismatches at 3 of 4",
                                                                     failure="mismatch")], correct=False),
                    integrity_flags=(flag,))
    message = feedback_message(wrong)
    assert "output mismatches at 3 of 4" in message
    assert "also flagged your module" in message and "torch_compute at line 5" in message


def test_flags_under_integrity_off_are_not_fed_back() -> None:
    flag = IntegrityFlag("torch_compute", "line 3", "calls torch.relu")
    unchecked = replace(passed(1.0, 3.0), integrity_flags=(flag,), integrity="off")
    assert unchecked.passed and not needs_another_turn(unchecked)


# ---- feedback by phase ----


@pytest.mark.parametrize(
    "error",
    [
        "the response is empty: no code",
        "syntax error in the candidate at line 3: invalid syntax",
        "the candidate defines no ModelNew at module level",
    ],
)
def test_extract_feedback_gives_the_reason(error: str) -> None:
    message = feedback_message(record([PhaseResult("extract", False, 0.0, error)], compile_info=error))
    assert error in message
    assert "first fenced code block" in message and "class ModelNew" in message
    assert message.endswith(CLOSING)


def test_build_feedback_keeps_compiler_errors_and_drops_noise() -> None:
    build = PhaseResult("build", False, 20.0, GCC_FAILURE, detail={"log": "", "traceback": "Traceback ..."})
    message = feedback_message(record([OK_EXTRACT, build], compile_info=GCC_FAILURE[:2000]))
    assert "failed to build" in message
    assert "main.cpp:12:5: error: 'undeclared_thing' was not declared in this scope" in message
    assert "   12 |     undeclared_thing = 3;" in message  # gcc's context lines follow the error
    assert "main.cpp:14:15: error: expected ';'" in message
    assert "RuntimeError: Error building extension 'badrelu'" in message
    for noise in ("-MMD", "FAILED:", "ninja:", "unused variable", BUILD, "/home/u", "site-packages"):
        assert noise not in message, noise
    assert message.endswith(CLOSING)


def test_build_feedback_for_a_python_error_points_into_the_module() -> None:
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "/work/src/multikernelbench/backends/base.py", line 61, in load_candidate\n'
        "    exec(code, module.__dict__)\n"
        '  File "/tmp/mkb/builds/cpp/d4c6d3ea/candidate.py", line 2, in <module>\n'
        "    x = undefined_helper()\n"
        "NameError: name 'undefined_helper' is not defined\n"
    )
    error = "NameError: name 'undefined_helper' is not defined"
    build = PhaseResult("build", False, 1.0, error, detail={"log": "", "traceback": traceback})
    message = feedback_message(record([OK_EXTRACT, build], compile_info=error))
    assert "while it was being imported" in message
    assert "line 2, in <module>\n    x = undefined_helper()\n" + error in message
    assert "base.py" not in message and "/tmp/" not in message


def test_build_feedback_for_a_build_that_timed_out() -> None:
    build = PhaseResult("build", False, 600.0, "the build took longer than 600 s", detail={"log": "[1/2] c++ ..."})
    message = feedback_message(record([OK_EXTRACT, build]))
    assert "the build took longer than 600 s" in message and message.endswith(CLOSING)


def test_check_feedback_reports_the_mismatch_as_stated() -> None:
    error = ("input set 2 of 5 (seed 9): output mismatches at 40 of 4096 elements (max abs diff 0.5, atol 0.0001, "
             "rtol 0.0001); first at index [0, 3]: got 1.5, expected 1")
    check = PhaseResult("check", False, 2.0, error, detail={"trials": 2}, failure="mismatch")
    message = feedback_message(record([OK_EXTRACT, OK_BUILD, check], correctness_info=error))
    assert "do not match the reference" in message
    assert "input set 2 of 5" in message and "max abs diff 0.5" in message and "got 1.5, expected 1" in message
    assert "'small' sizes" in message  # checked at other sizes than the file's
    assert message.endswith(CLOSING)


def test_check_feedback_shows_both_error_and_correctness_info_when_they_differ() -> None:
    check = PhaseResult("check", False, 2.0, "output mismatch", detail={"trials": 1}, failure="mismatch")
    message = feedback_message(record([OK_EXTRACT, OK_BUILD, check], correctness_info="max abs diff 3.0 on set 0"))
    assert "do not match the reference" in message
    assert "output mismatch\nmax abs diff 3.0 on set 0" in message


def test_check_feedback_reports_shape_problems() -> None:
    error = "input set 1 of 5 (seed 2): output has shape (3, 16384), expected (16, 16384)"
    check = PhaseResult("check", False, 2.0, error, detail={"trials": 1})
    message = feedback_message(record([OK_EXTRACT, OK_BUILD, check], correctness_info=error))
    assert "output has shape (3, 16384), expected (16, 16384)" in message


def test_check_feedback_for_an_exception_shows_the_module_frames() -> None:
    error = "RuntimeError: shape '[7, -1, 3, 5]' is invalid for input of size 262144"
    check = PhaseResult("check", False, 2.0, error, detail={"traceback": TRACEBACK_IN_CANDIDATE})
    message = feedback_message(record([OK_EXTRACT, OK_BUILD, check], correctness_info=error))
    assert "failed while its results were being checked" in message and error in message
    assert "line 6, in forward\n    return helper(x)\nline 3, in helper\n    return x.view(7, -1, 3, 5)" in message
    assert "module.py" not in message and "/tmp/" not in message


def test_check_feedback_for_a_crash() -> None:
    error = "the worker was killed by SIGSEGV (a crash in the candidate's code)"
    check = PhaseResult("check", False, 2.0, error, detail={"log": "Segmentation fault"})
    message = feedback_message(record([OK_EXTRACT, OK_BUILD, check], correctness_info=error))
    assert "SIGSEGV" in message and "Segmentation fault" in message and "out-of-bounds" in message
    # The kind of failure is data: a crash whose text mentions a mismatch is still told as a crash.
    check = PhaseResult("check", False, 2.0, "ValueError: output mismatch", failure="crash")
    message = feedback_message(record([OK_EXTRACT, OK_BUILD, check], correctness_info="output mismatch"))
    assert "do not match the reference" not in message and "failed while its results were being checked" in message


def test_time_feedback_reports_the_crash_while_timing() -> None:
    error = "RuntimeError: out of scratch buffers"
    traceback = ('  File "/tmp/x/candidate.py", line 9, in forward\n    raise RuntimeError("out of scratch buffers")\n'
                 + error + "\n")
    timing = PhaseResult("time", False, 3.0, error, detail={"traceback": traceback})
    message = feedback_message(record([OK_EXTRACT, OK_BUILD, OK_CHECK, timing], correct=True))
    assert "failed while being timed" in message and "out of scratch buffers" in message
    assert "line 9, in forward" in message and message.endswith(CLOSING)


def test_slow_pass_feedback_gives_the_speedups() -> None:
    message = feedback_message(passed(runtime=4.0, baseline=1.0))
    assert "correct, but it is too slow" in message
    assert "0.25x the speed of eager PyTorch" in message and "4 ms against 1 ms" in message
    assert "at least 1.00x" in message and "torch.compile" not in message
    assert message.endswith("Reply with the complete improved module in one fenced ```python block.\n")
    with_compile = feedback_message(passed(runtime=4.0, baseline=1.0, compile_baseline=2.0), target_speedup=1.5)
    assert "0.50x the speed of torch.compile" in with_compile and "at least 1.50x" in with_compile


def test_fast_or_untimed_pass_feedback_is_still_a_request() -> None:
    fast = feedback_message(passed(runtime=1.0, baseline=2.0))
    assert "is correct and runs at 2.00x" in fast and fast.endswith("```python block.\n")
    untimed = feedback_message(passed(runtime=None, baseline=None))
    assert "is correct." in untimed and "x the speed" not in untimed


# ---- trimming build output ----


def test_trim_drops_duplicate_errors_and_shortens_paths() -> None:
    log = "\n".join([
        f"{BUILD}/main.cpp:3:1: error: 'foo' was not declared in this scope",
        "    3 | foo();",
        f"{BUILD}/main.cpp:3:1: error: 'foo' was not declared in this scope",
        "    3 | foo();",
        f"{TORCH}/include/ATen/core/TensorBody.h:10:2: error: no matching function",
    ])
    trimmed = trim_compiler_output(log)
    assert trimmed.count("'foo' was not declared") == 1
    assert "main.cpp:3:1: error" in trimmed and "ATen/core/TensorBody.h:10:2: error" in trimmed
    assert "/home/" not in trimmed and "site-packages" not in trimmed


def test_trim_keeps_linker_errors() -> None:
    log = ("/usr/bin/ld: main.o: in function `run':\nmain.cpp:(.text+0x1f): undefined reference to `helper()'\n"
           "collect2: error: ld returned 1 exit status\n")
    trimmed = trim_compiler_output(log)
    assert "undefined reference to `helper()'" in trimmed and "collect2: error" in trimmed


def test_trim_falls_back_to_the_tail_without_an_error_line() -> None:
    log = "\n".join(f"line {i}" for i in range(100))
    trimmed = trim_compiler_output(log, max_lines=5)
    assert trimmed.splitlines() == [f"line {i}" for i in range(95, 100)]


def test_trim_respects_its_limits() -> None:
    log = "\n".join(f"main.cpp:{i}:1: error: problem number {i} " + "x" * 50 for i in range(200))
    trimmed = trim_compiler_output(log, max_lines=10, max_chars=100_000)
    assert trimmed.splitlines()[:10] == log.splitlines()[:10] and "190 more lines" in trimmed
    assert len(trim_compiler_output(log, max_lines=30, max_chars=500)) <= 500
    assert trim_compiler_output("") == ""
