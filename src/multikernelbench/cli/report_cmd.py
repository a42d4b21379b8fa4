"""``mkb report``: the paper's metrics for stored runs, as tables; optionally as CSV, JSON, per-answer CSV,
the published harness's result files and a static HTML site."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from multikernelbench.errors import UserError
from multikernelbench.metrics import BASELINES, DEFAULT_ALPHAS
from multikernelbench.paths import default_store_path
from multikernelbench.report import load_report
from multikernelbench.report.answers import answer_rows, write_answers_csv
from multikernelbench.report.export import write_csv, write_json
from multikernelbench.report.html import write_html_report
from multikernelbench.report.published import write_published
from multikernelbench.report.tables import print_report
from multikernelbench.store import Store


def parse_alphas(values: list[str] | None) -> tuple[float, ...]:
    """``--alpha`` values, repeated or comma-separated, as floats (none given: the default 1.0)."""
    if not values:
        return DEFAULT_ALPHAS
    alphas = []
    for text in (v.strip() for value in values for v in value.split(",")):
        if not text:
            continue
        try:
            alpha = float(text)
        except ValueError:
            raise UserError(f"--alpha '{text}' is not a number; pass thresholds like --alpha 1.0,1.5") from None
        if not alpha >= 0 or alpha == float("inf"):  # also rejects nan
            raise UserError(f"--alpha {text} must be a finite number >= 0, such as 1.0, 1.5 or 2.0")
        alphas.append(alpha)
    return tuple(alphas) or DEFAULT_ALPHAS


def report(
    runs: Annotated[list[str] | None, typer.Argument(metavar="RUN", show_default=False,
                                                     help="Runs to report (default: every run in the store).")]
    = None,
    store: Annotated[Path | None, typer.Option(help="Results file (default: ./mkb-results/results.sqlite).")]
    = None,
    k: Annotated[int, typer.Option("--k", help="Answers drawn per task for the @k metrics.")] = 1,
    alpha: Annotated[list[str] | None, typer.Option(
        "--alpha", help="Speedup threshold of SpeedUp_alpha@k (repeat or comma-separate; default 1.0).")] = None,
    baseline: Annotated[str, typer.Option(help="Speedups in the tables are over: eager or compile.")] = "eager",
    turn: Annotated[int | None, typer.Option(min=1, help="Count feedback turns up to this one (default: all).")]
    = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Also write every metric to this CSV file.")]
    = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the report to this JSON file.")]
    = None,
    html_dir: Annotated[Path | None, typer.Option(
        "--html", help="Also write a static HTML report (tables, figures, a page per answer) into this folder.")]
    = None,
    answers_csv: Annotated[Path | None, typer.Option(
        "--answers-csv", help="Also write one row per answer (tidy CSV, for pandas) to this file.")] = None,
    published: Annotated[Path | None, typer.Option(
        "--published", help="Also write the runs in the published harness's layout (result_<category>.json, "
                            "<task>.txt) under this folder.")] = None,
) -> None:
    """Compilation@k, Pass@k and SpeedUp_alpha@k of stored runs, by backend, category and turn."""
    if baseline not in BASELINES:
        raise UserError(f"unknown baseline '{baseline}'; use --baseline eager or --baseline compile")
    alphas = parse_alphas(alpha)
    result = load_report(store or default_store_path(), runs or [], k=k, alphas=alphas, turn=turn)
    print_report(result, baseline, Console())
    # Where files went is a message for people, not part of the report: stderr.
    messages = Console(stderr=True)
    if csv_path is not None:
        messages.print(f"wrote {write_csv(result, csv_path)}", markup=False, highlight=False, soft_wrap=True)
    if json_path is not None:
        messages.print(f"wrote {write_json(result, json_path)}", markup=False, highlight=False, soft_wrap=True)
    if html_dir is None and answers_csv is None and published is None:
        return
    # result.store is the path load_report checked: the store exists.
    opened = Store(result.store or default_store_path())
    try:
        if answers_csv is not None:
            rows = answer_rows((run.info, opened.verdicts(run.info.name)) for run in result.runs)
            _wrote(messages, write_answers_csv(rows, answers_csv))
        if published is not None:
            for folder in write_published(opened, [run.info for run in result.runs], published):
                _wrote(messages, folder)
        if html_dir is not None:
            with messages.status("writing the HTML report..."):
                index = write_html_report(result, baseline, html_dir, opened)
            _wrote(messages, index)
    finally:
        opened.close()


def _wrote(console: Console, path: Path) -> None:
    console.print(f"wrote {path}", markup=False, highlight=False, soft_wrap=True)
