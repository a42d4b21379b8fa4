"""Toolchain facts: where the CUDA toolkit is, what goes into the build-cache key, and asking another interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from multikernelbench.backends import toolchains
from multikernelbench.backends.cuda import BUILD_ONLY_ARCH, target_arch
from multikernelbench.errors import UserError
from multikernelbench.evaluation.evaluator import build_key, probe_toolchain


def fake_toolkit(root: Path) -> Path:
    """A CUDA toolkit's layout: bin/nvcc printing its release, and the runtime header."""
    (root / "bin").mkdir(parents=True)
    (root / "include").mkdir()
    (root / "include" / "cuda_runtime.h").write_text("/* runtime */\n")
    nvcc = root / "bin" / "nvcc"
    nvcc.write_text("#!/bin/sh\necho 'nvcc: NVIDIA (R) Cuda compiler driver'\n"
                    "echo 'Cuda compilation tools, release 13.0, V13.0.88'\n")
    nvcc.chmod(0o755)
    return nvcc


def test_cuda_home_follows_a_wrapper_script_to_the_real_toolkit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = fake_toolkit(tmp_path / "opt" / "cuda-13.0")
    wrappers = tmp_path / "wrappers"
    wrappers.mkdir()
    (wrappers / "nvcc").write_text(f'#!/bin/sh\nexec {real} "$@"\n')
    (wrappers / "nvcc").chmod(0o755)
    monkeypatch.delenv("CUDA_HOME", raising=False)
    monkeypatch.setenv("PATH", f"{wrappers}:/usr/bin:/bin")
    assert toolchains.cuda_home() == tmp_path / "opt" / "cuda-13.0"
    assert toolchains.nvcc_version() == "Cuda compilation tools, release 13.0, V13.0.88"
    monkeypatch.setenv("CUDA_HOME", str(tmp_path / "elsewhere"))  # the user's choice wins
    assert toolchains.cuda_home() == tmp_path / "elsewhere" and toolchains.nvcc_version() is None


def test_no_nvcc_means_no_toolkit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CUDA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert toolchains.cuda_home() is None and toolchains.nvcc_version() is None


def test_torch_build_is_read_without_importing_torch() -> None:
    code = ("import sys; from multikernelbench.backends import toolchains; facts = toolchains.torch_build(); "
            "print(facts['torch'], facts['torch_cuda'], 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    import torch

    assert out == [torch.__version__, str(torch.version.cuda), "False"]


def test_the_build_key_changes_with_anything_that_changes_the_artefact() -> None:
    facts = {"torch": "2.13.0+cpu", "torch_git": "abc", "compiler": "g++ 12.2", "python": "3.11.7"}
    key = build_key("cpp", facts, "source")
    assert key == build_key("cpp", dict(reversed(facts.items())), "source")  # order does not matter
    for changed in ({"torch_git": "def"}, {"compiler": "g++ 13.1"}, {"python": "3.12.1"}, {"cuda_arch": "8.0"}):
        assert build_key("cpp", facts | changed, "source") != key, changed
    assert build_key("cpp", facts, "source2") != key and build_key("cuda", facts, "source") != key


def test_the_cuda_target_is_the_users_else_the_gpus_else_hopper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TORCH_CUDA_ARCH_LIST", raising=False)
    monkeypatch.setattr(toolchains, "cuda_home", lambda: None)
    from multikernelbench.backends import cuda

    monkeypatch.setattr(cuda.CudaGPU, "capability", classmethod(lambda cls, index=0: "8.0"))
    assert target_arch(build_only=False) == "8.0" and target_arch(build_only=True) == BUILD_ONLY_ARCH
    monkeypatch.setenv("TORCH_CUDA_ARCH_LIST", "8.9;9.0")
    assert target_arch(build_only=True) == "8.9;9.0"


def test_another_interpreter_describes_its_own_toolchain(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "multikernelbench.backends.toolchains", "cpp"],
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    assert data["unavailable"] is None and data["toolchain"]["compiler"] == toolchains.cxx_version()
    here = probe_toolchain("cpp", sys.executable, False)
    assert here.facts["torch"] == data["toolchain"]["torch"]
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    with pytest.raises(UserError, match=f"the worker interpreter {broken} could not describe its toolchain"):
        probe_toolchain("cpp", str(broken), False)


def test_no_extension_build_happens_once_builds_are_forbidden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check phase only loads: if ninja would compile anything there, it fails loudly instead."""
    import torch.utils.cpp_extension as cpp_extension

    monkeypatch.setattr(cpp_extension, "_run_ninja_build", cpp_extension._run_ninja_build)  # restored afterwards
    (tmp_path / "build.ninja").write_text("rule touch\n  command = touch $out\nbuild out.txt: touch\n")
    toolchains.forbid_extension_builds()
    with pytest.raises(RuntimeError, match="load_inline would compile in the check phase"):
        cpp_extension._run_ninja_build(str(tmp_path), False, "Error building extension")
    assert not (tmp_path / "out.txt").exists()
    subprocess.run(["ninja"], cwd=tmp_path, check=True, capture_output=True)  # built in "the build phase"
    cpp_extension._run_ninja_build(str(tmp_path), False, "Error building extension")  # nothing to do: allowed


def test_a_missing_package_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    assert toolchains.package_missing("json", "pip install json") is None
    assert toolchains.package_missing("no_such_pkg", "pip install x") == "no_such_pkg is not installed; run: pip install x"
    real = toolchains.importlib.util.find_spec
    monkeypatch.setattr(toolchains.importlib.util, "find_spec", lambda name: None if name == "torch" else real(name))
    assert "PyTorch is not installed" in (toolchains.package_missing("json", "pip install json") or "")
