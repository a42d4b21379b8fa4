"""How long ``mkb report --html`` takes, and how big the site is, for a study of a given size.

Usage: python benchmarks/report_html.py [--runs 2] [--tasks 300] [--samples 1]

Fills a temporary store with synthetic verdicts (every answer passed, with 20 timing samples for the
candidate and both baselines, and a stored prompt and answer), then times building the report and writing
the site (index, run pages, a page per answer, figures). Prints the answers, wall-clock seconds, seconds per
answer and the site's size. Goal: a full study (300 tasks, one sample, a few runs) in well under a minute
on a 2-core machine.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

from multikernelbench.records import EvalRecord, PhaseResult, TimingStats
from multikernelbench.report import load_report
from multikernelbench.report.html import write_html_report
from multikernelbench.store import RunInfo, Store

_CATEGORIES = 15
_ANSWER = ("```python\nimport torch\n\nclass ModelNew(torch.nn.Module):\n"
           "    def forward(self, x):\n        return x\n```\n")


def _stats(median: float, trials: int = 20) -> TimingStats:
    samples = tuple(median * (1 + 0.01 * ((i * 7) % 9 - 4)) for i in range(trials))
    return TimingStats(mean=median, std=0.01 * median, min=min(samples), max=max(samples), median=median,
                       num_trials=trials, samples=samples)


def fill(path: Path, runs: int, tasks: int, samples: int) -> int:
    store = Store(path)
    count = 0
    try:
        for r in range(runs):
            name = f"run{r}"
            store.open_run(RunInfo(name, f"model{r}", "cpp", "add_shot", "small", {"samples": samples}))
            for t in range(tasks):
                for s in range(samples):
                    record = EvalRecord(task=f"task{t}", backend="cpp", profile="small", compiled=True,
                                        correctness=True, failed_phase=None, error=None,
                                        phases=(PhaseResult("build", True, 2.0), PhaseResult("check", True, 0.5),
                                                PhaseResult("time", True, 1.0)),
                                        seed=1, runtime=_stats(1.0), baseline=_stats(1.0 + 0.01 * t),
                                        compile_baseline=_stats(0.9), integrity="strict")
                    store.save_answer(name, f"task{t}", s, 1, _ANSWER, {},
                                      [{"role": "user", "content": "Rewrite the model."}])
                    store.save_verdict(name, f"cat{t % _CATEGORIES}", s, record)
                    count += 1
    finally:
        store.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--samples", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        answers = fill(root / "results.sqlite", args.runs, args.tasks, args.samples)
        start = time.perf_counter()
        report = load_report(root / "results.sqlite")
        store = Store(root / "results.sqlite")
        try:
            write_html_report(report, "eager", root / "site", store)
        finally:
            store.close()
        seconds = time.perf_counter() - start
        size = sum(p.stat().st_size for p in (root / "site").rglob("*") if p.is_file())
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"{'answers':>8} {'seconds':>8} {'ms/answer':>10} {'site MB':>8}")
    print(f"{answers:>8} {seconds:>8.1f} {1000 * seconds / answers:>10.1f} {size / 2**20:>8.1f}")


if __name__ == "__main__":
    main()
