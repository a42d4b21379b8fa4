"""Shared fixtures: one build cache for the whole test session and a fast evaluator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from multikernelbench.backends.devices import CudaGPU
from multikernelbench.evaluation.evaluator import EvalConfig, Evaluator
from multikernelbench.evaluation.protocol import TimingSpec

# Every process a test starts (``mkb`` commands, tools) imports the checkout the tests import (pythonpath in
# pyproject.toml), not whichever checkout was last installed in editable mode.
_SOURCE = str(Path(__file__).resolve().parent.parent / "src")
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_SOURCE, os.environ.get("PYTHONPATH")) if p)


@pytest.fixture(scope="session")
def build_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared across tests (and across xdist workers, whose temp roots share a parent)."""
    if os.environ.get("MKB_TEST_CACHE"):
        path = Path(os.environ["MKB_TEST_CACHE"])
    elif os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.getbasetemp().parent / "mkb-build-cache"
    else:
        path = tmp_path_factory.getbasetemp() / "mkb-build-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


FAST_TIMING = TimingSpec(warmup=1, min_trials=3, max_trials=10, budget_s=0.2)


def make_evaluator(cache: Path, backend: str = "cpp", **overrides) -> Evaluator:
    # The torch.compile baseline costs seconds per evaluation; its own tests (test_compile_baseline.py) turn it on.
    settings = dict(seed=1234, cache_dir=cache, timing_plan=FAST_TIMING, check_timeout_s=60.0, compile_baseline=False,
                    time_timeout_s=60.0, memory_limit_bytes=6 * 2**30)
    settings.update(overrides)
    return Evaluator(backend, EvalConfig(**settings))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``gpu`` need an NVIDIA GPU: skipped, with the reason, on machines without one."""
    reason = CudaGPU.absent_reason()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=f"needs a GPU: {reason}")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def evaluator(build_cache: Path) -> Evaluator:
    """For verdict tests whose answers are plain PyTorch (they exercise phases without a C++ build):
    integrity checks off, or every such answer would be flagged. The checks have tests of their own."""
    return make_evaluator(build_cache, integrity="off")
