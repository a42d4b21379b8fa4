"""Build logs for people: the compiler's first errors from real logs of broken answers (gcc, nvcc, Python)."""

from __future__ import annotations

from pathlib import Path

import pytest

from multikernelbench.evaluation import build_log
from multikernelbench.evaluation.build_log import compiler_errors, first_errors, headline, shorten_paths, strip_noise
from multikernelbench.evaluation.evaluator import _trim_log

LOGS = Path(__file__).resolve().parent.parent / "data" / "build_logs"


def real_log(name: str) -> str:
    return (LOGS / name).read_text()


def test_a_gcc_error_comes_with_its_source_line_caret_and_fix_it() -> None:
    assert compiler_errors(real_log("gcc_undeclared.log")) == [(
        "main.cpp:17:12: error: ‘outptu’ was not declared in this scope; did you mean ‘output’?\n"
        "   17 |     return outptu;\n"
        "      |            ^~~~~~\n"
        "      |            output"
    )]


def test_several_gcc_errors_come_in_order_without_warnings_or_command_lines() -> None:
    log = real_log("gcc_several_errors.log")
    errors = compiler_errors(log)
    assert [e.splitlines()[0].split(": error:")[0] for e in errors] == ["main.cpp:17:5", "main.cpp:22:5",
                                                                         "main.cpp:23:12"]
    text = "\n".join(errors)
    assert "warning" not in text and "control reaches end" not in text  # present in the log, not an error
    assert "-MMD" not in text and "FAILED" not in text and "ninja" not in text
    assert "In function" in log and "In function" not in text
    assert first_errors(log, limit=2) == errors[:2]


def test_an_nvcc_error_comes_with_its_source_line_and_caret() -> None:
    log = real_log("nvcc_undefined.log")
    assert compiler_errors(log) == [(
        'cuda.cu(10): error: identifier "v" is undefined\n'
        "          out[i] = v > 0.0f ? in[i] : 0.0f;\n"
        "                   ^"
    )]
    assert headline(log) == "RuntimeError: Error building extension 'mkb_broken_cuda_relu'"


def test_nvcc_driver_errors_are_errors() -> None:
    # nvcc 13.0's own output for: nvcc -arch=sm_1 -c ok.cu
    assert compiler_errors("nvcc fatal   : Unsupported gpu architecture 'sm_1'\n") == [
        "nvcc fatal   : Unsupported gpu architecture 'sm_1'"]


def test_a_python_error_shows_the_answers_own_frame_and_the_exception() -> None:
    errors = compiler_errors(real_log("python_name_error.log"))
    assert errors == [(
        'File "candidate.py", line 24, in <module>\n'
        "    relu_module = load_inlin(\n"
        "                  ^^^^^^^^^^\n"
        "NameError: name 'load_inlin' is not defined"
    )]
    assert "runner.py" not in errors[0]  # the harness's frames are not the answer's problem


def test_without_a_diagnostic_the_failed_ninja_step_shows_its_output_without_its_command() -> None:
    # The fallback for compilers whose messages are not recognised, read here on a real gcc log.
    [block] = build_log._failed_steps(strip_noise(real_log("gcc_undeclared.log")).splitlines())
    lines = block.splitlines()
    assert lines[0] == "FAILED: [code=1] main.o"
    assert not any("-MMD" in line for line in lines)
    assert any("error: ‘outptu’ was not declared" in line for line in lines)


def test_torchs_numpy_warning_is_noise() -> None:
    log = real_log("gcc_undeclared.log")
    assert "Failed to initialize NumPy" in log  # the real worker printed it
    cleaned = strip_noise(log)
    assert "NumPy" not in cleaned and "_conversion_method_template" not in cleaned
    assert cleaned.splitlines() == [line for line in log.splitlines() if "NumPy" not in line
                                    and "_conversion_method_template" not in line]
    # The worker's own output in that run was the warning alone (the compiler's came in the exception): what
    # the evaluator keeps of it for compile_info is now nothing.
    worker_log = "\n".join(line for line in log.splitlines() if "NumPy" in line or "_conversion_method" in line)
    assert len(worker_log.splitlines()) == 2
    assert _trim_log(worker_log) == ""


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("RuntimeError: Error building extension 'mkb_x': [1/2] c++ -MMD -MF main.o.d -c main.cpp\nFAILED: main.o",
         "RuntimeError: Error building extension 'mkb_x'"),
        ("NameError: name 'load_inlin' is not defined", "NameError: name 'load_inlin' is not defined"),
        ("", ""),
    ],
)
def test_headline(error: str, expected: str) -> None:
    assert headline(error) == expected


def test_a_long_headline_is_cut() -> None:
    line = headline("ValueError: " + "x" * 1000 + "\nsecond line")
    assert len(line) <= 300 and line.endswith(" ...") and "second line" not in line


def test_paths_are_shortened_to_what_a_reader_needs() -> None:
    assert shorten_paths("/cache/builds/cpp/ab12/torch_extensions/mkb_x/main.cpp:3:1: error: e") == \
        "main.cpp:3:1: error: e"
    assert shorten_paths('File "/cache/builds/cpp/ab12/candidate.py", line 2') == 'File "candidate.py", line 2'
    assert shorten_paths("/usr/lib/python3.11/site-packages/torch/include/ATen/Tensor.h:9:2: error: e") == \
        "torch/include/ATen/Tensor.h:9:2: error: e"


# ---- nothing to find ----


@pytest.mark.parametrize(
    "log",
    [
        "",
        "ninja: no work to do.\n",
        "main.cpp:7:1: warning: control reaches end of non-void function [-Wreturn-type]\n    7 | }\n      | ^\n",
        # torch's one-line error with its build output appended is no diagnostic by itself
        "RuntimeError: Error building extension 'mkb_x': [1/2] c++ -MMD -c main.cpp -o main.o",
        "Traceback (most recent call last):\n",
    ],
)
def test_logs_without_errors_give_nothing(log: str) -> None:
    assert compiler_errors(log) == []
