"""Runs written in the published harness's output layout, so its own analysis scripts read our results.

For each run, under ``DIR/<backend>/<strategy>/<temperature>-<top_p>/<model>/run<sample>/``:

- ``<task>.txt``: the answer (``<task>_turn<T>.txt`` for feedback turns 2, 3, ...), which is also the
  layout ``--model replay:DIR/...`` reads back;
- ``result_<category>.json``: ``{task: result}`` with the published fields (compiled, correctness,
  performance, hardware, cheating, compile_info, correctness_info) and ours beside them, for each
  sample's last turn;
- ``result.json``: every category's results in one file, as the published harness writes for ``all``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from multikernelbench.errors import UserError
from multikernelbench.records import StoredVerdict
from multikernelbench.report.export import open_for_writing
from multikernelbench.store import RunInfo, Store

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def run_folder(info: RunInfo) -> Path:
    """The published per-model folder of a run, relative to the export's root."""
    fixed = info.config.get("fixed", {}) if isinstance(info.config, dict) else {}
    sampling = f"{fixed.get('temperature', 0.0)}-{fixed.get('top_p', 1.0)}"
    # The published harness keeps what follows the provider's slash ("deepseek/deepseek-chat" -> "deepseek-chat").
    model = info.model.split("/", 1)[-1] if "/" in info.model else info.model
    parts = [info.backend, info.strategy if info.strategy != "none" else "none", sampling, model]
    return Path(*(_UNSAFE.sub("_", part) or "_" for part in parts))


def published_result(verdict: StoredVerdict) -> dict[str, Any]:
    """The published harness's result item for one verdict (its fields first, ours after)."""
    data = verdict.record.to_json()
    performance = data.get("performance")
    if performance:  # the published item has no samples list; keep ours under another name
        data["performance"] = {k: v for k, v in performance.items() if k != "samples"}
    data.setdefault("compile_info", "")
    data.setdefault("correctness_info", "")
    return data


def last_turns(verdicts: Iterable[StoredVerdict]) -> dict[tuple[int, str], StoredVerdict]:
    """Each (sample, task)'s verdict at its highest turn."""
    chosen: dict[tuple[int, str], StoredVerdict] = {}
    for verdict in verdicts:
        key = (verdict.sample, verdict.task)
        if key not in chosen or verdict.turn > chosen[key].turn:
            chosen[key] = verdict
    return chosen


def write_published(store: Store, runs: Sequence[RunInfo], root: Path) -> list[Path]:
    """Write every run under ``root``; returns the per-model folders written. Two runs that would share a
    folder (same backend, strategy, sampling and model) are refused: the second would overwrite the first."""
    folders: dict[Path, str] = {}
    for info in runs:
        folder = root / run_folder(info)
        if folder in folders:
            raise UserError(f"runs '{folders[folder]}' and '{info.name}' would both be written to {folder}; "
                            "export them one at a time to different folders")
        folders[folder] = info.name
    for folder, name in folders.items():
        info = next(r for r in runs if r.name == name)
        _write_run(store, info, store.verdicts(name), folder)
    return list(folders)


def _write_run(store: Store, info: RunInfo, verdicts: list[StoredVerdict], folder: Path) -> None:
    results: dict[int, dict[str, dict[str, Any]]] = {}
    for (sample, task), verdict in sorted(last_turns(verdicts).items()):
        results.setdefault(sample, {}).setdefault(verdict.category, {})[task] = published_result(verdict)
    for verdict in verdicts:
        exchange = store.exchange(info.name, verdict.task, verdict.sample, verdict.turn)
        if exchange is None or exchange.status != "ok":
            continue
        suffix = "" if verdict.turn == 1 else f"_turn{verdict.turn}"
        _write_text(folder / f"run{verdict.sample}" / f"{verdict.task}{suffix}.txt", exchange.text)
    for sample, by_category in results.items():
        sample_folder = folder / f"run{sample}"
        everything: dict[str, Any] = {}
        for category, items in sorted(by_category.items()):
            _write_text(sample_folder / f"result_{category}.json", json.dumps(items, indent=2, default=str) + "\n")
            everything.update(items)
        _write_text(sample_folder / "result.json", json.dumps(everything, indent=2, default=str) + "\n")


def _write_text(path: Path, text: str) -> None:
    with open_for_writing(path) as handle:
        handle.write(text)
