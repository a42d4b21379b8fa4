"""``mkb eval`` for people: a failed build shows the compiler's first errors once, the full log one option away."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from multikernelbench.cli.eval_cmd import print_verdict
from multikernelbench.generation.solutions import SOLUTIONS_DIR
from multikernelbench.records import EvalRecord, PhaseResult
from tests.support.cli import mkb

LOGS = Path(__file__).resolve().parent.parent / "data" / "build_logs"
TYPO = "‘outptu’ was not declared in this scope"


def broken_relu() -> str:
    """The bundled relu answer with a typo g++ rejects (its own extension name, so no other test's build is hit)."""
    answer = (SOLUTIONS_DIR / "cpp" / "relu.txt").read_text()
    return answer.replace("return output;", "return outptu;").replace("mkb_solution_relu", "mkb_test_typo_relu")


def without_numpy(tmp_path: Path) -> dict[str, str]:
    """An environment where ``import numpy`` fails, as on a machine without it: torch then warns at import."""
    fake = tmp_path / "no_numpy"
    (fake / "numpy").mkdir(parents=True)
    (fake / "numpy" / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'numpy'\")\n")
    return {"PYTHONPATH": os.pathsep.join(p for p in (str(fake), os.environ.get("PYTHONPATH", "")) if p)}


def test_a_failing_cpp_build_shows_the_compiler_error_once(build_cache: Path, tmp_path: Path) -> None:
    env = without_numpy(tmp_path)
    # The premise: in this environment torch prints its NumPy warning (into the worker's log).
    probe = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, text=True, check=True,
                           env={**os.environ, **env})
    assert "Failed to initialize NumPy" in probe.stderr
    response = tmp_path / "answer.txt"
    response.write_text(broken_relu())
    result = mkb("eval", "--task", "relu", "--response", str(response), "--no-compile-baseline", cache=build_cache,
                 env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "FAIL in build" in out
    assert out.count(TYPO) == 1
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if TYPO in line)
    assert lines[at].strip().startswith("main.cpp:17:12: error:")  # file:line:column, no build folder
    assert lines[at + 1].strip() == "17 |     return outptu;" and "^~~~~~" in lines[at + 2]
    # No compiler command lines, no ninja chatter, no torch warning; where the rest is.
    assert "-MMD" not in out and "-isystem" not in out and "FAILED" not in out and "ninja" not in out
    assert "NumPy" not in out + result.stderr
    assert "the full build log: run the same command with --log" in out
    assert len(lines) < 15


def real_build_failure(log: str) -> EvalRecord:
    """A verdict as the evaluator makes it for a build that failed with ``log`` (its error) and no worker output."""
    build = PhaseResult("build", False, 1.0, log, detail={"log": "", "traceback": ""}, failure="compile_error")
    return EvalRecord(task="relu", backend="cpp", profile="small", compiled=False, correctness=False,
                      failed_phase="build", error=log, phases=(PhaseResult("extract", True, 0.0), build), seed=1,
                      compile_info=log)


def test_full_log_prints_the_whole_build_log(capsys: pytest.CaptureFixture[str]) -> None:
    log = (LOGS / "gcc_several_errors.log").read_text()
    print_verdict(real_build_failure(log), full_log=True)
    out = capsys.readouterr().out
    assert "-MMD" in out and "FAILED: [code=1] main.o" in out  # everything, command lines included
    assert "control reaches end of non-void function" in out
    assert "--log" not in out


def test_only_the_first_three_errors_are_shown(capsys: pytest.CaptureFixture[str]) -> None:
    log = (LOGS / "gcc_several_errors.log").read_text() + (LOGS / "nvcc_undefined.log").read_text()
    print_verdict(real_build_failure(log))
    out = capsys.readouterr().out
    assert out.count(": error:") == 3 and "cuda.cu(10)" not in out
    assert "... and 1 more error\n" in out
    assert out.count("RuntimeError: Error building extension 'mkb_many_errors_relu'") == 1
    assert "-MMD" not in out


def test_a_python_error_at_import_shows_the_answers_line(capsys: pytest.CaptureFixture[str]) -> None:
    text = (LOGS / "python_name_error.log").read_text()
    info, _, traceback = text.partition("Traceback (most recent call last):")
    error = "NameError: name 'load_inlin' is not defined"
    build = PhaseResult("build", False, 1.0, error, failure="compile_error",
                        detail={"traceback": "Traceback (most recent call last):" + traceback})
    record = replace(real_build_failure(info.strip()), error=error, phases=(PhaseResult("extract", True, 0.0), build))
    print_verdict(record)
    out = capsys.readouterr().out
    assert 'File "candidate.py", line 24, in <module>' in out and "relu_module = load_inlin(" in out
    assert out.count("NameError: name 'load_inlin' is not defined") == 1
    assert "runner.py" not in out


def test_an_answer_without_code_says_so_once(build_cache: Path, tmp_path: Path) -> None:
    response = tmp_path / "answer.txt"
    response.write_text("I cannot do this.")
    result = mkb("eval", "--task", "relu", "--response", str(response), cache=build_cache)
    assert result.returncode == 0, result.stderr
    assert "FAIL in extract" in result.stdout
    assert result.stdout.count("the response holds no code block") == 1
    assert "--log" not in result.stdout  # there was no build


def test_log_and_json_do_not_combine(build_cache: Path, tmp_path: Path) -> None:
    result = mkb("eval", "--task", "relu", "--response", str(tmp_path / "any.txt"), "--json", "--log",
                 cache=build_cache)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == ("error: --log prints for people; with --json the full build log is the "
                                     "'compile_info' field")
