"""``mkb report --html DIR``: a static, self-contained site made from the store alone.

No server and no network: every page is a file with its styles inline, every figure an SVG file beside it,
and every link relative, so the folder works from ``file://``, zipped or copied elsewhere. Layout:

- ``index.html``: the main table (a row per model and strategy, a column group per backend), the same per
  category, the runs compared with intervals, and the figures;
- ``runs/<run>.html``: one run's metrics per category and every answer behind them, grouped by category;
- ``answers/<run>/<task>-s<sample>-t<turn>.html``: one answer's story (task, prompt, answer, candidate,
  build log, failure, timing samples, integrity flags, seed, hardware and versions);
- ``figures/*.svg``.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from multikernelbench.errors import UserError
from multikernelbench.evaluation.extraction import extract_candidate
from multikernelbench.metrics import TOTAL, verdicts_at_turn
from multikernelbench.records import EvalRecord, StoredVerdict, TimingStats
from multikernelbench.report import Report, RunReport
from multikernelbench.report import plots
from multikernelbench.report.answers import AnswerRow, device_name
from multikernelbench.report.comparison import compare, geomean_estimate
from multikernelbench.report.export import public_config
from multikernelbench.report.tables import alpha_label, percent
from multikernelbench.store import Store
from multikernelbench.tasks.loader import bundled_tasks

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def slug(name: str) -> str:
    """A file-name-safe form of ``name`` that two different names never share."""
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{_UNSAFE.sub('_', name)[:60].strip('_') or 'run'}-{digest}"


def answer_path(run: str, verdict: StoredVerdict) -> str:
    """An answer page's path, relative to the report's root."""
    task = _UNSAFE.sub("_", verdict.task)
    return f"answers/{slug(run)}/{task}-s{verdict.sample}-t{verdict.turn}.html"


def run_path(run: str) -> str:
    return f"runs/{slug(run)}.html"


@dataclass(frozen=True)
class SiteData:
    """What the pages are made from: the report, and per run every verdict and the counted ones."""

    report: Report
    baseline: str
    verdicts: tuple[tuple[StoredVerdict, ...], ...]  # every turn of every sample
    counted: tuple[tuple[StoredVerdict, ...], ...]  # one per (task, sample), as the metrics count them


def write_html_report(report: Report, baseline: str, directory: Path, store: Store) -> Path:
    """Write the site into ``directory`` (made if needed; earlier pages there are replaced); returns index.html."""
    verdicts = tuple(tuple(store.verdicts(run.info.name)) for run in report.runs)
    counted = tuple(tuple(verdicts_at_turn(vs, report.turn)) for vs in verdicts)
    data = SiteData(report, baseline, verdicts, counted)
    directory = Path(directory)
    _refuse_foreign(directory)
    try:
        for folder in ("runs", "answers", "figures"):
            shutil.rmtree(directory / folder, ignore_errors=True)
        for folder in ("runs", "answers", "figures"):
            (directory / folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot write the report to {directory} ({exc.strerror or exc}); pass another --html "
                        "folder") from None
    environment = _environment()
    figures = _write_figures(data, directory / "figures")
    _write(directory / "index.html", environment.get_template("index.html.j2").render(
        **_common(data, root=""), figures=figures, main=_main_table(data), categories=_category_table(data),
        comparison=_comparison(data)))
    answer_page = environment.get_template("answer.html.j2")
    shared = _common(data, root="../../")
    for run, run_verdicts in zip(report.runs, verdicts):
        _write(directory / run_path(run.info.name), environment.get_template("run.html.j2").render(
            **_common(data, root="../"), run=run, view=_run_view(data, run, run_verdicts)))
        turns: dict[tuple[str, int], list[StoredVerdict]] = {}  # a sample's turns, for the links between them
        for verdict in run_verdicts:
            turns.setdefault((verdict.task, verdict.sample), []).append(verdict)
        for verdict in run_verdicts:
            page = _answer_view(store, run, verdict, turns[(verdict.task, verdict.sample)])
            _write(directory / answer_path(run.info.name, verdict), answer_page.render(**shared, run=run, answer=page))
    return directory / "index.html"


_MARK = '<meta name="generator" content="multikernelbench">'


def _refuse_foreign(directory: Path) -> None:
    """Writing replaces the report's folders: never do that in a folder holding something else."""
    if not directory.is_dir() or not any(directory.iterdir()):
        return
    index = directory / "index.html"
    if index.is_file() and _MARK in index.read_text(encoding="utf-8", errors="replace"):
        return
    raise UserError(f"{directory} is not empty and holds no multikernelbench report; pass a new or empty folder "
                    "(an earlier report's folder is replaced)")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _environment() -> Any:
    import jinja2

    environment = jinja2.Environment(loader=jinja2.PackageLoader("multikernelbench.report", "templates"),
                                     autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                                     lstrip_blocks=True)
    environment.filters["percent"] = percent
    environment.filters["factor"] = _factor
    environment.filters["ms"] = lambda v: "-" if v is None else f"{v:.4g}"
    return environment


