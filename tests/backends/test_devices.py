"""The device layer: GPU discovery without torch, lane visibility, host timing and fingerprints.

A fake ``nvidia-smi`` on PATH stands in for a GPU host's driver, so the parent
side (which never imports torch) is tested on this CPU machine.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from multikernelbench.backends import devices
from multikernelbench.backends.base import BUILD_ONLY, INTERPRETER, NATIVE
from multikernelbench.backends.devices import CudaGPU, HostCPU, device_class
from multikernelbench.backends.registry import get_backend
from multikernelbench.errors import UserError

# What ``nvidia-smi --query-gpu=FIELD --format=csv,noheader`` prints on a host with two H200s.
FAKE_SMI = """#!/bin/sh
case "$1" in
  --query-gpu=index) printf '0\\n1\\n' ;;
  --query-gpu=name) printf 'NVIDIA H200\\nNVIDIA H200\\n' ;;
  --query-gpu=compute_cap) printf '9.0\\n9.0\\n' ;;
  --query-gpu=driver_version) printf '580.65.06\\n580.65.06\\n' ;;
  *) exit 9 ;;
esac
"""


@pytest.fixture
def smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Put a fake nvidia-smi (or none, with ``install(None)``) first on PATH."""

    def install(script: str | None) -> None:
        folder = tmp_path / "bin"
        folder.mkdir(exist_ok=True)
        if script is not None:
            tool = folder / "nvidia-smi"
            tool.write_text(script)
            tool.chmod(0o755)
        monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin" if script is not None else str(folder))
        devices._nvidia_smi.cache_clear()

    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    yield install
    devices._nvidia_smi.cache_clear()


def test_gpus_are_found_through_the_driver_without_torch(smi) -> None:  # type: ignore[no-untyped-def]
    smi(FAKE_SMI)
    assert CudaGPU.absent_reason() is None and CudaGPU.count() == 2
    assert CudaGPU.capability(0) == "9.0" and CudaGPU.capability(5) is None
    fingerprint = CudaGPU.host_fingerprint()
    assert fingerprint["gpus"] == ["NVIDIA H200", "NVIDIA H200"] and fingerprint["driver"] == ["580.65.06"] * 2


def test_no_driver_or_a_failing_driver_means_no_gpu(smi) -> None:  # type: ignore[no-untyped-def]
    smi(None)
    assert CudaGPU.count() == 0 and "no NVIDIA GPU" in (CudaGPU.absent_reason() or "")
    smi("#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not communicate with the driver'\nexit 9\n")
    assert CudaGPU.count() == 0 and CudaGPU.capability() is None


def test_each_lane_sees_one_of_the_gpus_the_user_allowed(smi, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    smi(FAKE_SMI)
    assert CudaGPU.worker_environment(1) == {"CUDA_VISIBLE_DEVICES": "1"}
    assert CudaGPU.worker_environment(None) == {}
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")  # the user gave this process one GPU: one lane, that GPU
    assert CudaGPU.count() == 1 and CudaGPU.worker_environment(0) == {"CUDA_VISIBLE_DEVICES": "1"}
    assert HostCPU.worker_environment(0) == {}  # the host has no visibility variable


def test_modes_follow_the_device(smi) -> None:  # type: ignore[no-untyped-def]
    smi(None)
    assert get_backend("triton").mode() == INTERPRETER and get_backend("pallas").mode() == INTERPRETER
    with pytest.raises(UserError, match="backend 'cuda' cannot run here: no NVIDIA GPU.*--build-only"):
        get_backend("cuda").mode()
    assert get_backend("cuda").mode(build_only=True) == BUILD_ONLY
    assert get_backend("cpp").mode() == NATIVE
    smi(FAKE_SMI)
    assert get_backend("triton").mode() == NATIVE and get_backend("cuda").mode() == NATIVE
    # An interpreter worker runs on the host CPU; a native one on the GPU.
    assert isinstance(get_backend("triton").device(INTERPRETER), HostCPU)
    assert isinstance(get_backend("triton").device(NATIVE), CudaGPU)


def test_device_kinds_by_name() -> None:
    assert device_class("cpu") is HostCPU and device_class("cuda") is CudaGPU
    with pytest.raises(ValueError, match="unknown device kind 'npu'; known: cpu, cuda"):
        device_class("npu")


def test_host_timing_waits_for_the_call_and_names_the_machine() -> None:
    cpu = HostCPU()
    assert cpu.time_call(lambda: time.sleep(0.02)) >= 20.0
    assert cpu.clock == "host_clock" and cpu.is_host and cpu.limit_address_space
    fingerprint = cpu.fingerprint()
    assert fingerprint["device"] == "cpu" and fingerprint["logical_cores"] == len(os.sched_getaffinity(0))
    assert fingerprint["memory_gib"] > 0 and fingerprint["torch_threads"] >= 1
    assert devices.default_memory_limit() == devices.host_memory_bytes() // 2
