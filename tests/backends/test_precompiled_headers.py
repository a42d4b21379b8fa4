"""Precompiled torch headers for C++ builds, on a tiny stand-in header (the real one takes ~45 s to precompile).

What is checked: the header is built once per compiler and flag set (the
extension's name is not part of it), the build file then finds it first on
the include path, GCC really uses it, and every failure leaves the build as
torch wrote it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from multikernelbench.backends.precompiled_headers import add_precompiled_header, ensure_header
from multikernelbench.backends.toolchains import cxx_compiler

pytestmark = pytest.mark.skipif(cxx_compiler() is None, reason="needs a C++ compiler")

NINJA = """ninja_required_version = 1.3
cxx = {cxx}
cflags = -DTORCH_EXTENSION_NAME={name} -DTORCH_API_INCLUDE_EXTENSION_H -fPIC -std=c++17 -O2
post_cflags =
rule compile
  command = $cxx -MMD -MF $out.d $cflags -c $in -o $out $post_cflags
build main.o: compile main.cpp
"""


@pytest.fixture
def include_root(tmp_path: Path) -> Path:
    """A stand-in for torch's include folder, holding ``torch/extension.h``."""
    header = tmp_path / "include" / "torch" / "extension.h"
    header.parent.mkdir(parents=True)
    header.write_text("#pragma once\n#include <vector>\ninline int answer() { return 42; }\n")
    return tmp_path / "include"


def write_ninja(folder: Path, name: str, cxx: str = "g++") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "build.ninja"
    path.write_text(NINJA.format(cxx=cxx, name=name))
    return path


def test_one_header_serves_every_extension_built_with_the_same_flags(tmp_path: Path, include_root: Path) -> None:
    cache = tmp_path / "cache"
    first = add_precompiled_header(write_ninja(tmp_path / "a", "ext_a"), cache, str(include_root))
    second = add_precompiled_header(write_ninja(tmp_path / "b", "ext_b"), cache, str(include_root))
    assert first is not None and first == second
    assert (first / "torch" / "extension.h.gch").is_file()
    assert (first / "torch" / "extension.h").resolve() == (include_root / "torch" / "extension.h").resolve()
    assert len(list((cache / "pch").iterdir())) == 1
    text = (tmp_path / "a" / "build.ninja").read_text()
    assert f"cflags = -I{first} -DTORCH_EXTENSION_NAME=ext_a" in text


def test_gcc_uses_the_precompiled_header(tmp_path: Path, include_root: Path) -> None:
    root = ensure_header(tmp_path / "cache", "g++", "-fPIC -std=c++17 -O2", include_root / "torch" / "extension.h")
    assert root is not None
    source = tmp_path / "main.cpp"
    source.write_text("#include <torch/extension.h>\nint main() { return answer() == 42 ? 0 : 1; }\n")
    trace = subprocess.run(["g++", f"-I{root}", f"-I{include_root}", "-fPIC", "-std=c++17", "-O2", "-H", "-c",
                            str(source), "-o", str(tmp_path / "main.o")], capture_output=True, text=True, check=True)
    assert "extension.h.gch" in trace.stderr  # "! .../extension.h.gch": the precompiled header was used


def test_other_flags_get_their_own_header(tmp_path: Path, include_root: Path) -> None:
    header = include_root / "torch" / "extension.h"
    plain = ensure_header(tmp_path / "cache", "g++", "-std=c++17 -O2", header)
    openmp = ensure_header(tmp_path / "cache", "g++", "-std=c++17 -O2 -fopenmp", header)
    assert plain is not None and openmp is not None and plain != openmp


def test_a_header_that_cannot_be_precompiled_leaves_the_build_alone(tmp_path: Path, include_root: Path) -> None:
    cache = tmp_path / "cache"
    header = include_root / "torch" / "extension.h"
    assert ensure_header(cache, "g++", "-std=c++17 --no-such-flag", header) is None
    failed = next((cache / "pch").iterdir()) / "failed"
    assert failed.is_file() and b"no-such-flag" in failed.read_bytes()
    assert ensure_header(cache, "g++", "-std=c++17 --no-such-flag", header) is None  # remembered, not retried
    # CUDA builds (nvcc has no precompiled headers) and other compilers are left as torch wrote them.
    cuda = write_ninja(tmp_path / "cuda", "ext_cuda")
    cuda.write_text(cuda.read_text() + "cuda_cflags = -O3\n")
    before = cuda.read_text()
    assert add_precompiled_header(cuda, cache, str(include_root)) is None and cuda.read_text() == before
    fake = tmp_path / "clang++"
    fake.write_text("#!/bin/sh\necho 'clang version 18.0.0'\n")
    fake.chmod(0o755)
    other = write_ninja(tmp_path / "clang", "ext_clang", cxx=str(fake))
    before = other.read_text()
    assert add_precompiled_header(other, cache, str(include_root)) is None and other.read_text() == before
