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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from multikernelbench.errors import UserError
from multikernelbench.records import EvalRecord, StoredVerdict

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
CREATE TABLE IF NOT EXISTS planned (
    run TEXT NOT NULL REFERENCES runs(name),
    task TEXT NOT NULL,
    sample INTEGER NOT NULL,
    PRIMARY KEY (run, task, sample)
);
CREATE TABLE IF NOT EXISTS completions (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    base_url TEXT,
    completion_json TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""

# Columns added to ``responses`` after the first release; older stores gain them on open.
_RESPONSE_COLUMNS = {
    "status": "TEXT NOT NULL DEFAULT 'ok'",  # 'ok': an answer came back; 'failed': the request failed
    "error": "TEXT",
    "completion_json": "TEXT",  # reasoning, token usage, latency, attempts (see generation.llm.base.Completion)
    "messages_json": "TEXT",  # the exact messages sent
    "cache_key": "TEXT",
    "cached": "INTEGER NOT NULL DEFAULT 0",  # 1: answered from the completion cache, no request made
}


@dataclass(frozen=True)
class RunInfo:
    """A run's identity: answers from one model for one backend, strategy and size profile."""

    name: str
    model: str
    backend: str
    strategy: str
    profile: str
    config: dict[str, Any]
    created_at: float | None = None  # when the run was first opened (filled in by the store)


@dataclass(frozen=True)
class RunProgress:
    """How far a run has got: (task, sample) pairs planned, with a verdict, passed, and still to do."""

    planned: int | None  # None for runs stored before plans were recorded
    evaluated: int  # pairs with at least one verdict
    passed: int  # pairs whose best verdict passed
    failed_requests: int  # requests that got no answer and have not been answered since
    last_activity: float | None

    @property
    def pending(self) -> int | None:
        return None if self.planned is None else max(0, self.planned - self.evaluated)


@dataclass(frozen=True)
class Exchange:
    """One turn's exchange with the model: what was sent, what came back (or why nothing did)."""

    status: str  # "ok" or "failed"
    text: str
    error: str | None
    messages: list[dict[str, str]] | None
    completion: dict[str, Any]


@dataclass(frozen=True)
class StoredAnswer:
    """A stored answer: its text and the client's record of it (usage, latency, reasoning)."""

    text: str
    completion: dict[str, Any]


@dataclass(frozen=True)
class UsageTotals:
    answers: int
    cached: int  # answers taken from the completion cache, without a request
    prompt_tokens: int
    completion_tokens: int
    mean_latency_s: float | None


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
            self._upgrade()
        except (sqlite3.DatabaseError, OSError) as exc:
            raise UserError(f"cannot open the results store {self.path} ({exc}); pass another --store path") from None
        self._lock = threading.Lock()

    def _upgrade(self) -> None:
        """Add the columns that stores written by older versions lack."""
        present = {row[1] for row in self._db.execute("PRAGMA table_info(responses)")}
        for column, declaration in _RESPONSE_COLUMNS.items():
            if column not in present:
                self._db.execute(f"ALTER TABLE responses ADD COLUMN {column} {declaration}")
        self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- runs ----

    def open_run(self, run: RunInfo) -> RunInfo:
        """Create ``run``, or return the stored one after checking it asks for the same thing.

        Besides model, backend, strategy and profile, the settings under ``config["fixed"]``
        (sampling parameters, tolerance, ...) must match: resuming with other settings would
        mix answers to different questions in one run.
        """
        with self._lock:
            row = self._db.execute(
                "SELECT model, backend, strategy, profile, config_json FROM runs WHERE name = ?", (run.name,)
            ).fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (run.name, time.time(), run.model, run.backend, run.strategy, run.profile,
                     json.dumps(run.config, sort_keys=True, default=str)),
                )
                self._db.commit()
                return run
        stored = dict(zip(("model", "backend", "strategy", "profile"), row[:4], strict=True))
        wanted = {"model": run.model, "backend": run.backend, "strategy": run.strategy, "profile": run.profile}
        stored_fixed = json.loads(row[4]).get("fixed", {})
        wanted_fixed = json.loads(json.dumps(run.config.get("fixed", {}), default=str))
        for key in sorted(set(stored_fixed) | set(wanted_fixed)):
            stored[key], wanted[key] = stored_fixed.get(key), wanted_fixed.get(key)
        if stored != wanted:
            differs = ", ".join(f"{k} {stored[k]!r} (now {wanted[k]!r})" for k in stored if stored[k] != wanted[k])
            raise UserError(f"run '{run.name}' already exists with {differs}; choose another --run-name")
        return run

    def runs(self) -> list[RunInfo]:
        """Every run in the store, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT name, model, backend, strategy, profile, config_json, created_at FROM runs "
                "ORDER BY created_at"
            ).fetchall()
        return [RunInfo(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6]) for r in rows]

    def plan(self, run: str, pairs: Iterable[tuple[str, int]]) -> None:
        """Remember the (task, sample) pairs a run was asked to do, so progress can say what is left."""
        with self._lock:
            self._db.executemany("INSERT OR IGNORE INTO planned VALUES (?, ?, ?)",
                                 [(run, task, sample) for task, sample in pairs])
            self._db.commit()

    def progress(self, run: str) -> RunProgress:
        """Counts for ``mkb runs``: planned, evaluated and passed pairs, failed requests, last activity."""
        with self._lock:
            planned = self._db.execute("SELECT COUNT(*) FROM planned WHERE run = ?", (run,)).fetchone()[0]
            pairs = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(best), 0) FROM (SELECT MAX(passed) AS best FROM verdicts "
                "WHERE run = ? GROUP BY task, sample)", (run,)).fetchone()
            failed = self._db.execute(
                "SELECT COUNT(*) FROM responses WHERE run = ? AND status = 'failed'", (run,)).fetchone()[0]
            last = self._db.execute(
                "SELECT MAX(t) FROM (SELECT MAX(created_at) AS t FROM verdicts WHERE run = ? "
                "UNION ALL SELECT MAX(created_at) FROM responses WHERE run = ?)", (run, run)).fetchone()[0]
        return RunProgress(planned or None, pairs[0], pairs[1], failed, last)

    def delete_run(self, run: str) -> None:
        """Remove a run with its answers, verdicts and plan (the completion cache stays: it is keyed by request)."""
        with self._lock:
            self._require_run(run)
            for table in ("verdicts", "responses", "planned", "runs"):
                key = "name" if table == "runs" else "run"
                self._db.execute(f"DELETE FROM {table} WHERE {key} = ?", (run,))  # noqa: S608 - fixed names
            self._db.commit()

    def rename_run(self, old: str, new: str) -> None:
        """Give a run another name, with everything stored under it."""
        with self._lock:
            self._require_run(old)
            if self._db.execute("SELECT 1 FROM runs WHERE name = ?", (new,)).fetchone():
                raise UserError(f"a run named '{new}' already exists; choose another name or delete that run first")
            for table in ("runs", "verdicts", "responses", "planned"):
                key = "name" if table == "runs" else "run"
                self._db.execute(f"UPDATE {table} SET {key} = ? WHERE {key} = ?", (new, old))  # noqa: S608
            self._db.commit()

    def _require_run(self, run: str) -> None:
        if not self._db.execute("SELECT 1 FROM runs WHERE name = ?", (run,)).fetchone():
            known = [r[0] for r in self._db.execute("SELECT name FROM runs ORDER BY created_at")]
            raise UserError(f"no run named '{run}' in {self.path}; known runs: {', '.join(known) or 'none'}")

    # ---- responses: what the model answered, or that the request failed ----

    def save_answer(
        self,
        run: str,
        task: str,
        sample: int,
        turn: int,
        text: str,
        completion: dict[str, Any] | None = None,
        messages: list[dict[str, str]] | None = None,
        cache_key: str | None = None,
        cached: bool = False,
    ) -> None:
        """Record the model's answer (replacing a failed request for the same turn)."""
        self._put_response(run, task, sample, turn, text, "ok", None, completion, messages, cache_key, cached)

    def save_request_failure(
        self, run: str, task: str, sample: int, turn: int, error: str, messages: list[dict[str, str]] | None = None
    ) -> None:
        """Record that no answer came back; the next run asks again. Never overwrites an answer."""
        if self.answer(run, task, sample, turn) is not None:
            return
        self._put_response(run, task, sample, turn, "", "failed", error, None, messages, None, False)

    def _put_response(self, run: str, task: str, sample: int, turn: int, text: str, status: str, error: str | None,
                      completion: dict[str, Any] | None, messages: list[dict[str, str]] | None,
                      cache_key: str | None, cached: bool) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (run, task, sample, turn, response, created_at, status, error, "
                "completion_json, messages_json, cache_key, cached) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run, task, sample, turn, text, time.time(), status, error,
                 json.dumps(completion) if completion is not None else None,
                 json.dumps(messages) if messages is not None else None, cache_key, int(cached)),
            )
            self._db.commit()

    def answer(self, run: str, task: str, sample: int, turn: int = 1) -> StoredAnswer | None:
        """The stored answer for one turn, or None when there is none (or only a failed request)."""
        with self._lock:
            row = self._db.execute(
                "SELECT response, completion_json FROM responses "
                "WHERE run = ? AND task = ? AND sample = ? AND turn = ? AND status = 'ok'",
                (run, task, sample, turn),
            ).fetchone()
        if row is None:
            return None
        return StoredAnswer(row[0], json.loads(row[1]) if row[1] else {})

    def exchange(self, run: str, task: str, sample: int, turn: int = 1) -> Exchange | None:
        """The stored request and answer (or failure) of one turn; None when nothing was stored."""
        with self._lock:
            row = self._db.execute(
                "SELECT status, response, error, messages_json, completion_json FROM responses "
                "WHERE run = ? AND task = ? AND sample = ? AND turn = ?",
                (run, task, sample, turn),
            ).fetchone()
        if row is None:
            return None
        return Exchange(row[0], row[1], row[2], json.loads(row[3]) if row[3] else None,
                        json.loads(row[4]) if row[4] else {})

    def failed_requests(self, run: str) -> list[tuple[str, int, int, str]]:
        """(task, sample, turn, error) of requests that failed and have not been answered since."""
        with self._lock:
            rows = self._db.execute(
                "SELECT task, sample, turn, error FROM responses WHERE run = ? AND status = 'failed' "
                "ORDER BY task, sample, turn",
                (run,),
            ).fetchall()
        return [(r[0], r[1], r[2], r[3] or "") for r in rows]

    def usage(self, run: str) -> UsageTotals:
        """Token usage and request counts of a run's answers."""
        with self._lock:
            rows = self._db.execute(
                "SELECT completion_json, cached FROM responses WHERE run = ? AND status = 'ok'", (run,)
            ).fetchall()
        answers = len(rows)
        cached = sum(r[1] for r in rows)
        data = [json.loads(r[0]) for r in rows if r[0]]
        prompt = sum(d.get("prompt_tokens") or 0 for d in data)
        completion = sum(d.get("completion_tokens") or 0 for d in data)
        latencies = [d["latency_s"] for d, (_, was_cached) in zip(data, rows, strict=False)
                     if d.get("latency_s") and not was_cached]
        return UsageTotals(answers, cached, prompt, completion, sum(latencies) / len(latencies) if latencies else None)

    # ---- the completion cache: the same request never goes to the model twice ----

    def cached_completion(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT completion_json FROM completions WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def cache_completion(self, key: str, model: str, base_url: str | None, completion: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO completions VALUES (?, ?, ?, ?, ?)",
                (key, model, base_url, json.dumps(completion), time.time()),
            )
            self._db.commit()

    # ---- verdicts ----

    def save_verdict(self, run: str, category: str, sample: int, record: EvalRecord, turn: int = 1) -> None:
        """Record a verdict; a second verdict for the same (task, sample, turn) is a bug and raises."""
        with self._lock:
            self._db.execute(
                "INSERT INTO verdicts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run, record.task, category, sample, turn, record.compiled, record.correctness, record.passed,
                 record.failed_phase, record.speedup, json.dumps(record.to_json()), time.time()),
            )
            self._db.commit()

    def verdict(self, run: str, task: str, sample: int, turn: int = 1) -> EvalRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT record_json FROM verdicts WHERE run = ? AND task = ? AND sample = ? AND turn = ?",
                (run, task, sample, turn),
            ).fetchone()
        return EvalRecord.from_json(json.loads(row[0])) if row else None

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
