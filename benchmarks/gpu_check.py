"""The GPU check: build, check and time the bundled CUDA, Triton and Pallas solutions on one GPU, and
show how far the harness's times can be trusted. Meant for a short lease of a GPU host (under 6 minutes).

Usage (from the source tree on a GPU host, whose torch is its own):
    PYTHONPATH=src python benchmarks/gpu_check.py [--backends cuda,triton,pallas] [--jobs 16] [--size full]

It prints, as it goes and then as a short table last:
1. per answer: compiled / passed, build and total wall seconds, candidate, eager and torch.compile medians
   (L2-flushed device events), the speedup with its 95% interval, and the timing warnings;
2. repeatability: every passing answer evaluated a second time (a build-cache hit); the two medians' difference;
3. the harness's time against the PyTorch profiler's kernel time for single-kernel answers (how much of the
   measured time is the kernel itself), and relu timed three ways: events with the mean and no flush (the
   published protocol), L2-flushed median events (ours), CUDA-graph replay;
4. the sweep's mean wall time per answer, cold builds included (goal: at most 6 s on a 16-core host);
5. integrity flags on the bundled (honest) answers, which must be none: each is a false alarm of the
   checks (dispatch trace, own-kernel count, timing claims, physical bound) on this GPU.
Results also go to $OUT/gpu_check.json when $OUT is set. On a machine without a GPU, Triton and Pallas run
through their interpreters (correctness only, for trying the script) and parts 3 are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from multikernelbench.backends.devices import CudaGPU, cpu_count
from multikernelbench.evaluation.evaluator import EvalConfig, Evaluator
from multikernelbench.evaluation.protocol import TimingSpec
from multikernelbench.generation.solutions import bundled_solution, solution_tasks
from multikernelbench.records import EvalRecord
from multikernelbench.tasks import load_task

# Answers whose forward is one kernel launch: their harness time should be their kernel time.
SINGLE_KERNEL = ("relu", "sigmoid", "add_bias_broadcast")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="cuda,triton,pallas")
    parser.add_argument("--jobs", type=int, default=cpu_count(), help="answers evaluated at once (builds overlap)")
    parser.add_argument("--size", default="full", choices=("small", "full"))
    parser.add_argument("--tasks", default="", help="comma-separated tasks (default: every bundled solution)")
    args = parser.parse_args()
    has_gpu = CudaGPU.absent_reason() is None
    results: dict[str, Any] = {"gpu": has_gpu, "answers": [], "repeat": [], "profiler": [], "protocols": {}}
    cache = Path(tempfile.mkdtemp(prefix="mkb-gpu-check-"))
    config = EvalConfig(cache_dir=cache, profile=args.size, seed=7,
                        timing_plan=TimingSpec(warmup=5, min_trials=30, max_trials=200, budget_s=1.0))
    for backend in [b for b in args.backends.split(",") if b]:
        evaluator = Evaluator(backend, config)
        names = [n for n in (args.tasks.split(",") if args.tasks else solution_tasks(backend)) if n]
        names = [n for n in names if bundled_solution(n, backend) is not None]
        print(f"== {backend} ({evaluator.mode}): {len(names)} answers, {args.jobs} at once", flush=True)
        start = time.monotonic()
        first = _sweep(evaluator, backend, names, args.jobs)
        sweep_s = time.monotonic() - start
        results["answers"] += [_row(backend, name, record, seconds) for name, (record, seconds) in first.items()]
        results.setdefault("sweeps", {})[backend] = {"answers": len(names), "wall_s": sweep_s,
                                                      "per_answer_s": sweep_s / max(1, len(names))}
        print(f"   sweep: {sweep_s:.1f} s, {sweep_s / max(1, len(names)):.2f} s per answer", flush=True)
        passing = [n for n, (r, _) in first.items() if r.passed and r.runtime]
        again = _sweep(evaluator, backend, passing, 1)  # one at a time: timing alone on the GPU
        for name in passing:
            a, b = first[name][0].runtime, again[name][0].runtime
            if a and b:
                results["repeat"].append({"backend": backend, "task": name, "first_ms": a.median,
                                          "second_ms": b.median, "diff_pct": 100 * abs(a.median - b.median) / a.median})
        if has_gpu and backend == "cuda":
            results["profiler"] = [_profile(evaluator, name, first[name][0]) for name in SINGLE_KERNEL
                                   if name in passing]
            if "relu" in passing:
                results["protocols"] = _protocols(evaluator, args.size)
    _print_tables(results)
    out = os.environ.get("OUT")
    if out:
        Path(out, "gpu_check.json").write_text(json.dumps(results, indent=2, default=str))
    return 0


def _sweep(evaluator: Evaluator, backend: str, names: list[str], jobs: int) -> dict[str, tuple[EvalRecord, float]]:
    def one(name: str) -> tuple[str, tuple[EvalRecord, float]]:
        start = time.monotonic()
        record = evaluator.evaluate(load_task(name), bundled_solution(name, backend) or "")
        seconds = time.monotonic() - start
        verdict = "pass" if record.passed else f"FAIL in {record.failed_phase}: {(record.error or '')[:160]}"
        # A bundled answer is honest: any integrity flag on it is a false alarm of the checks on this GPU.
        flags = "; ".join(flag.describe()[:160] for flag in record.integrity_flags)
        print(f"   {name}: {verdict} ({seconds:.1f} s){' FLAGGED: ' + flags if flags else ''}", flush=True)
        return name, (record, seconds)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(pool.map(one, names))


def _row(backend: str, name: str, record: EvalRecord, seconds: float) -> dict[str, Any]:
    build = next((p for p in record.phases if p.phase == "build"), None)
    return {
        "backend": backend, "task": name, "compiled": record.compiled, "passed": record.passed,
        "failure": record.failure, "error": (record.error or "")[:300], "build_s": build.seconds if build else None,
        "total_s": seconds, "candidate_ms": record.runtime.median if record.runtime else None,
        "eager_ms": record.baseline.median if record.baseline else None,
        "compile_ms": record.compile_baseline.median if record.compile_baseline else None,
        "speedup": record.speedup, "interval": record.speedup_interval, "clock": record.timing_clock,
        "warnings": list(record.timing_warnings), "hardware": record.hardware,
        "flags": [flag.describe() for flag in record.integrity_flags],
    }


def _load_answer(evaluator: Evaluator, name: str) -> types.ModuleType:
    """The bundled answer imported in this process (trusted code), reusing the evaluator's build."""
    candidate, _ = evaluator.extract(bundled_solution(name, "cuda") or "")
    assert candidate is not None  # noqa: S101 - bundled answers extract
    os.environ.update(evaluator.backend.build_environment(candidate.build_dir, evaluator.mode))
    evaluator.backend.prepare(evaluator.mode)
    return evaluator.backend.load_candidate(candidate.source, candidate.module_name, candidate.source_path)


