"""The environment a candidate's worker gets: no credentials, by name or by value."""

from __future__ import annotations

import pytest

from multikernelbench.evaluation.sandbox import child_environment
from multikernelbench.secrets import register_secret


def test_a_key_under_an_unusual_variable_name_is_dropped_by_value(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-unusual-0123456789abcdefXYZ"
    monkeypatch.setenv("MY_LLM_ACCESS", key)  # a name with no KEY/TOKEN/SECRET in it, as --api-key-env allows
    monkeypatch.setenv("MKB_HARMLESS", "plain value")
    assert child_environment()["MY_LLM_ACCESS"] == key  # not yet known as a secret
    register_secret(key)
    env = child_environment()
    assert "MY_LLM_ACCESS" not in env and key not in env.values()
    assert env["MKB_HARMLESS"] == "plain value"


def test_credential_looking_names_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "HF_TOKEN", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "GOOGLE_CREDENTIALS"):
        monkeypatch.setenv(name, "x")
    env = child_environment({"MKB_EXTRA": "1"})
    assert not {"OPENAI_API_KEY", "HF_TOKEN", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "GOOGLE_CREDENTIALS"} & env.keys()
    assert env["MKB_EXTRA"] == "1" and "PYTHONPATH" in env
