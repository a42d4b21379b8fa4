"""Precompiled torch headers for C++ answers: most of a cold C++ build is parsing ``torch/extension.h``.

``load_inline`` starts every C++ source with ``#include <torch/extension.h>``.
GCC uses ``<dir>/torch/extension.h.gch`` instead of parsing the header when
``<dir>`` comes first on the include path and the precompiled header was made
with the same compiler and flags. So, after torch writes an extension's
``build.ninja``, this module builds (once per compiler, torch build and flag
set, under a lock, in the build cache) such a header with exactly that file's
flags, and puts its folder first on the include path. The answer is not
changed; if GCC finds the header unusable it parses the real one, which sits
beside it as a link. torch's own ``use_pch`` is not used: it writes into the
shared torch installation and answers that do not ask for it delete it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shlex
import subprocess
from pathlib import Path

_NAME_FLAG = re.compile(r"-DTORCH_EXTENSION_NAME=\S+\s*")
_PCH_TIMEOUT_S = 600


def use_precompiled_headers(cache_root: Path) -> None:
    """From now on, this process's C++ extension builds include a precompiled ``torch/extension.h``."""
    import torch.utils.cpp_extension as cpp_extension

    write_ninja = cpp_extension._write_ninja_file_to_build_library  # type: ignore[attr-defined]

    def write_with_pch(path: str, *args: object, **kwargs: object) -> None:
        write_ninja(path, *args, **kwargs)
        try:
            add_precompiled_header(Path(path), cache_root, cpp_extension.include_paths("cpu")[0])
        except (OSError, subprocess.SubprocessError):
            pass  # no precompiled header: the build parses the headers, as it would without us

    cpp_extension._write_ninja_file_to_build_library = write_with_pch  # type: ignore[attr-defined]


def add_precompiled_header(ninja_file: Path, cache_root: Path, torch_include: str) -> Path | None:
    """Rewrite ``ninja_file`` so its C++ compiles find a precompiled header first; the header's folder, or None.

    Only for plain C++ extensions built by GCC (not CUDA sources: nvcc has no such mechanism).
    """
    text = ninja_file.read_text()
    cxx = re.search(r"^cxx = (.+)$", text, re.MULTILINE)
    cflags = re.search(r"^cflags = (.*)$", text, re.MULTILINE)
    if cxx is None or cflags is None or "cuda_cflags" in text or not _is_gcc(cxx.group(1)):
        return None
    flags = _NAME_FLAG.sub("", cflags.group(1)).strip()
    root = ensure_header(cache_root, cxx.group(1), flags, Path(torch_include) / "torch" / "extension.h")
    if root is None:
        return None
    ninja_file.write_text(text.replace(cflags.group(0), f"cflags = -I{shlex.quote(str(root))} {cflags.group(1)}", 1))
    return root


def ensure_header(cache_root: Path, cxx: str, flags: str, header: Path) -> Path | None:
    """The folder holding ``torch/extension.h.gch`` built for ``cxx`` and ``flags``; built once, under a lock.

    None when the header cannot be precompiled with these flags; that is remembered, so the build
    and the check of one answer always agree on whether it is used.
    """
    version = subprocess.run([*shlex.split(cxx), "--version"], capture_output=True, text=True, timeout=30).stdout
    key = hashlib.sha256("\0".join([cxx, version, flags, str(header), str(header.stat().st_mtime)]).encode())
    root = cache_root / "pch" / key.hexdigest()[:20]
    gch, failed = root / "torch" / "extension.h.gch", root / "failed"
    if gch.exists() or failed.exists():
        return root if gch.exists() else None
    gch.parent.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if failed.exists():
            return None
        if not gch.exists():
            partial = gch.with_suffix(f".partial-{os.getpid()}")
            command = [*shlex.split(cxx), *shlex.split(flags), "-x", "c++-header", str(header), "-o", str(partial)]
            done = subprocess.run(command, capture_output=True, timeout=_PCH_TIMEOUT_S)
            if done.returncode != 0:
                failed.write_bytes(done.stderr[-4000:])
                partial.unlink(missing_ok=True)
                return None
            real = gch.parent / "extension.h"
            if not real.exists():
                real.symlink_to(header)  # an unusable .gch falls back to the real header, found right here
            partial.replace(gch)  # atomic: a concurrent build sees a whole header or none
    return root


def _is_gcc(cxx: str) -> bool:
    try:
        out = subprocess.run([*shlex.split(cxx), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "clang" not in out.lower() and ("gcc" in out.lower() or "g++" in out.lower() or "free software" in out.lower())
