"""Reports over stored runs: the metrics of :mod:`multikernelbench.metrics` for each selected run.

A :class:`Report` holds, per run, the metrics at the headline turn (every turn, unless ``--turn`` caps it) and
the metrics at each turn 1..N. :mod:`.tables` renders it for people, :mod:`.export` writes CSV and JSON.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from multikernelbench.errors import UserError
from multikernelbench.metrics import (
    BASELINES,
    DEFAULT_ALPHAS,
    MetricRow,
    compute_metrics,
    last_turn,
)
from multikernelbench.records import StoredVerdict
from multikernelbench.store import RunInfo, Store


@dataclass(frozen=True)
class RunReport:
    """One run's metrics: categories then ``"all"``, at the headline turn and at each turn."""

    info: RunInfo
    turns: int  # highest turn with a verdict; 0 when the run has none
    rows: tuple[MetricRow, ...]  # at the headline turn
    by_turn: tuple[tuple[MetricRow, ...], ...]  # by_turn[t - 1]: rows at turn t, for t = 1..shown turns

    @property
    def total(self) -> MetricRow:
        """The ``"all"`` row at the headline turn."""
        return self.rows[-1]

    def row(self, group: str) -> MetricRow | None:
        return next((r for r in self.rows if r.group == group), None)


@dataclass(frozen=True)
class Report:
    """Metrics of several runs computed with the same k, alphas, baselines and turn cap."""

    store: Path | None
    k: int
    alphas: tuple[float, ...]
    baselines: tuple[str, ...]
    turn: int | None  # the --turn cap; None: every turn
    runs: tuple[RunReport, ...]

    def shared_identity(self) -> set[str]:
        """Names of the runs that share (model, strategy, backend) with another selected run."""
        counts = Counter((r.info.model, r.info.strategy, r.info.backend) for r in self.runs)
        return {r.info.name for r in self.runs if counts[(r.info.model, r.info.strategy, r.info.backend)] > 1}

    def notes(self) -> list[str]:
        """One line per reason some cells are "-" or some numbers are not what the options asked for."""
        notes = []
        empty = [r.info.name for r in self.runs if r.total.answers == 0]
        if empty:
            notes.append(f"no verdicts yet in run {_names(empty)}: its cells show '-'")
        if self.k < 1:
            notes.append(f"k must be at least 1 (got --k {self.k}): the @k cells show '-'")
        else:
            short = [f"'{r.info.name}' ({r.total.min_samples})" for r in self.runs
                     if r.total.answers and r.total.min_samples < self.k]
            if short:
                notes.append(f"--k {self.k} needs {self.k} answers per task, but some tasks have fewer in run "
                             f"{', '.join(short)}: the @k cells show '-'; use a smaller --k or more --samples")
        if self.turn is not None:
            behind = [r.info.name for r in self.runs if 0 < r.turns < self.turn]
            if behind:
                notes.append(f"--turn {self.turn} is past the last turn of run {_names(behind)}: "
                             "its numbers use every turn it has")
        return notes


def _names(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def build_report(
    runs: Sequence[tuple[RunInfo, Sequence[StoredVerdict]]],
    k: int = 1,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    baselines: Sequence[str] = BASELINES,
    turn: int | None = None,
    store: Path | None = None,
) -> Report:
    """Compute every run's metrics (no I/O); ``turn`` caps the turns counted, None counts all of them."""
    alphas = tuple(dict.fromkeys(float(a) for a in alphas))  # keep the order given, drop repeats
    reports = []
    for info, verdicts in runs:
        turns = last_turn(verdicts)
        shown = turns if turn is None else min(turn, turns)
        reports.append(RunReport(
            info=info,
            turns=turns,
            rows=tuple(compute_metrics(verdicts, k, alphas, baselines, turn)),
            by_turn=tuple(tuple(compute_metrics(verdicts, k, alphas, baselines, t)) for t in range(1, shown + 1)),
        ))
    return Report(store=store, k=k, alphas=alphas, baselines=tuple(baselines), turn=turn, runs=tuple(reports))


def load_report(
    store_path: Path,
    run_names: Sequence[str] = (),
    k: int = 1,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    baselines: Sequence[str] = BASELINES,
    turn: int | None = None,
) -> Report:
    """Read the named runs (none named: every run) from an existing store and compute their report."""
    store_path = Path(store_path)
    if not store_path.is_file():
        # Opening a Store creates the file; a report must never leave an empty store behind.
        raise UserError(f"no results store at {store_path}; run 'mkb run' first or pass --store PATH")
    store = Store(store_path)
    try:
        known = store.runs()
        if not known:
            raise UserError(f"no runs in {store_path}; run 'mkb run' first")
        by_name = {r.name: r for r in known}
        wanted = list(dict.fromkeys(run_names)) or [r.name for r in known]
        unknown = [n for n in wanted if n not in by_name]
        if unknown:
            raise UserError(f"unknown run {_names(unknown)} in {store_path}; known runs: "
                            f"{', '.join(by_name)}")
        selected = [(by_name[n], store.verdicts(n)) for n in wanted]
    finally:
        store.close()
    return build_report(selected, k, alphas, baselines, turn, store=store_path)
