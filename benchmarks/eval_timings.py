"""Measure the harness itself: cold and warm build of one cpp candidate, per-phase wall times, what the
torch.compile baseline adds to an evaluation, and the wall time of the default ``mkb run`` from an empty cache.

Usage: python benchmarks/eval_timings.py [--task relu] [--repeat 3] [--skip-run]
Prints a short table; every figure is wall-clock seconds on this machine.

The compile baseline's cost is the wall time of an evaluation with it minus one without it, both with a
warm build cache: "cold" with an empty inductor cache (first, also with an empty temp dir, where inductor
keeps its precompiled headers, as on a fresh machine; then with those headers left from the first), "warm"
with the compiled reference from an earlier evaluation in the cache, as every later evaluation of the task.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from multikernelbench.evaluation.evaluator import EvalConfig, Evaluator
from multikernelbench.generation.solutions import bundled_solution
from multikernelbench.records import EvalRecord
from multikernelbench.tasks import load_task


def evaluate_once(cache: Path, task: str, compile_baseline: bool = False) -> tuple[float, EvalRecord]:
    evaluator = Evaluator("cpp", EvalConfig(cache_dir=cache, compile_baseline=compile_baseline))
    start = time.monotonic()
    record = evaluator.evaluate(load_task(task), bundled_solution(task, "cpp"))
    wall = time.monotonic() - start
    if not record.passed:
        raise SystemExit(f"the bundled {task} solution failed: {record.error}")
    if compile_baseline and record.compile_baseline is None:
        raise SystemExit(f"no compile baseline for {task}: {time_detail(record).get('compile_baseline_error')}")
    return wall, record


def time_detail(record: EvalRecord) -> dict:
    return next(p for p in record.phases if p.phase == "time").detail


def compile_baseline_rows(cache: Path, task: str, repeat: int) -> list[tuple[str, float]]:
    """Extra wall time per evaluation with the compile baseline; needs a warm build cache for ``task``."""
    without = statistics.median(evaluate_once(cache, task)[0] for _ in range(repeat))
    cold: list[tuple[float, EvalRecord]] = []
    saved_tmpdir = os.environ.get("TMPDIR")
    with tempfile.TemporaryDirectory() as fresh_tmp:
        os.environ["TMPDIR"] = fresh_tmp  # the workers inherit it: no precompiled headers from earlier compiles
        try:
            for _ in range(2):
                shutil.rmtree(cache / "inductor", ignore_errors=True)
                cold.append(evaluate_once(cache, task, compile_baseline=True))
        finally:
            if saved_tmpdir is None:
                os.environ.pop("TMPDIR")
            else:
                os.environ["TMPDIR"] = saved_tmpdir
    warm = [evaluate_once(cache, task, compile_baseline=True) for _ in range(repeat)]
    warm_wall = statistics.median(wall for wall, _ in warm)
    warm_compile = statistics.median(time_detail(record)["compile_baseline_compile_s"] for _, record in warm)
    (first_wall, first), (second_wall, second) = cold
    return [
        (f"warm evaluation without compile baseline (median of {repeat})", without),
        ("compile baseline extra, cold (fresh machine)", first_wall - without),
        ("  of which compiling", time_detail(first)["compile_baseline_compile_s"]),
        ("compile baseline extra, cold (new task)", second_wall - without),
        ("  of which compiling", time_detail(second)["compile_baseline_compile_s"]),
        (f"compile baseline extra, warm inductor cache (median of {repeat})", warm_wall - without),
        ("  of which compiling", warm_compile),
    ]


def default_run_seconds(cache: Path) -> float:
    with tempfile.TemporaryDirectory() as results:
        env = {**os.environ, "MKB_CACHE_DIR": str(cache), "MKB_RESULTS_DIR": results}
        start = time.monotonic()
        subprocess.run([sys.executable, "-m", "multikernelbench.cli", "run"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", default="relu")
    parser.add_argument("--repeat", type=int, default=3, help="warm evaluations per figure (the median is shown)")
    parser.add_argument("--skip-run", action="store_true", help="skip the default `mkb run` measurement")
    args = parser.parse_args()
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as cache_dir:
        cache = Path(cache_dir)
        cold_wall, cold = evaluate_once(cache, args.task)
        warm_wall, warm = evaluate_once(cache, args.task)
        assert warm.build_cache_hit, "the second evaluation should hit the build cache"
        cold_phases = {p.phase: p.seconds for p in cold.phases}
        warm_phases = {p.phase: p.seconds for p in warm.phases}
        rows += [("cold evaluation, total", cold_wall), ("cold build", cold_phases["build"])]
        rows += [(f"warm {name}", warm_phases[name]) for name in ("extract", "build", "check", "time")]
        rows.append(("warm evaluation, total (incl. worker start)", warm_wall))
        rows += compile_baseline_rows(cache, args.task, args.repeat)
    if not args.skip_run:
        with tempfile.TemporaryDirectory() as cache_dir:
            rows.append(("default `mkb run` (compile baseline on), empty cache", default_run_seconds(Path(cache_dir))))
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"task: {args.task} (small profile); evaluations above the compile baseline rows do not time it")
    width = max(len(name) for name, _ in rows)
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:8.2f} s")


if __name__ == "__main__":
    main()
