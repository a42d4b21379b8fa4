"""True negatives: each bad answer gets the right verdict and phase, and the evaluator goes on.

Most candidates here are plain-PyTorch ModelNew modules: they exercise the
evaluator's phases without paying for a C++ build. The C++-specific failures
(compile error, a segfault inside a compiled kernel) build real extensions.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from multikernelbench.evaluation.evaluator import EvalConfig, Evaluator
from multikernelbench.generation.solutions import bundled_solution
from multikernelbench.records import EvalRecord
from multikernelbench.tasks import load_task
from tests.conftest import make_evaluator
from tests.support.verdicts import why_not_passed


def answer(body: str) -> str:
    """A response in model format around a module that defines ModelNew for a 1-input task."""
    module = textwrap.dedent(body)
    return f"Here is my kernel.\n\n```python\n{module}```\n"


def relu_model(forward_body: str, prelude: str = "") -> str:
    return answer(
        "import torch\nimport torch.nn as nn\n"
        + textwrap.dedent(prelude)
        + "\n\nclass ModelNew(nn.Module):\n    def forward(self, x):\n"
        + textwrap.indent(textwrap.dedent(forward_body), "        ")
    )


def evaluate(evaluator: Evaluator, task: str, response: str) -> EvalRecord:
    return evaluator.evaluate(load_task(task), response)


def assert_fails(record: EvalRecord, phase: str, *needles: str) -> None:
    assert not record.passed, record.to_json()
    assert record.failed_phase == phase, record.to_json()
    text = f"{record.error}\n{record.compile_info}\n{record.correctness_info}"
    for needle in needles:
        assert needle in text, text


def test_correct_plain_candidate_passes_with_timings(evaluator: Evaluator) -> None:
    record = evaluate(evaluator, "relu", relu_model("return torch.relu(x)\n"))
    assert record.passed and record.compiled and record.correctness
    assert record.runtime is not None and record.baseline is not None and record.speedup > 0
    assert [p.phase for p in record.phases] == ["extract", "build", "check", "time"]
    assert record.hardware["device"] == "cpu" and "torch" in record.versions


def test_wrong_values(evaluator: Evaluator) -> None:
    assert_fails(evaluate(evaluator, "relu", relu_model("return torch.relu(x) + 1e-3\n")), "check", "mismatches")


def test_wrong_shape(evaluator: Evaluator) -> None:
    assert_fails(evaluate(evaluator, "relu", relu_model("return torch.relu(x).reshape(-1)\n")), "check", "shape")


def test_partially_written_output(evaluator: Evaluator) -> None:
    body = """
    out = torch.zeros_like(x)
    half = x.shape[0] // 2
    out[:half] = torch.relu(x[:half])
    return out
    """
    assert_fails(evaluate(evaluator, "relu", relu_model(body)), "check", "mismatches")


def test_in_place_mutation_of_the_input(evaluator: Evaluator) -> None:
    # The output is right; only the input is clobbered.
    assert_fails(evaluate(evaluator, "relu", relu_model("return x.relu_()\n")), "check", "changed an input")


def test_all_zeros_output_on_a_task_with_tiny_outputs(evaluator: Evaluator) -> None:
    zeros = evaluate(evaluator, "softmax", relu_model("return torch.zeros_like(x)\n"))
    assert_fails(zeros, "check", "mismatches")
    # The same comparison passes a correct answer, so it is the zeros that fail, not the task.
    assert evaluate(evaluator, "softmax", relu_model("return torch.softmax(x, dim=1)\n")).correctness


def test_exception_at_import(evaluator: Evaluator) -> None:
    record = evaluate(evaluator, "relu", relu_model("return x\n", prelude="raise RuntimeError('boom at import')\n"))
    assert_fails(record, "build", "RuntimeError: boom at import")
    assert not record.compiled


def test_no_model_new(evaluator: Evaluator) -> None:
    record = evaluate(evaluator, "relu", answer("import torch\n\ndef kernel(x):\n    return x\n"))
    assert_fails(record, "extract", "ModelNew")
    assert not record.compiled and record.phases[-1].phase == "extract"


def test_no_code_at_all(evaluator: Evaluator) -> None:
    assert_fails(evaluate(evaluator, "relu", "I can't help with that."), "extract", "no code")


def test_syntax_error(evaluator: Evaluator) -> None:
    assert_fails(evaluate(evaluator, "relu", answer("class ModelNew(:\n    pass\n")), "extract", "syntax error")


def test_segfault_in_python_level_code(evaluator: Evaluator) -> None:
    record = evaluate(evaluator, "relu", relu_model("import ctypes\nctypes.string_at(0)\nreturn x\n"))
    assert_fails(record, "check", "SIGSEGV")


def test_infinite_loop_is_killed_at_the_check_limit(build_cache: Path) -> None:
    quick = make_evaluator(build_cache, check_timeout_s=5.0)
    record = evaluate(quick, "relu", relu_model("while True:\n    pass\n"))
    assert_fails(record, "check", "time limit of 5 s exceeded in the check phase")
    assert record.phases[-1].seconds < 60


def test_hang_at_import_is_killed_at_the_build_limit(build_cache: Path) -> None:
    quick = make_evaluator(build_cache, build_timeout_s=5.0)
    record = evaluate(quick, "relu", relu_model("return x\n", prelude="import time\ntime.sleep(3600)\n"))
    assert_fails(record, "build", "time limit of 5 s exceeded in the build phase")


def test_os_exit_inside_forward_is_never_a_pass(evaluator: Evaluator) -> None:
    record = evaluate(evaluator, "relu", relu_model("import os\nos._exit(0)\n"))
    assert_fails(record, "check", "exited with code 0 in the middle of a call, without replying")


def test_sys_exit_inside_forward(evaluator: Evaluator) -> None:
    assert_fails(evaluate(evaluator, "relu", relu_model("import sys\nsys.exit(0)\n")), "check", "SystemExit")


def test_huge_allocation_fails_cleanly(evaluator: Evaluator) -> None:
    record = evaluate(evaluator, "relu", relu_model("big = torch.ones(1 << 40)\nreturn torch.relu(x)\n"))
    assert_fails(record, "check", "RuntimeError")


def test_growing_memory_is_killed_at_the_memory_limit(build_cache: Path) -> None:
    small = make_evaluator(build_cache, memory_limit_bytes=2 * 2**30)
    body = "hoard = []\nfor _ in range(64):\n    hoard.append(torch.ones(64 * 2**20))\nreturn torch.relu(x)\n"
    assert_fails(evaluate(small, "relu", relu_model(body)), "check", "memory limit exceeded")


def test_crash_while_timing_fails_the_time_phase(evaluator: Evaluator) -> None:
    prelude = "calls = [0]\n"
    body = "calls[0] += 1\nif calls[0] > 5:\n    import ctypes\n    ctypes.string_at(0)\nreturn torch.relu(x)\n"
    record = evaluate(evaluator, "relu", relu_model(body, prelude=prelude))
    assert record.correctness and not record.passed
    assert_fails(record, "time", "SIGSEGV")


def test_cpp_compile_error(evaluator: Evaluator) -> None:
    source = '''
    import torch
    from torch.utils.cpp_extension import load_inline

    broken = load_inline(
        name="mkb_test_broken",
        cpp_sources="torch::Tensor f(torch::Tensor x) { return x.this_method_does_not_exist(); }",
        functions=["f"],
    )

    class ModelNew(torch.nn.Module):
        def forward(self, x):
            return broken.f(x)
    '''
    record = evaluate(evaluator, "relu", answer(source))
    assert_fails(record, "build", "this_method_does_not_exist")
    assert not record.compiled and "error" in record.compile_info


SEGFAULTING_KERNEL = '''
import torch
from torch.utils.cpp_extension import load_inline

source = r"""
torch::Tensor crash(torch::Tensor x) {
    volatile float* nowhere = nullptr;
    nowhere[x.numel()] = 1.0f;
    return x;
}
"""
crashing = load_inline(name="mkb_test_crash", cpp_sources=source, functions=["crash"], extra_cflags=["-O1"])


class ModelNew(torch.nn.Module):
    def forward(self, x):
        return crashing.crash(x)
'''


def test_segfault_in_a_compiled_kernel_then_the_evaluator_goes_on(evaluator: Evaluator) -> None:
    assert_fails(evaluate(evaluator, "relu", answer(SEGFAULTING_KERNEL)), "check", "SIGSEGV")
    good = evaluate(evaluator, "relu", bundled_solution("relu", "cpp"))
    assert good.passed


def test_identical_candidate_hits_the_build_cache(evaluator: Evaluator) -> None:
    response = bundled_solution("relu", "cpp")
    first = evaluate(evaluator, "relu", response)
    second = evaluate(evaluator, "relu", response)
    assert first.passed and second.passed
    assert second.build_cache_hit
    build = next(p for p in second.phases if p.phase == "build")
    assert build.seconds < 10


def test_same_extension_name_in_two_candidates_never_collides(evaluator: Evaluator) -> None:
    relu = bundled_solution("relu", "cpp")
    # Same extension name, different kernel: a leaky ReLU built under "mkb_solution_relu".
    leaky = relu.replace("in[i] > 0.0f ? in[i] : 0.0f", "in[i] > 0.0f ? in[i] : 0.01f * in[i]")
    assert leaky != relu and 'name="mkb_solution_relu"' in leaky
    assert evaluate(evaluator, "relu", relu).passed
    assert evaluate(evaluator, "leaky_relu", leaky).passed
    assert evaluate(evaluator, "relu", relu).passed


def test_a_build_killed_earlier_does_not_block_the_next_build(build_cache: Path) -> None:
    # A build killed mid-way (a killed run) leaves torch's lock file; the next build must not wait on it.
    response = bundled_solution("relu", "cpp").replace("```python", "```python\n# rebuilt after a killed build", 1)
    evaluator = make_evaluator(build_cache, build_timeout_s=150.0)
    candidate, _ = evaluator.extract(response)
    stale = candidate.build_dir / "torch_extensions" / "mkb_solution_relu" / "lock"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("")
    record = evaluate(evaluator, "relu", response)
    assert record.passed, why_not_passed(record)
    assert not stale.exists()


def test_seed_is_recorded_and_fresh_by_default(build_cache: Path) -> None:
    fresh = make_evaluator(build_cache, seed=None, timing=False)
    response = relu_model("return torch.relu(x)\n")
    seeds = {evaluate(fresh, "relu", response).seed for _ in range(2)}
    assert len(seeds) == 2
    assert evaluate(make_evaluator(build_cache, seed=99, timing=False), "relu", response).seed == 99


@pytest.mark.parametrize("key", ["OPENAI_API_KEY", "MY_SECRET_TOKEN"])
def test_credentials_never_reach_the_candidate(evaluator: Evaluator, monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv(key, "sk-should-not-leak")
    body = f"import os\nassert '{key}' not in os.environ, 'leaked'\nreturn torch.relu(x)\n"
    assert evaluate(evaluator, "relu", relu_model(body)).passed


def test_a_relative_cache_dir_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Workers run in their own temporary folders, where a relative path would name another place.
    monkeypatch.chdir(tmp_path)
    assert EvalConfig(cache_dir=Path("cache")).cache_dir == tmp_path.resolve() / "cache"
