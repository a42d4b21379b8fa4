"""Throughput of the Ray executor: N device lanes against one lane, on the same answers.

Usage: python benchmarks/ray_lanes.py [--lanes 2] [--lane-cores 1] [--backend cpp] [--samples 2]
                                      [--tasks relu,elu,...] [--ray-address HOST:PORT]
       python benchmarks/ray_lanes.py --backend cuda --lanes 8 --ray-address HEAD:6379   # a GPU cluster

Takes the bundled answers of the given tasks (``--samples`` copies of each, so one lane always has
work) and evaluates them all, check and timing with the default timing plan and the torch.compile
baseline: once to build them and fill the caches, then on one lane, then on N lanes, each lane owning
``--lane-cores`` cores (cpp) or one GPU. Prints the wall-clock time and answers per minute of the last
two, and the ratio; goal: at least 0.8 x N. Without ``--ray-address`` a Ray instance is started on this
machine; on a cluster of several nodes, give them one shared ``--cache-dir`` so every lane finds the
builds.
"""

from __future__ import annotations

import argparse
import logging
import platform
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from multikernelbench.backends.devices import cpu_count
from multikernelbench.evaluation.evaluator import EvalConfig
from multikernelbench.executors.ray_executor import RayEvaluator
from multikernelbench.generation.exemplars import CATEGORY_EXEMPLARS
from multikernelbench.generation.solutions import bundled_solution
from multikernelbench.paths import default_cache_dir
from multikernelbench.tasks.loader import select_tasks

_TASKS = "relu,elu,gelu,sigmoid,tanh,swish,leaky_relu,hardtanh"


def evaluate_all(judge: RayEvaluator, work: list) -> tuple[float, int]:
    """Seconds to evaluate every (task, answer) on ``judge``'s lanes, and how many passed."""
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=judge.capacity) as pool:
        records = list(pool.map(lambda item: judge.evaluate(*item), work))
    return time.perf_counter() - start, sum(record.passed for record in records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=2)
    parser.add_argument("--lane-cores", type=int, default=1)
    parser.add_argument("--backend", default="cpp")
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--tasks", help=f"default: {_TASKS} for cpp, the category exemplars for other backends")
    parser.add_argument("--ray-address")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    args = parser.parse_args()

    import ray

    config = EvalConfig(seed=7, cache_dir=args.cache_dir)
    # The GPU backends bundle one answer per category (their exemplars); cpp more, in activation.
    names = args.tasks.split(",") if args.tasks else (
        _TASKS.split(",") if args.backend == "cpp" else sorted(set(CATEGORY_EXEMPLARS.values())))
    tasks = select_tasks(names)
    answers = [(task, bundled_solution(task.name, args.backend)) for task in tasks]
    missing = [task.name for task, text in answers if text is None]
    if missing:
        raise SystemExit(f"no bundled {args.backend} answer for: {', '.join(missing)}")
    work = answers * args.samples
    if args.ray_address:
        ray.init(address=args.ray_address, log_to_driver=False, logging_level=logging.ERROR)
    else:
        ray.init(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    rows = []
    try:
        # A first pass builds every answer and fills the compile baseline's cache (a run shares both across its
        # answers), so the passes compared measure checking and timing.
        for lanes in (args.lanes, 1, args.lanes):
            judge = RayEvaluator(args.backend, config, lanes=lanes, lane_cores=args.lane_cores)
            try:
                assert len(judge.lane_load()) == lanes, f"asked for {lanes} lanes, got {judge.lane_load()}"
                seconds, passed = evaluate_all(judge, work)
            finally:
                judge.close()
            rows.append((lanes, seconds, passed))
            label = "warm-up (builds)" if len(rows) == 1 else f"{lanes} lane(s)"
            print(f"  {label}: {len(work)} answers in {seconds:.1f} s ({passed} passed)", flush=True)
    finally:
        ray.shutdown()
    _, one_lane_s, one_passed = rows[1]
    lanes, many_s, many_passed = rows[2]
    ratio = one_lane_s / many_s
    print(f"\nmachine: {platform.machine()}, {cpu_count()} cores, Python {platform.python_version()}; "
          f"backend {args.backend}, {args.lane_cores} core(s) per CPU lane, {len(work)} answers")
    print(f"{'lanes':>6} {'wall s':>8} {'answers/min':>12} {'passed':>7}")
    for count, seconds, passed in rows[1:]:
        print(f"{count:>6} {seconds:>8.1f} {len(work) / seconds * 60:>12.1f} {passed:>7}")
    verdict = "meets" if ratio >= 0.8 * lanes else "misses"
    print(f"throughput ratio {lanes} lanes / 1 lane: {ratio:.2f} (goal >= {0.8 * lanes:.1f}: {verdict} it); "
          f"same passes: {one_passed == many_passed}")


if __name__ == "__main__":
    main()
