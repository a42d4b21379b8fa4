"""Rich tables for ``mkb report``: the paper-style main table, a per-category table and a per-turn table.

Rates are percentages with one decimal; "-" marks a metric that is undefined (too few answers for k, or no
answers at all) and an empty cell a turn the run does not have.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from rich.console import Console
from rich.table import Table
from rich.text import Text

from multikernelbench.metrics import TOTAL, MetricRow
from multikernelbench.report import Report, RunReport

T = TypeVar("T")

MISSING = "-"


def percent(value: float | None) -> str:
    """A rate as a percentage with one decimal, or "-"."""
    return MISSING if value is None else f"{100 * value:.1f}"


def times(value: float | None) -> str:
    """A speedup factor such as "1.23x", or "-"."""
    return MISSING if value is None else f"{value:.2f}x"


def alpha_label(alpha: float) -> str:
    """1.0 -> "1.0", 1.5 -> "1.5", 1.25 -> "1.25": the shortest text that still reads as a factor."""
    text = f"{alpha:g}"
    return text if any(c in text for c in ".e") else f"{text}.0"


def _rate_labels(report: Report) -> list[str]:
    k = report.k
    return [f"Comp@{k}", f"Pass@{k}", *(f"SU{alpha_label(a)}@{k}" for a in report.alphas)]


def _rate_cells(row: MetricRow | None, report: Report, baseline: str) -> list[str]:
    if row is None:
        return [MISSING] * (2 + len(report.alphas))
    return [percent(row.comp_at_k), percent(row.pass_at_k),
            *(percent(row.speedup_at_k.get((baseline, a))) for a in report.alphas)]


def _table(title: str, header: list[str], rows: list[list[str]], left: int = 1, section_at: int | None = None) -> Table:
    """A table whose cells are never shortened: the first ``left`` columns are names, the rest numbers."""
    table = Table(title=title)
    for i, head in enumerate(header):
        width = max(len(line) for line in [*head.split("\n"), *(row[i] for row in rows)])
        table.add_column(Text(head), justify="left" if i < left else "right", no_wrap=True, min_width=width)
    for i, row in enumerate(rows):
        if i == section_at:
            table.add_section()
        # Names come from users: Text keeps a "[" in them from being read as rich markup.
        table.add_row(*(Text(cell) for cell in row))
    return table


def _grouped_headers(groups: Sequence[str], labels: Sequence[str]) -> list[str]:
    """Two-line headers; the group's name tops only its first column, reading like a header spanning the group."""
    return [f"{group if i == 0 else ''}\n{label}" for group in groups for i, label in enumerate(labels)]


def main_table(report: Report, baseline: str, backends: Sequence[str] | None = None) -> Table:
    """Rows (model, strategy), a column group per backend (default: every backend of the report's runs)."""
    shared = report.shared_identity()
    if backends is None:
        backends = list(dict.fromkeys(r.info.backend for r in report.runs))
    # Runs sharing (model, strategy, backend) would collide in one cell: each gets its own row, named after it.
    by_key: dict[tuple[str, str, str], dict[str, RunReport]] = {}
    for run in report.runs:
        key = (run.info.model, run.info.strategy, run.info.name if run.info.name in shared else "")
        by_key.setdefault(key, {})[run.info.backend] = run
    header = ["model", "strategy", *_grouped_headers(backends, _rate_labels(report))]
    rows = []
    for (model, strategy, run_name), by_backend in by_key.items():
        cells = [f"{model} ({run_name})" if run_name else model, strategy]
        for backend in backends:
            run = by_backend.get(backend)
            cells += _rate_cells(run.total if run else None, report, baseline)
        rows.append(cells)
    return _table(f"Main results (%, k={report.k}, speedups vs {baseline})", header, rows, left=2)


def main_footnotes(report: Report) -> list[str]:
    """Why some main-table rows carry a run name."""
    shared = report.shared_identity()
    if not shared:
        return []
    names = ", ".join(sorted(shared))
    return [f"runs {names} share model, strategy and backend with another run: each has its own row, named after it"]


