"""Measure the harness itself: cold and warm build of one cpp candidate, per-phase wall times,
and the wall time of the default ``mkb run`` from an empty build cache.

Usage: python benchmarks/eval_timings.py [--task relu] [--skip-run]
Prints a short table; every figure is wall-clock seconds on this machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from multikernelbench.evaluation.evaluator import EvalConfig, Evaluator
from multikernelbench.generation.solutions import bundled_solution
from multikernelbench.tasks import load_task


def evaluate_once(cache: Path, task: str) -> tuple[float, dict[str, float], bool]:
    evaluator = Evaluator("cpp", EvalConfig(cache_dir=cache))
    start = time.monotonic()
    record = evaluator.evaluate(load_task(task), bundled_solution(task, "cpp"))
    wall = time.monotonic() - start
    if not record.passed:
        raise SystemExit(f"the bundled {task} solution failed: {record.error}")
    return wall, {p.phase: p.seconds for p in record.phases}, record.build_cache_hit


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
    parser.add_argument("--skip-run", action="store_true", help="skip the default `mkb run` measurement")
    args = parser.parse_args()
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as cache_dir:
        cache = Path(cache_dir)
        cold_wall, cold_phases, _ = evaluate_once(cache, args.task)
        warm_wall, warm_phases, hit = evaluate_once(cache, args.task)
        assert hit, "the second evaluation should hit the build cache"
        rows += [("cold evaluation, total", cold_wall), ("cold build", cold_phases["build"])]
        rows += [(f"warm {name}", warm_phases[name]) for name in ("extract", "build", "check", "time")]
        rows.append(("warm evaluation, total (incl. worker start)", warm_wall))
    if not args.skip_run:
        with tempfile.TemporaryDirectory() as cache_dir:
            rows.append(("default `mkb run`, empty build cache", default_run_seconds(Path(cache_dir))))
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"task: {args.task} (small profile)")
    width = max(len(name) for name, _ in rows)
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:8.2f} s")


if __name__ == "__main__":
    main()
