"""Machine-readable reports: a long-format CSV (one value a row) and one JSON document.

CSV columns are :data:`CSV_COLUMNS`; ``value`` is empty when the metric is undefined, ``baseline`` and
``alpha`` are empty where they do not apply (for fast_p, ``alpha`` holds p). Rows cover turns 1..N of each run
(N: its last turn, or --turn when that is smaller); the rows at turn N are the headline numbers. A run without
verdicts has its rows with an empty turn.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from multikernelbench.errors import UserError
from multikernelbench.metrics import MetricRow
from multikernelbench.report import Report, RunReport

CSV_COLUMNS = ("run", "model", "strategy", "backend", "profile", "category", "turn", "k", "metric", "baseline",
               "alpha", "value")

# Run configs hold evaluation settings; this is a guard in case a future config carries a credential.
# Matches api_key, auth_token, password... but not settings such as max_tokens.
_SECRET = re.compile(r"(key|token|secret|password|credentials?)$", re.IGNORECASE)


def _turn_rows(run: RunReport) -> list[tuple[int | None, tuple[MetricRow, ...]]]:
    if not run.by_turn:
        return [(None, run.rows)]
    return [(t, rows) for t, rows in enumerate(run.by_turn, start=1)]


def _metric_values(row: MetricRow) -> Iterator[tuple[str, str, float | None, float | int | None]]:
    """(metric, baseline, alpha, value) for every number of one row."""
    yield "tasks", "", None, row.tasks
    yield "answers", "", None, row.answers
    yield "flagged", "", None, row.flagged
    yield "compilation_at_k", "", None, row.comp_at_k
    yield "pass_at_k", "", None, row.pass_at_k
    for (baseline, alpha), value in row.speedup_at_k.items():
        yield "speedup_at_k", baseline, alpha, value
    for (baseline, p), value in row.fast_p.items():
        yield "fast_p", baseline, p, value
    for baseline, value in row.geomean_speedup.items():
        yield "geomean_speedup", baseline, None, value


def csv_rows(report: Report) -> list[dict[str, Any]]:
    """The CSV's rows as dicts keyed by :data:`CSV_COLUMNS` (None where the cell is empty)."""
    rows = []
    for run in report.runs:
        info = run.info
        for turn, metric_rows in _turn_rows(run):
            for row in metric_rows:
                for metric, baseline, alpha, value in _metric_values(row):
                    rows.append({"run": info.name, "model": info.model, "strategy": info.strategy,
                                 "backend": info.backend, "profile": info.profile, "category": row.group,
                                 "turn": turn, "k": report.k, "metric": metric, "baseline": baseline,
                                 "alpha": alpha, "value": value})
    return rows


def public_config(config: Any) -> Any:
    """``config`` without any entry whose name looks like a credential, at any depth."""
    if isinstance(config, dict):
        return {k: public_config(v) for k, v in config.items() if not _SECRET.search(str(k))}
    if isinstance(config, list):
        return [public_config(v) for v in config]
    return config


def report_json(report: Report) -> dict[str, Any]:
    """The whole report as one JSON-ready document."""
    return {
        "store": str(report.store) if report.store else None,
        "k": report.k,
        "alphas": list(report.alphas),
        "baselines": list(report.baselines),
        "turn": report.turn,
        "notes": report.notes(),
        "runs": [
            {
                "name": run.info.name,
                "model": run.info.model,
                "backend": run.info.backend,
                "strategy": run.info.strategy,
                "profile": run.info.profile,
                "config": public_config(run.info.config),
                "turns": run.turns,
                "metrics": [row.to_json() for row in run.rows],
                "by_turn": [{"turn": t, "metrics": [row.to_json() for row in rows]}
                            for t, rows in enumerate(run.by_turn, start=1)],
            }
            for run in report.runs
        ],
    }


def open_for_writing(path: Path) -> Any:
    """``path`` opened for text writing (folders made); a one-line UserError when it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path} ({exc.strerror or exc}); pass another path") from None


def write_csv(report: Report, path: Path) -> Path:
    """Write the long-format CSV to ``path`` and return it."""
    path = Path(path)
    with open_for_writing(path) as out:
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in csv_rows(report):
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return path


def write_json(report: Report, path: Path) -> Path:
    """Write :func:`report_json` to ``path`` and return it."""
    path = Path(path)
    with open_for_writing(path) as out:
        json.dump(report_json(report), out, indent=2, default=str)
        out.write("\n")
    return path