def category_table(report: Report, baseline: str, runs: Sequence[RunReport] | None = None) -> Table:
    """Rows: categories, then "all"; for each run its @k rates, fast_1 and the geometric-mean speedup."""
    runs = report.runs if runs is None else runs
    groups = sorted({row.group for run in runs for row in run.rows if row.group != TOTAL}) + [TOTAL]
    labels = [*_rate_labels(report), "fast_1", "geomean", "flagged"]
    header = ["category", *_grouped_headers([run.info.name for run in runs], labels)]
    rows = []
    for group in groups:
        cells = [group]
        for run in runs:
            row = run.row(group)
            cells += _rate_cells(row, report, baseline)
            cells.append(percent(row.fast_p.get((baseline, 1.0))) if row else MISSING)
            cells.append(times(row.geomean_speedup.get(baseline)) if row else MISSING)
            cells.append(str(row.flagged) if row else MISSING)
        rows.append(cells)
    title = f"By category (%, k={report.k}, speedups vs {baseline})"
    return _table(title, header, rows, section_at=len(groups) - 1 if len(groups) > 1 else None)


def turn_table(report: Report, baseline: str, runs: Sequence[RunReport] | None = None) -> Table | None:
    """Pass@k and SpeedUp@k of all tasks after each feedback turn; None when no run of the report has two turns.

    ``runs`` (default: all) picks the runs whose columns to show; rows go to the report's last turn.
    """
    most = max((len(run.by_turn) for run in report.runs), default=0)
    if most < 2:
        return None
    runs = report.runs if runs is None else runs
    k = report.k
    labels = [f"Pass@{k}", *(f"SU{alpha_label(a)}@{k}" for a in report.alphas)]
    header = ["turn", *_grouped_headers([run.info.name for run in runs], labels)]
    rows = []
    for t in range(1, most + 1):
        cells = [str(t)]
        for run in runs:
            if t > len(run.by_turn):  # a turn the run never reached: blank, not "-" (undefined)
                cells += [""] * len(labels)
                continue
            total = run.by_turn[t - 1][-1]
            cells += [percent(total.pass_at_k), *(percent(total.speedup_at_k.get((baseline, a)))
                                                   for a in report.alphas)]
        rows.append(cells)
    return _table(f"By turn, all tasks (%, k={k}, speedups vs {baseline})", header, rows, left=0)


def _width(table: Table) -> int:
    """Characters a table built by :func:`_table` needs: cells, their padding and the borders between them."""
    return sum((column.min_width or 0) + 2 for column in table.columns) + len(table.columns) + 1


def _fitting(console: Console, items: Sequence[T], build: Callable[[list[T]], Table | None]) -> list[Table]:
    """Tables over consecutive items (runs, backends), as many a table as the console's width allows (at least one).

    Rich would crop a wider table and silently lose numbers.
    """
    chunks: list[list[T]] = []
    for item in items:
        wider = build([*chunks[-1], item]) if chunks else None
        if wider is not None and _width(wider) <= console.width:
            chunks[-1].append(item)
        else:
            chunks.append([item])
    return [table for chunk in chunks if (table := build(chunk)) is not None]


def print_report(report: Report, baseline: str, console: Console) -> None:
    """The main table, the per-category table, the per-turn table when there are turns, then the notes.

    Tables wider than the console are split: the main table by backends, the others by runs.
    """
    backends = list(dict.fromkeys(r.info.backend for r in report.runs))
    for table in _fitting(console, backends, lambda chosen: main_table(report, baseline, chosen)):
        console.print(table)
    for line in main_footnotes(report):
        console.print(f"note: {line}", highlight=False, markup=False, soft_wrap=True)
    for table in _fitting(console, report.runs, lambda runs: category_table(report, baseline, runs)):
        console.print(table)
    for table in _fitting(console, report.runs, lambda runs: turn_table(report, baseline, runs)):
        console.print(table)
    for line in report.notes():
        console.print(f"note: {line}", highlight=False, markup=False, soft_wrap=True)
