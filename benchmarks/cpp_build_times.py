"""Cold C++ build times of a bundled cpp answer with and without the precompiled torch header.

Usage: python benchmarks/cpp_build_times.py [--task relu] [--repeat 3]

Each build runs the answer's top level (its ``load_inline`` call) in a fresh
process with an empty extensions folder, so nothing of the answer is cached;
only the precompiled header is shared. Prints, in wall-clock seconds on this
machine: the one-time build of the header (the first build with an empty
header cache, minus a median build with the header), then min / median / max
of cold builds with the header and without it. Goal: 10 s or less per cold
build with the header on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from multikernelbench.evaluation.extraction import extract_candidate
from multikernelbench.generation.solutions import bundled_solution

# Runs in a fresh interpreter: argv = answer path, extensions folder, header cache ("" for none).
_BUILD = """
import os, sys, types
os.environ["TORCH_EXTENSIONS_DIR"] = sys.argv[2]
if sys.argv[3]:
    from multikernelbench.backends.precompiled_headers import use_precompiled_headers
    use_precompiled_headers(__import__("pathlib").Path(sys.argv[3]))
module = types.ModuleType("answer")
exec(compile(open(sys.argv[1]).read(), sys.argv[1], "exec"), module.__dict__)
assert isinstance(module.ModelNew, type)
"""


def build_once(answer: Path, header_cache: Path | None) -> float:
    """Seconds to import torch and build the answer from nothing (the header cache aside)."""
    with tempfile.TemporaryDirectory(prefix="mkb-bench-ext-") as extensions:
        start = time.monotonic()
        subprocess.run([sys.executable, "-c", _BUILD, str(answer), extensions, str(header_cache or "")],
                       check=True, capture_output=True)
        return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="relu")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source = extract_candidate(bundled_solution(args.task, "cpp") or "").source
    if source is None:
        raise SystemExit(f"no bundled cpp answer for '{args.task}'")
    with tempfile.TemporaryDirectory(prefix="mkb-bench-pch-") as work:
        answer = Path(work) / "answer.py"
        answer.write_text(source)
        headers = Path(work) / "headers"
        first = build_once(answer, headers)
        print(f"first build, precompiling the header: {first:.1f} s", flush=True)
        rows = {"with the precompiled header": [], "without it": []}
        for _ in range(args.repeat):  # alternated, so load drifts hit both alike
            rows["with the precompiled header"].append(build_once(answer, headers))
            rows["without it"].append(build_once(answer, None))
            print("  " + ", ".join(f"{name}: {times[-1]:.1f} s" for name, times in rows.items()), flush=True)
    with_header = statistics.median(rows["with the precompiled header"])
    print(f"\ncold cpp build of '{args.task}' on {platform.node()} ({len(os.sched_getaffinity(0))} "
          f"cores), {args.repeat} runs each, seconds")
    print(f"{'':30} {'min':>6} {'median':>7} {'max':>6}")
    for name, times in rows.items():
        print(f"{name:30} {min(times):6.1f} {statistics.median(times):7.1f} {max(times):6.1f}")
    print(f"{'header, once per toolchain':30} {first - with_header:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
