"""``mkb report`` as a user runs it, on stores built from synthetic verdicts."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from multikernelbench.cli import main
from tests.report import make_store, run_info, verdict


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")


def row_cells(output: str, first: str) -> list[str]:
    for line in output.splitlines():
        parts = [p.strip() for p in line.split("│")]
        if len(parts) > 2 and parts[1] == first:
            return parts[1:-1]
    raise AssertionError(f"no row starting with {first!r} in:\n{output}")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """gpt on cpp and triton, claude on cpp; two answers per task."""
    gpt_cpp = [verdict("relu", "activation", 0, speedup=2.0), verdict("relu", "activation", 1, passed=False),
               verdict("sum", "reduce", 0, speedup=1.6), verdict("sum", "reduce", 1, speedup=1.6)]
    gpt_triton = [verdict("relu", "activation", 0, compiled=False, passed=False),
                  verdict("relu", "activation", 1, compiled=False, passed=False),
                  verdict("sum", "reduce", 0, speedup=0.9), verdict("sum", "reduce", 1, passed=False)]
    claude_cpp = [verdict("relu", "activation", s, speedup=1.2) for s in range(2)] + [
        verdict("sum", "reduce", s, passed=False) for s in range(2)]
    return make_store(tmp_path / "results.sqlite", [
        (run_info("gpt-cpp", model="gpt"), gpt_cpp),
        (run_info("gpt-triton", model="gpt", backend="triton"), gpt_triton),
        (run_info("claude-cpp", model="claude"), claude_cpp),
    ])


def test_main_table_shows_each_model_with_a_column_group_per_backend(store: Path, capsys) -> None:
    assert main(["report", "--store", str(store), "--alpha", "1.0,1.5"]) == 0
    out = capsys.readouterr().out
    # Comp@1, Pass@1, SU1.0@1, SU1.5@1 for cpp, then for triton.
    assert row_cells(out, "gpt") == ["gpt", "none", "100.0", "75.0", "75.0", "75.0", "50.0", "25.0", "0.0", "0.0"]
    assert row_cells(out, "claude") == ["claude", "none", "100.0", "50.0", "50.0", "0.0", "-", "-", "-", "-"]
    assert row_cells(out, "reduce")[:7] == ["reduce", "100.0", "100.0", "100.0", "100.0", "100.0", "1.60x"]
    assert "By turn" not in out


def test_selected_runs_and_repeatable_alpha(store: Path, capsys) -> None:
    assert main(["report", "claude-cpp", "--store", str(store), "--alpha", "1.1", "--alpha", "2"]) == 0
    out = capsys.readouterr().out
    assert "gpt" not in out
    assert "SU1.1@1" in out and "SU2.0@1" in out
    assert row_cells(out, "claude") == ["claude", "none", "100.0", "50.0", "50.0", "0.0"]


def test_compile_baseline_option(store: Path, capsys) -> None:
    assert main(["report", "gpt-cpp", "--store", str(store), "--baseline", "compile"]) == 0
    out = capsys.readouterr().out
    assert "speedups vs compile" in out
    assert row_cells(out, "gpt")[-1] == "0.0"  # no torch.compile timings stored: nothing is fast


def test_k_larger_than_the_samples_shows_dashes_and_a_note(store: Path, capsys) -> None:
    assert main(["report", "--store", str(store), "--k", "3"]) == 0
    out = capsys.readouterr().out
    assert row_cells(out, "claude") == ["claude", "none", *["-"] * 6]
    assert "note: --k 3 needs 3 answers per task" in out
    assert main(["report", "--store", str(store), "--k", "2"]) == 0
    # k=2 with two answers each: a task counts when any of its answers succeeds.
    assert row_cells(capsys.readouterr().out, "gpt")[2:] == ["100.0", "100.0", "100.0", "50.0", "50.0", "0.0"]


def test_csv_and_json_are_written_and_announced_on_stderr(store: Path, tmp_path: Path, capsys) -> None:
    csv_path, json_path = tmp_path / "out" / "m.csv", tmp_path / "out" / "m.json"
    assert main(["report", "--store", str(store), "--csv", str(csv_path), "--json", str(json_path)]) == 0
    err = capsys.readouterr().err
    assert f"wrote {csv_path}" in err and f"wrote {json_path}" in err
    with csv_path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    (value,) = [r["value"] for r in rows if r["run"] == "gpt-triton" and r["category"] == "all"
                and r["metric"] == "compilation_at_k"]
    assert float(value) == 0.5
    data = json.loads(json_path.read_text())
    assert [r["name"] for r in data["runs"]] == ["gpt-cpp", "gpt-triton", "claude-cpp"]


def test_default_store_comes_from_the_results_dir(store: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("MKB_RESULTS_DIR", str(store.parent))
    assert main(["report", "gpt-cpp"]) == 0
    assert row_cells(capsys.readouterr().out, "gpt")[:4] == ["gpt", "none", "100.0", "75.0"]


def test_unknown_run_is_a_one_line_error_naming_the_known_runs(store: Path, capsys) -> None:
    assert main(["report", "nope", "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: unknown run 'nope'") and "gpt-cpp, gpt-triton, claude-cpp" in err


def test_missing_store_is_an_error_and_is_not_created(tmp_path: Path, capsys) -> None:
    path = tmp_path / "none.sqlite"
    assert main(["report", "--store", str(path)]) == 2
    assert "error: no results store at" in capsys.readouterr().err
    assert not path.exists()


def test_empty_store_is_an_error(tmp_path: Path, capsys) -> None:
    path = make_store(tmp_path / "empty.sqlite", [])
    assert main(["report", "--store", str(path)]) == 2
    assert capsys.readouterr().err == f"error: no runs in {path}; run 'mkb run' first\n"


@pytest.mark.parametrize(("args", "message"), [
    (["--alpha", "fast"], "--alpha 'fast' is not a number"),
    (["--alpha", "-1"], "--alpha -1 must be a finite number >= 0"),
    (["--baseline", "jit"], "unknown baseline 'jit'"),
    (["--turn", "0"], "--turn"),
])
def test_bad_options_are_one_line_errors(store: Path, capsys, args: list[str], message: str) -> None:
    assert main(["report", "--store", str(store), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
