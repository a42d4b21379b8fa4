"""The backend contract: every backend's bundled solutions pass the evaluator wherever this machine can run them.

- ``cpp`` runs natively (each build ~20 s here: CI checks every category's exemplar, the rest are slow);
- ``triton`` and ``pallas`` run natively on a GPU and through their interpreters on a CPU;
- ``cuda`` runs only on a GPU (marked ``gpu``); without one, the one-shot example is built for real
  with a CUDA build of torch (``MKB_CUDA_PYTHON``, set up by ``.ci/run``), a build-only verdict.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from multikernelbench.backends.devices import CudaGPU
from multikernelbench.evaluation.evaluator import Evaluator
from multikernelbench.evaluation.extraction import extract_candidate
from multikernelbench.generation.exemplars import ADD_EXEMPLAR, CATEGORY_EXEMPLARS
from multikernelbench.generation.solutions import bundled_solution, solution_tasks
from multikernelbench.tasks import bundled_tasks, load_task
from tests.conftest import make_evaluator
from tests.support.verdicts import why_not_passed

HAS_GPU = CudaGPU.absent_reason() is None
# What marks an answer as written in each backend's language: its own kernels.
OWN_KERNELS = {"cpp": "cpp_sources", "cuda": "cuda_sources", "triton": "@triton.jit", "pallas": "pallas_call"}
EXEMPLARS = set(CATEGORY_EXEMPLARS.values())


def _params(backend: str, everywhere: bool) -> list:
    """(backend, task) cases; C++ builds beyond the exemplars are slow, CUDA runs need a GPU."""
    cases = []
    for name in solution_tasks(backend):
        marks = []
        if backend == "cpp" and name not in EXEMPLARS:
            marks.append(pytest.mark.slow)
        if backend == "cuda" and not everywhere:
            marks.append(pytest.mark.gpu)
        cases.append(pytest.param(backend, name, marks=marks, id=f"{backend}-{name}"))
    return cases


ALL_SOLUTIONS = [case for backend in OWN_KERNELS for case in _params(backend, everywhere=True)]
RUNNABLE = [case for backend in OWN_KERNELS for case in _params(backend, everywhere=False)]


@pytest.fixture(scope="session")
def evaluators(build_cache: Path) -> dict[str, Evaluator]:
    return {}


def _evaluator(evaluators: dict[str, Evaluator], build_cache: Path, backend: str) -> Evaluator:
    if backend not in evaluators:
        evaluators[backend] = make_evaluator(build_cache, backend=backend)
    return evaluators[backend]


@pytest.mark.parametrize("backend", sorted(OWN_KERNELS))
def test_every_backend_solves_every_category_exemplar(backend: str) -> None:
    assert EXEMPLARS <= set(solution_tasks(backend))
    assert set(solution_tasks(backend)) <= set(bundled_tasks())


@pytest.mark.parametrize(("backend", "name"), ALL_SOLUTIONS)
def test_solution_is_written_with_the_backends_own_kernels(backend: str, name: str) -> None:
    source = extract_candidate(bundled_solution(name, backend) or "").source
    assert source is not None and "class ModelNew" in source
    assert OWN_KERNELS[backend] in source
    for other, marker in OWN_KERNELS.items():
        if other != backend and backend != "cuda":  # a CUDA answer declares its host functions in cpp_sources
            assert marker not in source, f"a {backend} answer uses {other}'s kernels"


@pytest.mark.parametrize(("backend", "name"), RUNNABLE)
def test_bundled_solution_passes(evaluators: dict[str, Evaluator], build_cache: Path, backend: str, name: str) -> None:
    evaluator = _evaluator(evaluators, build_cache, backend)
    record = evaluator.evaluate(load_task(name), bundled_solution(name, backend))
    assert record.passed, why_not_passed(record)
    assert record.mode == ("native" if backend == "cpp" or HAS_GPU else "interpreter")
    if record.mode == "native":
        assert record.speedup is not None and record.speedup > 0
    else:
        # Interpreted kernels are timed, but their times are never reported as speeds.
        assert record.timing_clock == "interpreter" and record.speedup is None


def test_build_only_is_a_compile_verdict_never_a_pass(build_cache: Path) -> None:
    """Any backend can be asked for build verdicts alone (cpp here: cheap, its build is shared with other tests)."""
    evaluator = make_evaluator(build_cache, build_only=True)
    record = evaluator.evaluate(load_task("relu"), bundled_solution("relu", "cpp"))
    assert record.compiled and not record.passed and record.mode == "build_only"
    assert record.failure == "unsupported" and record.runtime is None and record.speedup is None
    assert record.to_json()["correctness"] is False
    assert record.hardware["kind"] == "cpu" and record.hardware["logical_cores"] >= 1  # where it was built


@pytest.mark.skipif(not os.environ.get("MKB_CUDA_PYTHON"),
                    reason="set MKB_CUDA_PYTHON to a Python with a CUDA build of torch (.ci/run makes one)")
def test_cuda_one_shot_example_builds_without_a_gpu(build_cache: Path) -> None:
    """The real CUDA build path on a CPU machine: nvcc compiles, links and loads the answer; no pass is claimed."""
    evaluator = make_evaluator(build_cache, backend="cuda", build_only=True, worker_python=os.environ["MKB_CUDA_PYTHON"],
                               build_timeout_s=900.0)
    record = evaluator.evaluate(load_task(ADD_EXEMPLAR), bundled_solution(ADD_EXEMPLAR, "cuda"))
    assert record.compiled, record.compile_info
    assert record.mode == "build_only" and not record.passed
    assert record.failed_phase == "check" and record.failure == "unsupported"
    # A source that does not compile gets a compile failure through the same path.
    broken = bundled_solution(ADD_EXEMPLAR, "cuda").replace("__global__", "__global__ int oops = ;", 1)
    failed = evaluator.evaluate(load_task(ADD_EXEMPLAR), broken)
    assert not failed.compiled and failed.failure == "compile_error" and failed.failed_phase == "build"