def _profile(evaluator: Evaluator, name: str, record: EvalRecord) -> dict[str, Any]:
    """Kernel time per call from the PyTorch profiler against the harness's median for the same answer."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    from multikernelbench.tasks.runtime import load_module, make_inputs, make_model

    task = load_task(name)
    module = load_module(task, evaluator.resolve_profile(task))
    model = make_model(_load_answer(evaluator, name).ModelNew, module, 7, torch.device("cuda"))
    inputs = make_inputs(module, 8, torch.device("cuda"))
    calls = 50
    with torch.no_grad():
        for _ in range(5):
            model(*inputs)
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(calls):
                model(*inputs)
            torch.cuda.synchronize()
    kernel_us = sum(e.device_time_total for e in prof.key_averages() if e.device_time_total) / calls
    harness_ms = record.runtime.median if record.runtime else float("nan")
    return {"task": name, "harness_ms": harness_ms, "profiler_ms": kernel_us / 1000,
            "diff_pct": 100 * abs(harness_ms - kernel_us / 1000) / (kernel_us / 1000) if kernel_us else None}


def _protocols(evaluator: Evaluator, size: str) -> dict[str, float]:
    """relu timed as published (events, mean, no flush), as we do (flushed median) and by CUDA-graph replay."""
    import torch

    from multikernelbench.backends.devices import CudaGPU as Gpu
    from multikernelbench.evaluation.timing import LocalTimer, time_interleaved
    from multikernelbench.tasks.runtime import load_module, make_inputs, make_model

    task = load_task("relu")
    module = load_module(task, size)
    model = make_model(_load_answer(evaluator, "relu").ModelNew, module, 7, torch.device("cuda"))
    inputs = make_inputs(module, 8, torch.device("cuda"))
    device = Gpu()
    with torch.no_grad():
        published = []
        for _ in range(100):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            model(*inputs)
            end.record()
            torch.cuda.synchronize()
            published.append(start.elapsed_time(end))
        plan = TimingSpec(warmup=5, min_trials=100, max_trials=100)
        flushed = time_interleaved(device, [LocalTimer(device, model, [inputs])], 1, plan)
        graph_timer = LocalTimer(device, model, [inputs], cuda_graphs=True)
        graphed = time_interleaved(device, [graph_timer], 1, plan)
        clock = graph_timer.clock
    return {"published_events_mean_ms": statistics.fmean(published), "flushed_median_ms": statistics.median(flushed[0]),
            "cuda_graph_median_ms": statistics.median(graphed[0]) if clock == "cuda_graph" else float("nan")}


def _print_tables(results: dict[str, Any]) -> None:
    print("\nbackend  task                                          ok    build_s total_s  cand_ms  eager_ms  "
          "compile_ms  speedup [95% CI]")
    for r in results["answers"]:
        interval = r["interval"]
        ci = f"[{interval[0]:.2f}, {interval[1]:.2f}]" if interval else ""
        speed = f"{r['speedup']:.2f} {ci}" if r["speedup"] else "-"
        ok = "pass" if r["passed"] else ("comp" if r["compiled"] else "FAIL")
        print(f"{r['backend']:8} {r['task'][:45]:45} {ok:5} {_f(r['build_s']):>7} {_f(r['total_s']):>7} "
              f"{_f(r['candidate_ms'], 4):>8} {_f(r['eager_ms'], 4):>9} {_f(r['compile_ms'], 4):>11}  {speed}")
    flagged = [r for r in results["answers"] if r.get("flags")]
    print(f"integrity: {len(flagged)} of {len(results['answers'])} bundled answers flagged (false alarms)")
    for r in flagged:
        print(f"  {r['backend']} {r['task']}: {'; '.join(r['flags'])[:300]}")
    for backend, sweep in results.get("sweeps", {}).items():
        print(f"sweep {backend}: {sweep['answers']} answers in {sweep['wall_s']:.1f} s = "
              f"{sweep['per_answer_s']:.2f} s per answer")
    if results["repeat"]:
        diffs = [r["diff_pct"] for r in results["repeat"]]
        big = [r for r in results["repeat"] if r["first_ms"] >= 0.1]
        print(f"repeatability: median diff {statistics.median(diffs):.2f}%, max {max(diffs):.2f}%; "
              f"for kernels >= 100 us: max {max((r['diff_pct'] for r in big), default=float('nan')):.2f}% "
              f"over {len(big)} answers")
    for r in results["profiler"]:
        print(f"profiler {r['task']}: harness {r['harness_ms']:.4f} ms, kernels {r['profiler_ms']:.4f} ms, "
              f"diff {_f(r['diff_pct'])}%")
    if results["protocols"]:
        p = results["protocols"]
        print(f"relu protocols: published events+mean {p['published_events_mean_ms'] * 1000:.1f} us, "
              f"flushed median {p['flushed_median_ms'] * 1000:.1f} us, "
              f"CUDA graph {p['cuda_graph_median_ms'] * 1000:.1f} us")


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    sys.exit(main())
