"""The results store: one SQLite file (WAL) holding runs, responses and verdicts.

Every verdict is committed as soon as it exists, so an interrupted run loses
nothing it finished, and a re-run skips (task, sample, turn) triples that
already have a verdict.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from multikernelbench.errors import UserError
from multikernelbench.records import EvalRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    name TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    model TEXT NOT NULL,
    backend TEXT NOT NULL,
    strategy TEXT NOT NULL,
    profile TEXT NOT NULL,
    config_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS responses (
    run TEXT NOT NULL REFERENCES runs(name),
    task TEXT NOT NULL,
    sample INTEGER NOT NULL,
    turn INTEGER NOT NULL DEFAULT 1,
    response TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (run, task, sample, turn)
);
CREATE TABLE IF NOT EXISTS verdicts (
    run TEXT NOT NULL REFERENCES runs(name),
    task TEXT NOT NULL,
    category TEXT NOT NULL,
    sample INTEGER NOT NULL,
    turn INTEGER NOT NULL DEFAULT 1,
    compiled INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    failed_phase TEXT,
    speedup REAL,
    record_json TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (run, task, sample, turn)
);
"""


@dataclass(frozen=True)
class RunInfo:
    """A run's identity: answers from one model for one backend, strategy and size profile."""

    name: str
    model: str
    backend: str
    strategy: str
    profile: str
    config: dict[str, Any]


@dataclass(frozen=True)
class StoredVerdict:
    run: str
    task: str
    category: str
    sample: int
    turn: int
    record: EvalRecord


class Store:
    """Thread-safe access to one results file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise UserError(f"cannot open the results store {self.path} ({exc}); pass another --store path") from None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- runs ----

    def open_run(self, run: RunInfo) -> RunInfo:
        """Create ``run``, or return the stored one after checking it asks for the same thing."""
        with self._lock:
            row = self._db.execute(
                "SELECT model, backend, strategy, profile FROM runs WHERE name = ?", (run.name,)
            ).fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (run.name, time.time(), run.model, run.backend, run.strategy, run.profile,
                     json.dumps(run.config, sort_keys=True, default=str)),
                )
                self._db.commit()
                return run
        stored = dict(zip(("model", "backend", "strategy", "profile"), row, strict=True))
        wanted = {"model": run.model, "backend": run.backend, "strategy": run.strategy, "profile": run.profile}
        if stored != wanted:
            differs = ", ".join(f"{k} {stored[k]!r} (now {wanted[k]!r})" for k in stored if stored[k] != wanted[k])
            raise UserError(f"run '{run.name}' already exists with {differs}; choose another --run-name")
        return run

    def run_names(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT name FROM runs ORDER BY created_at")]

    # ---- responses and verdicts ----

    def save_response(self, run: str, task: str, sample: int, response: str, turn: int = 1) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)",
                (run, task, sample, turn, response, time.time()),
            )
            self._db.commit()

    def response(self, run: str, task: str, sample: int, turn: int = 1) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT response FROM responses WHERE run = ? AND task = ? AND sample = ? AND turn = ?",
                (run, task, sample, turn),
            ).fetchone()
        return row[0] if row else None

    def save_verdict(self, run: str, category: str, sample: int, record: EvalRecord, turn: int = 1) -> None:
        """Record a verdict; a second verdict for the same (task, sample, turn) is a bug and raises."""
        with self._lock:
            self._db.execute(
                "INSERT INTO verdicts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run, record.task, category, sample, turn, record.compiled, record.correctness, record.passed,
                 record.failed_phase, record.speedup, json.dumps(record.to_json()), time.time()),
            )
            self._db.commit()

    def finished(self, run: str, turn: int = 1) -> set[tuple[str, int]]:
        """(task, sample) pairs of ``run`` that already have a verdict."""
        with self._lock:
            rows = self._db.execute("SELECT task, sample FROM verdicts WHERE run = ? AND turn = ?", (run, turn))
            return {(t, s) for t, s in rows}

    def verdicts(self, run: str) -> list[StoredVerdict]:
        with self._lock:
            rows = self._db.execute(
                "SELECT run, task, category, sample, turn, record_json FROM verdicts WHERE run = ? "
                "ORDER BY category, task, sample, turn",
                (run,),
            ).fetchall()
        return [StoredVerdict(r[0], r[1], r[2], r[3], r[4], EvalRecord.from_json(json.loads(r[5]))) for r in rows]
