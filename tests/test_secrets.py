"""Finding API keys (environment, ``.env``) and keeping every trace of them out of messages."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from multikernelbench.errors import UserError
from multikernelbench.secrets import (
    LOCAL_PLACEHOLDER_KEY,
    is_local_url,
    redact,
    redact_url,
    register_secret,
    resolve_api_key,
)

LONG_KEY = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
VARIABLE = "MKB_TEST_SECRETS_KEY"


@pytest.fixture()
def no_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """VARIABLE unset (and unset again afterwards, even if a .env sets it), in an empty directory."""
    monkeypatch.setenv(VARIABLE, "placeholder")  # so that monkeypatch records and later removes it
    monkeypatch.delenv(VARIABLE)
    monkeypatch.chdir(tmp_path)
    return VARIABLE


def test_redact_blanks_the_whole_key() -> None:
    register_secret(LONG_KEY)
    out = redact(f"request with key {LONG_KEY} failed")
    assert out == "request with key [redacted] failed"


@pytest.mark.parametrize("echo", [
    f"{LONG_KEY[:7]}****{LONG_KEY[-4:]}",           # a provider's masked echo
    f"{LONG_KEY[:8]}{'*' * 30}{LONG_KEY[-4:]}",     # a longer mask
    f"{LONG_KEY[:3]}...{LONG_KEY[-4:]}",            # dots
    f"****************{LONG_KEY[-4:]}",             # only the end shown
    LONG_KEY[:12],                                  # the start, unmasked
    LONG_KEY[10:22],                                # a run from the middle
])
def test_redact_blanks_recognisable_fragments(echo: str) -> None:
    register_secret(LONG_KEY)
    out = redact(f"Incorrect API key provided: {echo}. See the docs.")
    assert out == "Incorrect API key provided: [redacted]. See the docs."


def test_redact_leaves_unrelated_text_and_masks_alone() -> None:
    register_secret(LONG_KEY)
    text = "HTTP 500: internal error ****, retry later; key sk-other****9999 is someone else's"
    assert redact(text) == text


def test_redact_blanks_credentials_in_printed_headers_even_unregistered() -> None:
    out = redact("headers: {'Authorization': 'Bearer tok-unregistered-123456', 'x-api-key': 'abcdefghijkl'}")
    assert "tok-unregistered-123456" not in out and "abcdefghijkl" not in out
    assert out.count("[redacted]") == 2


def test_short_keys_are_blanked_only_whole() -> None:
    register_secret("shortkey99")
    assert redact("key shortkey99 and shortk") == "key [redacted] and shortk"


def test_tiny_and_placeholder_values_are_not_registered() -> None:
    register_secret("ab")
    register_secret(LOCAL_PLACEHOLDER_KEY)
    assert redact("ab cab " + LOCAL_PLACEHOLDER_KEY) == "ab cab " + LOCAL_PLACEHOLDER_KEY


@pytest.mark.parametrize(("url", "local"), [
    ("http://127.0.0.1:8000/v1", True), ("http://localhost:11434/v1", True), ("http://[::1]:30000/v1", True),
    ("localhost:8000", True), ("https://api.openai.com/v1", False), ("http://localhost.example.com/v1", False),
    (None, False), ("", False),
])
def test_is_local_url(url: str | None, local: bool) -> None:
    assert is_local_url(url) is local


def test_key_comes_from_the_named_variable_and_is_registered(monkeypatch: pytest.MonkeyPatch,
                                                             no_variable: str) -> None:
    key = "sk-from-env-0123456789abcdef"
    monkeypatch.setenv(no_variable, f"  {key}\n")
    assert resolve_api_key("openai", None, no_variable) == key
    assert key not in redact(f"echo {key}")


def test_default_variables_per_provider(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-default-key-0000")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-default-key-1111")
    assert resolve_api_key("openai") == "sk-openai-default-key-0000"
    assert resolve_api_key("anthropic") == "sk-ant-default-key-1111"


def test_missing_key_names_the_variable_and_how_to_set_it(no_variable: str) -> None:
    with pytest.raises(UserError) as info:
        resolve_api_key("openai", "https://api.example.com/v1", no_variable)
    message = str(info.value)
    assert no_variable in message and "export" in message and ".env" in message and "\n" not in message


def test_missing_default_key_names_the_provider_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(UserError, match="ANTHROPIC_API_KEY"):
        resolve_api_key("anthropic")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/v1", "http://localhost:11434/v1", "http://[::1]:9/v1"])
def test_local_server_needs_no_key(no_variable: str, url: str) -> None:
    assert resolve_api_key("openai", url, no_variable) == LOCAL_PLACEHOLDER_KEY


def test_local_server_still_gets_a_key_that_is_set(monkeypatch: pytest.MonkeyPatch, no_variable: str) -> None:
    monkeypatch.setenv(no_variable, "sk-local-but-set-000000")
    assert resolve_api_key("openai", "http://127.0.0.1:8000/v1", no_variable) == "sk-local-but-set-000000"


def test_dotenv_from_a_parent_directory_is_loaded(no_variable: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(f"{no_variable}=sk-dotenv-key-000000000000\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    assert resolve_api_key("openai", None, no_variable) == "sk-dotenv-key-000000000000"


def test_dotenv_does_not_override_a_variable_already_set(no_variable: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(f"{no_variable}=sk-from-dotenv-0000000000\n")
    monkeypatch.setenv(no_variable, "sk-from-environment-11111")
    assert resolve_api_key("openai", None, no_variable) == "sk-from-environment-11111"
    assert os.environ[no_variable] == "sk-from-environment-11111"


def test_without_dotenv_installed_the_environment_still_works(no_variable: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dotenv", None)  # `import dotenv` now fails
    (tmp_path / ".env").write_text(f"{no_variable}=sk-never-read-00000000000\n")
    with pytest.raises(UserError, match=no_variable):
        resolve_api_key("openai", None, no_variable)
    monkeypatch.setenv(no_variable, "sk-env-only-0000000000000")
    assert resolve_api_key("openai", None, no_variable) == "sk-env-only-0000000000000"


@pytest.mark.parametrize(("url", "shown"), [
    ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
    ("https://alice:hunter2@llm.example.com/v1", "https://[redacted]@llm.example.com/v1"),
    ("https://tok_abcdef@llm.example.com:8443", "https://[redacted]@llm.example.com:8443"),
    ("https://llm.example.com/v1?api_key=abcdef&x=1", "https://llm.example.com/v1?[redacted]"),
    ("http://[::1]:9/v1", "http://[::1]:9/v1"),
])
def test_redact_url_blanks_credentials_and_query_but_keeps_the_address(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_redact_url_blanks_a_registered_key_in_the_path() -> None:
    register_secret(LONG_KEY)
    assert redact_url(f"https://gw.example.com/{LONG_KEY}/v1") == "https://gw.example.com/[redacted]/v1"
