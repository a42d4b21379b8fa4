"""The report's figures, drawn with matplotlib (Agg, no display) and written as standalone SVG files.

Every function takes plain data (a :class:`~multikernelbench.report.Report` and, per run, its verdicts
already narrowed to one per task and sample, as the metrics count them) and returns the SVG text, so the
HTML writer decides where it goes. SVG ids are seeded, so the same data gives the same bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

from multikernelbench.metrics import TOTAL, pass_at_k, speedup_over
from multikernelbench.records import StoredVerdict
from multikernelbench.report import Report

_WIDTH = 9.0


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "multikernelbench"  # stable ids: the same data, the same file
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text (smaller files, selectable)
    import matplotlib.pyplot as plt

    return plt


def _svg(figure: Any) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    plt.close(figure)
    return buffer.getvalue()


def _integer_ticks() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def run_labels(report: Report) -> list[str]:
    """Legend labels: model, strategy and backend, or the run's name where those repeat."""
    shared = report.shared_identity()
    labels = []
    for run in report.runs:
        info = run.info
        strategy = "" if info.strategy == "none" else f" {info.strategy}"
        labels.append(info.name if info.name in shared else f"{info.model}{strategy} ({info.backend})")
    return labels


def rates_by_category(report: Report) -> str:
    """Comp@k and Pass@k per category, a bar per run, in two panels."""
    plt = _pyplot()
    categories = sorted({row.group for run in report.runs for row in run.rows if row.group != TOTAL}) + [TOTAL]
    labels = run_labels(report)
    figure, axes = plt.subplots(2, 1, figsize=(_WIDTH, 6.0), sharex=True)
    width = 0.8 / max(1, len(report.runs))
    for panel, (title, attribute) in zip(axes, ((f"Comp@{report.k}", "comp_at_k"), (f"Pass@{report.k}", "pass_at_k"))):
        for index, (run, label) in enumerate(zip(report.runs, labels)):
            values = []
            for category in categories:
                row = run.row(category)
                value = getattr(row, attribute) if row is not None else None
                values.append(100 * value if value is not None else 0.0)
            positions = [c + (index - (len(report.runs) - 1) / 2) * width for c in range(len(categories))]
            panel.bar(positions, values, width=width, label=label)
        panel.set_ylabel(f"{title} (%)")
        panel.set_ylim(0, 100)
        panel.grid(axis="y", alpha=0.3)
    axes[1].set_xticks(range(len(categories)), categories, rotation=40, ha="right")
    axes[0].legend(fontsize=8, loc="upper right")
    return _svg(figure)


def speedup_distribution(report: Report, verdicts: Sequence[Sequence[StoredVerdict]], baseline: str) -> str | None:
    """Each passing answer's speedup per category (log axis), a column of points per run; None without any."""
    plt = _pyplot()
    points = [[(v.category, s) for v in run_verdicts
               if v.record.passed and (s := speedup_over(v.record, baseline)) is not None and s > 0]
              for run_verdicts in verdicts]
    if not any(points):
        return None
    categories = sorted({category for run in points for category, _ in run})
    labels = run_labels(report)
    figure, axis = plt.subplots(figsize=(_WIDTH, 4.0))
    width = 0.8 / max(1, len(points))
    for index, (run_points, label) in enumerate(zip(points, labels)):
        offset = (index - (len(points) - 1) / 2) * width
        xs = [categories.index(c) + offset for c, _ in run_points]
        axis.scatter(xs, [s for _, s in run_points], s=14, alpha=0.7, label=label)
    axis.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
    axis.set_yscale("log")
    axis.set_ylabel(f"speedup over {baseline} (log)")
    axis.set_xticks(range(len(categories)), categories, rotation=40, ha="right")
    axis.legend(fontsize=8)
    axis.grid(axis="y", alpha=0.3, which="both")
    return _svg(figure)


def fast_p_curves(report: Report, verdicts: Sequence[Sequence[StoredVerdict]], baseline: str) -> str | None:
    """fast_p as p varies: the share of answers that are correct and more than p times faster."""
    plt = _pyplot()
    speeds = [[s for v in run if v.record.passed and (s := speedup_over(v.record, baseline)) is not None]
              for run in verdicts]
    if not any(speeds):
        return None
    highest = max(s for run in speeds for s in run)
    top = max(2.0, 10 ** math.ceil(math.log10(max(highest, 1e-9)) + 0.01))
    ps = [10 ** (math.log10(0.1) + i * (math.log10(top) - math.log10(0.1)) / 200) for i in range(201)]
    figure, axis = plt.subplots(figsize=(_WIDTH, 3.6))
    for run, run_verdicts, label in zip(speeds, verdicts, run_labels(report)):
        answers = len(run_verdicts)
        if not answers:
            continue
        axis.plot(ps, [100 * sum(1 for s in run if s > p) / answers for p in ps], label=label)
    axis.axvline(1.0, color="grey", linewidth=0.8, linestyle="--")
    axis.set_xscale("log")
    axis.set_xlabel(f"p (speedup over {baseline})")
    axis.set_ylabel("fast_p (%)")
    axis.set_ylim(0, 100)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3, which="both")
    return _svg(figure)


def pass_at_k_curve(report: Report, verdicts: Sequence[Sequence[StoredVerdict]]) -> str | None:
    """Pass@k against k, for k up to the fewest answers any task has; None when no run has two."""
    plt = _pyplot()
    curves = []
    for run_verdicts in verdicts:
        by_task: dict[str, list[bool]] = {}
        for v in run_verdicts:
            by_task.setdefault(v.task, []).append(v.record.passed)
        most = min((len(results) for results in by_task.values()), default=0)
        curves.append([(k, 100 * sum(pass_at_k(len(r), sum(r), k) for r in by_task.values()) / len(by_task))
                       for k in range(1, most + 1)])
    if not any(len(curve) > 1 for curve in curves):
        return None
    figure, axis = plt.subplots(figsize=(_WIDTH, 3.6))
    for curve, label in zip(curves, run_labels(report)):
        if curve:
            axis.plot([k for k, _ in curve], [v for _, v in curve], marker="o", label=label)
    axis.set_xlabel("k")
    axis.xaxis.set_major_locator(_integer_ticks())
    axis.set_ylabel("Pass@k (%)")
    axis.set_ylim(0, 100)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    return _svg(figure)


def metrics_by_turn(report: Report, baseline: str) -> str | None:
    """Comp@k, Pass@k and the first SpeedUp_alpha@k at each feedback turn; None when no run has two turns."""
    plt = _pyplot()
    if not any(len(run.by_turn) > 1 for run in report.runs):
        return None
    alpha = report.alphas[0]
    figure, axes = plt.subplots(1, 3, figsize=(_WIDTH, 3.2), sharey=True)
    panels = ((f"Comp@{report.k}", lambda row: row.comp_at_k), (f"Pass@{report.k}", lambda row: row.pass_at_k),
              (f"SpeedUp{alpha:g}@{report.k}", lambda row: row.speedup_at_k.get((baseline, alpha))))
    for axis, (title, value) in zip(axes, panels):
        for run, label in zip(report.runs, run_labels(report)):
            turns = [t for t, rows in enumerate(run.by_turn, start=1) if value(rows[-1]) is not None]
            axis.plot(turns, [100 * value(run.by_turn[t - 1][-1]) for t in turns], marker="o", label=label)
        axis.set_title(title, fontsize=10)
        axis.set_xlabel("turn")
        axis.xaxis.set_major_locator(_integer_ticks())
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("%")
    axes[0].set_ylim(0, 100)
    axes[-1].legend(fontsize=7)
    return _svg(figure)
