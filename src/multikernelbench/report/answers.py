"""One row per answer: the tidy view of a run that pandas users, ``mkb show`` and the HTML pages share.

:data:`ANSWER_COLUMNS` are the columns of ``mkb report --answers-csv``; times are medians in milliseconds,
``speedup_low``/``speedup_high`` the 95% bootstrap interval of the eager speedup, empty cells are undefined.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from multikernelbench.records import EvalRecord, StoredVerdict
from multikernelbench.report.export import open_for_writing
from multikernelbench.store import RunInfo

ANSWER_COLUMNS = (
    "run", "model", "strategy", "backend", "profile", "category", "task", "sample", "turn",
    "compiled", "correct", "passed", "failed_phase", "failure", "flagged", "flags", "mode",
    "runtime_ms", "baseline_ms", "compile_baseline_ms", "speedup", "speedup_low", "speedup_high",
    "speedup_compile", "trials", "seed", "device", "error",
)


@dataclass(frozen=True)
class AnswerRow:
    """One stored verdict with the identity of its run."""

    info: RunInfo
    verdict: StoredVerdict

    @property
    def record(self) -> EvalRecord:
        return self.verdict.record

    @property
    def verdict_word(self) -> str:
        """"pass", "flagged" (correct but an integrity check counts against it) or "fail"."""
        record = self.record
        if record.passed:
            return "pass"
        if record.correctness and record.failed_phase is None and record.failed_integrity:
            return "flagged"
        return "fail" if record.mode != "build_only" else ("built" if record.compiled else "fail")

    @property
    def key(self) -> tuple[str, str, int, int]:
        return self.info.name, self.verdict.task, self.verdict.sample, self.verdict.turn

    def to_row(self) -> dict[str, Any]:
        """The CSV row (None where a cell is empty)."""
        record, info, verdict = self.record, self.info, self.verdict
        interval = record.speedup_interval
        return {
            "run": info.name, "model": info.model, "strategy": info.strategy, "backend": info.backend,
            "profile": info.profile, "category": verdict.category, "task": verdict.task, "sample": verdict.sample,
            "turn": verdict.turn, "compiled": record.compiled, "correct": record.correctness,
            "passed": record.passed, "failed_phase": record.failed_phase, "failure": record.failure,
            "flagged": bool(record.integrity_flags) and record.integrity != "off",
            "flags": ";".join(sorted({f.check for f in record.integrity_flags})) or None,
            "mode": record.mode,
            "runtime_ms": record.runtime.median if record.runtime else None,
            "baseline_ms": record.baseline.median if record.baseline else None,
            "compile_baseline_ms": record.compile_baseline.median if record.compile_baseline else None,
            "speedup": record.speedup,
            "speedup_low": interval[0] if interval else None,
            "speedup_high": interval[1] if interval else None,
            "speedup_compile": record.speedup_compile,
            "trials": record.runtime.num_trials if record.runtime else None,
            "seed": record.seed,
            "device": device_name(record),
            "error": first_line(record.error),
        }


def device_name(record: EvalRecord) -> str | None:
    """The GPU's name, else the CPU's model, from the record's hardware fingerprint."""
    hardware = record.hardware or {}
    return hardware.get("gpu") or hardware.get("cpu") or hardware.get("device")


def first_line(text: str | None, limit: int = 300) -> str | None:
    """The first non-empty line of an error, cut to ``limit`` characters."""
    if not text:
        return None
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def answer_rows(runs: Iterable[tuple[RunInfo, Iterable[StoredVerdict]]]) -> list[AnswerRow]:
    """Every verdict of every run, in run then category, task, sample and turn order."""
    return [AnswerRow(info, verdict) for info, verdicts in runs for verdict in verdicts]


def write_answers_csv(rows: Iterable[AnswerRow], path: Path) -> Path:
    """Write the tidy per-answer CSV; returns the path written."""
    with open_for_writing(path) as handle:
        writer = csv.DictWriter(handle, fieldnames=ANSWER_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.to_row().items()})
    return path
