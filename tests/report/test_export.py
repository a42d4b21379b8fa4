"""The long-format CSV and the JSON document written by ``mkb report --csv/--json``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from multikernelbench.errors import UserError
from multikernelbench.report import build_report
from multikernelbench.report.export import (
    CSV_COLUMNS,
    public_config,
    write_csv,
    write_json,
)
from tests.report import run_info, verdict

VERDICTS = [
    verdict("relu", "activation", 0, turn=1, passed=False),
    verdict("relu", "activation", 0, turn=2, speedup=2.0, speedup_compile=0.5),
    verdict("sum", "reduce", 0, turn=1, speedup=1.2),
]


def _report(**kwargs):
    info = run_info("gpt-cpp", model="gpt", strategy="one-shot", api_key="sk-secret", fixed={"auth_token": "t", "n": 1})
    return build_report([(info, VERDICTS), (run_info("empty", model="gpt", backend="triton"), [])],
                        alphas=(1.0, 1.5), **kwargs)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _value(rows, **match) -> str:
    (row,) = [r for r in rows if all(r[k] == v for k, v in match.items())]
    return row["value"]


def test_csv_has_one_value_a_row_for_each_turn_category_and_metric(tmp_path: Path) -> None:
    path = write_csv(_report(), tmp_path / "out" / "report.csv")
    rows = _read_csv(path)
    assert list(rows[0]) == list(CSV_COLUMNS)
    first = rows[0]
    assert (first["run"], first["model"], first["strategy"], first["backend"], first["profile"], first["k"]) == (
        "gpt-cpp", "gpt", "one-shot", "cpp", "small", "1")
    mine = [r for r in rows if r["run"] == "gpt-cpp"]
    assert {(r["turn"], r["category"]) for r in mine} == {(t, c) for t in "12" for c in ("activation", "reduce", "all")}
    assert float(_value(mine, turn="1", category="all", metric="pass_at_k")) == pytest.approx(0.5)
    assert float(_value(mine, turn="2", category="all", metric="pass_at_k")) == pytest.approx(1.0)
    assert float(_value(mine, turn="2", category="activation", metric="speedup_at_k", baseline="eager",
                        alpha="1.5")) == 1.0
    assert float(_value(mine, turn="2", category="activation", metric="speedup_at_k", baseline="compile",
                        alpha="1.0")) == 0.0
    assert float(_value(mine, turn="2", category="all", metric="fast_p", baseline="eager", alpha="0.0")) == 1.0
    assert float(_value(mine, turn="2", category="all", metric="geomean_speedup", baseline="eager")) == (
        pytest.approx((2.0 * 1.2) ** 0.5))
    assert _value(mine, turn="2", category="all", metric="tasks") == "2"
    assert _value(mine, turn="2", category="all", metric="flagged") == "0"
    # None is an empty cell, never "None" or 0.
    assert _value(mine, turn="1", category="reduce", metric="geomean_speedup", baseline="compile") == ""


def test_csv_keeps_runs_without_verdicts_with_empty_turn_and_values(tmp_path: Path) -> None:
    rows = [r for r in _read_csv(write_csv(_report(), tmp_path / "r.csv")) if r["run"] == "empty"]
    assert rows and {r["turn"] for r in rows} == {""} and {r["category"] for r in rows} == {"all"}
    assert _value(rows, metric="pass_at_k") == "" and _value(rows, metric="answers") == "0"


def test_csv_under_a_turn_cap_stops_at_that_turn(tmp_path: Path) -> None:
    rows = _read_csv(write_csv(_report(turn=1), tmp_path / "r.csv"))
    assert {r["turn"] for r in rows if r["run"] == "gpt-cpp"} == {"1"}


def test_json_holds_run_info_without_secrets_and_every_metric(tmp_path: Path) -> None:
    path = write_json(_report(k=1), tmp_path / "report.json")
    data = json.loads(path.read_text())
    assert (data["k"], data["alphas"], data["baselines"], data["turn"]) == (1, [1.0, 1.5], ["eager", "compile"], None)
    run = data["runs"][0]
    assert {k: run[k] for k in ("name", "model", "backend", "strategy", "profile", "turns")} == {
        "name": "gpt-cpp", "model": "gpt", "backend": "cpp", "strategy": "one-shot", "profile": "small", "turns": 2}
    assert run["config"] == {"samples": 1, "fixed": {"n": 1}}
    assert "sk-secret" not in path.read_text()
    total = run["metrics"][-1]
    assert total["group"] == "all" and total["pass_at_k"] == 1.0 and total["compilation_at_k"] == 1.0
    assert {"baseline": "eager", "alpha": 1.5, "value": 0.5} in total["speedup_at_k"]
    assert [t["turn"] for t in run["by_turn"]] == [1, 2]
    assert run["by_turn"][0]["metrics"][-1]["pass_at_k"] == 0.5
    assert data["notes"] == ["no verdicts yet in run 'empty': its cells show '-'"]


def test_public_config_drops_credentials_at_any_depth_but_keeps_settings() -> None:
    config = {"api_key": "x", "max_tokens": 10, "nested": [{"OPENAI_API_KEY": "y", "temperature": 0.2}],
              "password": "p", "client_secret": "s"}
    assert public_config(config) == {"max_tokens": 10, "nested": [{"temperature": 0.2}]}


def test_unwritable_path_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot write"):
        write_csv(_report(), tmp_path)  # a directory
    (tmp_path / "file").write_text("")
    with pytest.raises(UserError, match="cannot write"):
        write_json(_report(), tmp_path / "file" / "report.json")  # parent is a file
