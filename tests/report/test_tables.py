"""The rich tables of ``mkb report``: cells, shared-identity rows, splitting to fit, turn tables."""

from __future__ import annotations

import io

from rich.console import Console

from multikernelbench.report import build_report
from multikernelbench.report.tables import alpha_label, percent, print_report, times
from tests.report import run_info, verdict


def render(report, width: int = 250, baseline: str = "eager") -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    print_report(report, baseline, console)
    return console.file.getvalue()


def cells(output: str, first: str) -> list[list[str]]:
    """The cells of every table row whose first cell is ``first``."""
    rows = []
    for line in output.splitlines():
        parts = [p.strip() for p in line.split("│")]
        if len(parts) > 2 and parts[1] == first:
            rows.append(parts[1:-1])
    return rows


def test_formatting_helpers() -> None:
    assert (percent(0.4), percent(1.0), percent(None), percent(1 / 3)) == ("40.0", "100.0", "-", "33.3")
    assert (times(2.0), times(None)) == ("2.00x", "-")
    assert [alpha_label(a) for a in (1.0, 1.5, 2, 1.25)] == ["1.0", "1.5", "2.0", "1.25"]


def test_main_table_has_a_row_per_model_and_a_column_group_per_backend() -> None:
    good = [verdict("relu", "activation", 0, speedup=2.0), verdict("sum", "reduce", 0, passed=False)]
    bad = [verdict("relu", "activation", 0, compiled=False, passed=False), verdict("sum", "reduce", 0, speedup=1.2)]
    report = build_report([(run_info("g-cpp", model="gpt"), good), (run_info("g-tri", model="gpt", backend="triton"),
                                                                    bad),
                           (run_info("c-cpp", model="claude"), bad)], alphas=(1.0, 1.5))
    out = render(report)
    assert "Comp@1" in out and "SU1.5@1" in out and "triton" in out
    assert cells(out, "gpt") == [["gpt", "none", "100.0", "50.0", "50.0", "50.0", "50.0", "50.0", "50.0", "0.0"]]
    # claude has no triton run: its cells there are "-".
    assert cells(out, "claude") == [["claude", "none", "50.0", "50.0", "50.0", "0.0", "-", "-", "-", "-"]]
    assert "share model" not in out


def test_compile_baseline_changes_the_speedup_cells() -> None:
    report = build_report([(run_info("a"), [verdict("relu", "activation", speedup=2.0, speedup_compile=0.5)])])
    assert cells(render(report), "m")[0][-1] == "100.0"
    assert cells(render(report, baseline="compile"), "m")[0][-1] == "0.0"


def test_runs_sharing_an_identity_get_their_own_rows_and_a_footnote() -> None:
    report = build_report([(run_info("try1", model="gpt"), [verdict("relu", "activation", speedup=2.0)]),
                           (run_info("try2", model="gpt"), [verdict("relu", "activation", passed=False)])])
    out = render(report)
    assert cells(out, "gpt (try1)")[0][2:5] == ["100.0", "100.0", "100.0"]
    assert cells(out, "gpt (try2)")[0][2:5] == ["100.0", "0.0", "0.0"]
    assert "note: runs try1, try2 share model, strategy and backend with another run" in out


def test_category_table_rows_are_categories_then_all_with_fast_1_and_geomean() -> None:
    verdicts = [verdict("relu", "activation", 0, speedup=2.0), verdict("relu", "activation", 1, speedup=8.0),
                verdict("sum", "reduce", 0, speedup=0.5), verdict("sum", "reduce", 1, passed=False)]
    out = render(build_report([(run_info("a"), verdicts), (run_info("b"), verdicts[2:])]))
    assert "fast_1" in out and "geomean" in out
    assert cells(out, "activation") == [["activation", "100.0", "100.0", "100.0", "100.0", "4.00x", "0",
                                         "-", "-", "-", "-", "-", "-"]]
    assert cells(out, "reduce") == [["reduce", "100.0", "50.0", "0.0", "0.0", "0.50x", "0",
                                     "100.0", "50.0", "0.0", "0.0", "0.50x", "0"]]
    assert cells(out, "all")[0][:6] == ["all", "100.0", "75.0", "50.0", "50.0", "2.00x"]


def test_turn_table_appears_only_with_several_turns_and_blanks_turns_a_run_lacks() -> None:
    one = [verdict("relu", "activation", turn=1, speedup=2.0)]
    assert "By turn" not in render(build_report([(run_info("a"), one)]))
    two = [verdict("relu", "activation", turn=1, passed=False), verdict("relu", "activation", turn=2, speedup=2.0)]
    out = render(build_report([(run_info("a"), two), (run_info("b"), one)]))
    assert "By turn" in out
    assert cells(out, "1") == [["1", "0.0", "0.0", "100.0", "100.0"]]
    assert cells(out, "2") == [["2", "100.0", "100.0", "", ""]]


def test_undefined_cells_show_a_dash_and_the_note_says_why() -> None:
    out = render(build_report([(run_info("a"), [verdict("relu", "activation")])], k=3))
    assert cells(out, "m") == [["m", "none", "-", "-", "-"]]
    assert "note: --k 3 needs 3 answers per task" in out


def test_wide_reports_are_split_instead_of_cropped() -> None:
    runs = [(run_info(f"run-number-{i}", model=f"model-{i}", backend=f"backend-{i}"),
             [verdict("relu", "activation", speedup=2.0)]) for i in range(6)]
    out = render(build_report(runs, alphas=(1.0, 1.5, 2.0)), width=100)
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "…" not in out
    assert out.count("Main results") > 1 and out.count("By category") > 1
    for i in range(6):
        assert f"run-number-{i}" in out and f"backend-{i}" in out


def test_names_with_brackets_are_not_read_as_markup() -> None:
    out = render(build_report([(run_info("[bold]x", model="[red]m"), [verdict("relu", "activation")])]))
    assert "[red]m" in out and "[bold]x" in out