def _factor(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _common(data: SiteData, root: str) -> dict[str, Any]:
    report = data.report
    return {"root": root, "k": report.k, "alphas": [alpha_label(a) for a in report.alphas], "baseline": data.baseline,
            "notes": report.notes(), "store": str(report.store or ""), "turn_cap": report.turn,
            "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "run_path": run_path,
            "pygments_css": _pygments_css()}


def _pygments_css() -> str:
    from markupsafe import Markup
    from pygments.formatters import HtmlFormatter

    return Markup(HtmlFormatter(style="default").get_style_defs(".code"))


# ---- index ----


def _labels(data: SiteData) -> list[str]:
    return plots.run_labels(data.report)


def _rate_cells(run: RunReport, group: str, data: SiteData) -> list[str]:
    row = run.row(group)
    if row is None:
        return ["-"] * (2 + len(data.report.alphas))
    return [percent(row.comp_at_k), percent(row.pass_at_k),
            *(percent(row.speedup_at_k.get((data.baseline, a))) for a in data.report.alphas)]


def _main_table(data: SiteData) -> dict[str, Any]:
    """Rows: model and strategy (and profile where runs differ in it); column groups: backends."""
    runs = data.report.runs
    backends = sorted({run.info.backend for run in runs})
    profiles = {run.info.profile for run in runs}
    rows: dict[tuple[str, ...], dict[str, RunReport]] = {}
    for run in runs:
        key: tuple[str, ...] = (run.info.model, run.info.strategy) + ((run.info.profile,) if len(profiles) > 1 else ())
        if run.info.backend in rows.get(key, {}):  # two runs would share a cell: tell them apart by name
            key = (*key, run.info.name)
        rows.setdefault(key, {})[run.info.backend] = run
    table_rows = []
    for key, by_backend in rows.items():
        cells = []
        for backend in backends:
            run = by_backend.get(backend)
            cells.append({"numbers": _rate_cells(run, TOTAL, data) if run else None,
                          "href": run_path(run.info.name) if run else None})
        table_rows.append({"label": " ".join(part for part in key if part != "none"), "cells": cells})
    return {"backends": backends, "rows": table_rows}


def _category_table(data: SiteData) -> dict[str, Any]:
    """Rows: categories then all; column groups: runs. Each cell links to its answers."""
    categories = sorted({row.group for run in data.report.runs for row in run.rows if row.group != TOTAL})
    rows = []
    for group in [*categories, TOTAL]:
        cells = []
        for run in data.report.runs:
            row = run.row(group)
            cells.append({"numbers": _rate_cells(run, group, data), "answers": row.answers if row else 0,
                          "href": f"{run_path(run.info.name)}#cat-{_anchor(group)}"})
        rows.append({"group": group, "cells": cells})
    return {"runs": _labels(data), "rows": rows}


def _comparison(data: SiteData) -> dict[str, Any] | None:
    if len(data.report.runs) < 2:
        return None
    table = compare(data.counted, data.report.k, data.baseline)
    return {"runs": _labels(data), "metrics": [
        {"name": f"Comp@{data.report.k}", "rows": table["compilation"], "percent": True},
        {"name": f"Pass@{data.report.k}", "rows": table["pass"], "percent": True},
        {"name": f"geomean speedup over {data.baseline}", "rows": table["geomean"], "percent": False},
    ]}


def _write_figures(data: SiteData, folder: Path) -> list[dict[str, str]]:
    report, baseline = data.report, data.baseline
    made = [
        ("rates", f"Comp@{report.k} and Pass@{report.k} per category", plots.rates_by_category(report)),
        ("speedups", f"Speedup of each passing answer over {baseline}, per category",
         plots.speedup_distribution(report, data.counted, baseline)),
        ("fast_p", "fast_p: share of answers correct and more than p times faster",
         plots.fast_p_curves(report, data.counted, baseline)),
        ("pass_at_k", "Pass@k against k", plots.pass_at_k_curve(report, data.counted)),
        ("turns", "Metrics by feedback turn", plots.metrics_by_turn(report, baseline)),
    ]
    figures = []
    for name, title, svg in made:
        if svg is None:
            continue
        (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
        figures.append({"file": f"figures/{name}.svg", "title": title})
    return figures


# ---- run pages ----


def _anchor(group: str) -> str:
    return _UNSAFE.sub("_", group)


def _run_view(data: SiteData, run: RunReport, verdicts: Sequence[StoredVerdict]) -> dict[str, Any]:
    counted = {(v.task, v.sample, v.turn) for v in verdicts_at_turn(verdicts, data.report.turn)}
    groups: dict[str, list[dict[str, Any]]] = {}
    for verdict in verdicts:
        row = AnswerRow(run.info, verdict)
        record = verdict.record
        interval = record.speedup_interval
        groups.setdefault(verdict.category, []).append({
            "task": verdict.task, "sample": verdict.sample, "turn": verdict.turn, "word": row.verdict_word,
            "phase": record.failed_phase or "", "failure": record.failure or "",
            "speedup": record.speedup, "interval": interval, "speedup_compile": record.speedup_compile,
            "flags": sorted({f.check for f in record.integrity_flags}),
            "counted": (verdict.task, verdict.sample, verdict.turn) in counted,
            "href": "../" + answer_path(run.info.name, verdict)})
    geomeans = {}
    for group in [*sorted(groups), TOTAL]:
        chosen = [v for v in verdicts_at_turn(verdicts, data.report.turn) if group == TOTAL or v.category == group]
        geomeans[group] = geomean_estimate(chosen, data.baseline)
    rows = [{"group": r.group, "anchor": _anchor(r.group), "tasks": r.tasks, "answers": r.answers,
             "flagged": r.flagged, "numbers": _rate_cells(run, r.group, data), "geomean": geomeans.get(r.group)}
            for r in run.rows]
    return {"rows": rows, "groups": [{"name": name, "anchor": _anchor(name), "answers": answers}
                                     for name, answers in sorted(groups.items())],
            "config": json.dumps(public_config(run.info.config), indent=2, sort_keys=True, default=str)}


# ---- answer pages ----


def _highlight(code: str, language: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    return highlight(code, get_lexer_by_name(language), HtmlFormatter(nowrap=True))


def _answer_view(store: Store, run: RunReport, verdict: StoredVerdict,
                 sample_turns: Sequence[StoredVerdict]) -> dict[str, Any]:
    from markupsafe import Markup

    record = verdict.record
    exchange = store.exchange(run.info.name, verdict.task, verdict.sample, verdict.turn)
    task = bundled_tasks().get(verdict.task)
    response = exchange.text if exchange is not None and exchange.status == "ok" else None
    candidate = extract_candidate(response).source if response else None
    siblings = [{"turn": v.turn, "href": answer_path(run.info.name, v).rsplit("/", 1)[-1], "word":
                 AnswerRow(run.info, v).verdict_word}
                for v in sample_turns]
    interval = record.speedup_interval
    return {
        "verdict": verdict, "record": record, "word": AnswerRow(run.info, verdict).verdict_word,
        "task_source": Markup(_highlight(task.source, "python")) if task else None,
        "messages": exchange.messages if exchange else None,
        "request_error": exchange.error if exchange and exchange.status != "ok" else None,
        "response": Markup(_highlight(response, "markdown")) if response else None,
        "candidate": Markup(_highlight(candidate, "python")) if candidate else None,
        "completion": {k: v for k, v in (exchange.completion if exchange else {}).items()
                       if k in ("model", "prompt_tokens", "completion_tokens", "latency_s", "finish_reason",
                                "attempts")},
        "timings": _timings(record), "timing_plot": Markup(timing_svg(record) or ""),
        "interval": interval, "device": device_name(record),
        "hardware": json.dumps(record.hardware, indent=2, sort_keys=True, default=str),
        "versions": json.dumps(record.versions, indent=2, sort_keys=True, default=str),
        "siblings": siblings, "run_href": f"../../{run_path(run.info.name)}#cat-{_anchor(verdict.category)}",
    }


def _timings(record: EvalRecord) -> list[dict[str, Any]]:
    rows = []
    for name, stats in (("candidate", record.runtime), ("eager", record.baseline),
                        ("torch.compile", record.compile_baseline)):
        if stats is not None:
            rows.append({"name": name, "median": stats.median, "min": stats.min, "max": stats.max,
                         "trials": stats.num_trials})
    return rows


_SERIES_COLOURS = {"candidate": "#1f77b4", "eager": "#ff7f0e", "torch.compile": "#2ca02c"}


def timing_svg(record: EvalRecord, width: int = 640, height: int = 180) -> str | None:
    """A small inline SVG of every trial's time (ms) for the candidate and both baselines; None without samples."""
    series: list[tuple[str, TimingStats]] = [(n, s) for n, s in (("candidate", record.runtime),
                                                                  ("eager", record.baseline),
                                                                  ("torch.compile", record.compile_baseline))
                                              if s is not None and s.samples]
    if not series:
        return None
    left, right, top, bottom = 56, 120, 10, 24
    longest = max(len(s.samples) for _, s in series)
    highest = max(max(s.samples) for _, s in series) or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (plot_w * i / max(1, longest - 1))

    def y(v: float) -> float:
        return top + plot_h * (1 - v / highest)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="timing samples">',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#888"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#888"/>',
             f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="11">{highest:.3g} ms</text>',
             f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11">0</text>',
             f'<text x="{left + plot_w / 2}" y="{height - 4}" text-anchor="middle" font-size="11">trial</text>']
    for index, (name, stats) in enumerate(series):
        colour = _SERIES_COLOURS[name]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(stats.samples))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>')
        legend_y = top + 14 + 16 * index
        parts.append(f'<rect x="{left + plot_w + 10}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{left + plot_w + 24}" y="{legend_y}" font-size="11">{html.escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
