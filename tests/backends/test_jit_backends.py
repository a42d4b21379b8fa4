"""Triton and Pallas on a machine without a GPU: their interpreters, their compile errors, the published format.

These run on the CPU through ``TRITON_INTERPRET=1`` and Pallas's interpret
mode; on a GPU host the same answers run natively (test_contract.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from multikernelbench.backends.devices import CudaGPU
from multikernelbench.evaluation.evaluator import Evaluator
from multikernelbench.generation.solutions import bundled_solution
from multikernelbench.tasks import load_task
from tests.conftest import make_evaluator
from tests.support.verdicts import why_not_passed

pytestmark = pytest.mark.skipif(CudaGPU.absent_reason() is None, reason="interpreter paths: a GPU host runs natively")


@pytest.fixture(scope="module")
def triton_evaluator(build_cache: Path) -> Evaluator:
    return make_evaluator(build_cache, backend="triton")


def triton_relu(kernel_body: str) -> str:
    """The bundled Triton relu answer with its kernel's store line replaced by ``kernel_body``."""
    answer = bundled_solution("relu", "triton") or ""
    line = "    tl.store(out_ptr + offsets, tl.maximum(x, 0.0), mask=mask)"
    assert line in answer
    return answer.replace(line, kernel_body)


def test_a_triton_kernel_that_does_not_compile_is_a_compile_failure(triton_evaluator: Evaluator) -> None:
    # Triton rejects a block of 1000 (not a power of 2) when it compiles the kernel, on its first call.
    answer = triton_relu("    wide = tl.arange(0, 1000)\n    tl.store(out_ptr + wide, x, mask=wide < n_elements)")
    record = triton_evaluator.evaluate(load_task("relu"), answer)
    assert not record.compiled and not record.passed
    assert record.failure == "compile_error" and record.failed_phase == "check"
    assert "power of 2" in (record.error or "")
    unknown = triton_evaluator.evaluate(load_task("relu"), triton_relu("    tl.store(out_ptr + offsets, tl.relu_nope(x))"))
    assert not unknown.compiled and unknown.failure == "compile_error" and "relu_nope" in (unknown.error or "")


def test_a_triton_kernel_with_wrong_results_compiled_but_mismatches(triton_evaluator: Evaluator) -> None:
    answer = triton_relu("    tl.store(out_ptr + offsets, tl.maximum(x, 0.5), mask=mask)")
    record = triton_evaluator.evaluate(load_task("relu"), answer)
    assert record.compiled and not record.passed
    assert record.failure == "mismatch" and record.failed_phase == "check" and record.mode == "interpreter"


def test_a_crash_in_the_host_code_is_a_crash_not_a_compile_error(triton_evaluator: Evaluator) -> None:
    answer = (bundled_solution("relu", "triton") or "").replace("return relu(x)", "return relu(x.view(7, -1, 3))")
    record = triton_evaluator.evaluate(load_task("relu"), answer)
    assert record.compiled and record.failure == "crash" and record.failed_phase == "check"


# A Pallas answer in the published format: torch_xla's make_kernel_from_pallas, no interpret flag.
PUBLISHED_PALLAS = '''The published format, for a TPU with torch_xla.

```python
import jax
import jax.numpy as jnp
import torch
import torch.nn as nn
from jax.experimental import pallas as pl
from torch_xla.experimental.custom_kernel import make_kernel_from_pallas


def relu_kernel(x_ref, o_ref):
    o_ref[...] = jnp.maximum(x_ref[...], 0.0)


@jax.jit
def relu(x):
    return pl.pallas_call(relu_kernel, out_shape=jax.ShapeDtypeStruct(x.shape, x.dtype))(x)


relu_torch = make_kernel_from_pallas(relu, lambda x: [(x.shape, x.dtype)])


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return relu_torch(x)
```
'''


def test_a_published_format_pallas_answer_runs_unchanged_without_torch_xla(build_cache: Path) -> None:
    evaluator = make_evaluator(build_cache, backend="pallas")
    record = evaluator.evaluate(load_task("relu"), PUBLISHED_PALLAS)
    assert record.passed, why_not_passed(record)
    assert record.mode == "interpreter" and record.timing_clock == "interpreter" and record.speedup is None
    # The same answer computing the wrong thing fails: the shim and the forced interpreter really ran it.
    wrong = evaluator.evaluate(load_task("relu"), PUBLISHED_PALLAS.replace("jnp.maximum(x_ref[...], 0.0)",
                                                                          "jnp.maximum(x_ref[...], 0.25)"))
    assert wrong.compiled and wrong.failure == "mismatch"
