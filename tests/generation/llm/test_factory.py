"""Model specs to clients: the accepted forms, keys from the environment, and a missing SDK."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from multikernelbench.errors import UserError
from multikernelbench.generation.llm.anthropic_client import AnthropicChatClient
from multikernelbench.generation.llm.base import Message, SamplingParams
from multikernelbench.generation.llm.factory import PROVIDERS, make_client, parse_spec
from multikernelbench.generation.llm.openai_client import OpenAIChatClient
from multikernelbench.generation.llm.retry import RetryPolicy
from multikernelbench.secrets import LOCAL_PLACEHOLDER_KEY
from tests.support.chat_server import DEFAULT_ANSWER, ChatServer

VARIABLE = "MKB_TEST_FACTORY_KEY"
KEY = "sk-factory-test-7Gh2Jk9Lm4Np"
HI = [Message("user", "hi")]


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No key variables (restored afterwards) and a directory with no .env."""
    for name in (VARIABLE, "OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture()
def server() -> Iterator[ChatServer]:
    with ChatServer() as chat:
        yield chat


def test_providers() -> None:
    assert PROVIDERS == ("openai", "anthropic")


@pytest.mark.parametrize(("spec", "provider", "model"), [
    ("openai/gpt-4o", "openai", "gpt-4o"),
    ("openai/deepseek-ai/DeepSeek-V3", "openai", "deepseek-ai/DeepSeek-V3"),
    ("anthropic/claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5"),
])
def test_parse_spec(spec: str, provider: str, model: str) -> None:
    assert parse_spec(spec) == (provider, model)


@pytest.mark.parametrize("spec", ["gemini/pro", "gpt-4o", "openai/", "openai/  ", "", "/gpt-4o", "OpenAI/gpt"])
def test_unknown_spec_lists_the_accepted_forms(spec: str, clean_env: None) -> None:
    with pytest.raises(UserError) as info:
        make_client(spec)
    message = str(info.value)
    for form in ("openai/<model>", "anthropic/<model>", '"solutions"', "replay:<dir>"):
        assert form in message
    assert "\n" not in message


def test_openai_client_with_a_slashed_model_name(monkeypatch: pytest.MonkeyPatch, clean_env: None,
                                                 server: ChatServer) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    client = make_client("openai/deepseek-ai/DeepSeek-V3", base_url=server.base_url,
                         policy=RetryPolicy(max_retries=0), stream=False)
    assert isinstance(client, OpenAIChatClient)
    assert (client.model, client.base_url, client.stream) == ("deepseek-ai/DeepSeek-V3", server.base_url, False)
    assert client.policy.max_retries == 0
    assert client.complete(HI, SamplingParams()).text == DEFAULT_ANSWER
    (request,) = server.requests
    assert request.body["model"] == "deepseek-ai/DeepSeek-V3"
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_anthropic_client_reads_its_own_variable(monkeypatch: pytest.MonkeyPatch, clean_env: None,
                                                 server: ChatServer) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    client = make_client("anthropic/claude-test", base_url=server.url)
    assert isinstance(client, AnthropicChatClient) and client.stream
    assert client.complete(HI, SamplingParams()).text == DEFAULT_ANSWER
    assert KEY in server.requests[0].headers.get("authorization", "") + server.requests[0].headers.get("x-api-key", "")


def test_custom_key_variable(monkeypatch: pytest.MonkeyPatch, clean_env: None, server: ChatServer) -> None:
    monkeypatch.setenv(VARIABLE, KEY)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-the-wrong-one-000000000")
    make_client("openai/m", base_url=server.base_url, api_key_env=VARIABLE).complete(HI, SamplingParams())
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(("spec", "variable"), [("openai/gpt-4o", "OPENAI_API_KEY"),
                                                ("anthropic/claude-x", "ANTHROPIC_API_KEY")])
def test_missing_key_names_the_variable(clean_env: None, spec: str, variable: str) -> None:
    with pytest.raises(UserError, match=variable):
        make_client(spec, base_url="https://api.example.com/v1")
    with pytest.raises(UserError, match=VARIABLE):
        make_client(spec, api_key_env=VARIABLE)


def test_local_server_needs_no_key(clean_env: None, server: ChatServer) -> None:
    client = make_client("openai/local-model", base_url=server.base_url)
    assert client.complete(HI, SamplingParams()).text == DEFAULT_ANSWER
    assert server.requests[0].headers["authorization"] == f"Bearer {LOCAL_PLACEHOLDER_KEY}"


def test_key_from_dotenv(clean_env: None, tmp_path: Path, server: ChatServer) -> None:
    (tmp_path / ".env").write_text(f"{VARIABLE}={KEY}\n")
    make_client("openai/m", base_url=server.base_url, api_key_env=VARIABLE).complete(HI, SamplingParams())
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(("spec", "module"), [("openai/gpt-4o", "openai"), ("anthropic/claude-x", "anthropic")])
def test_missing_sdk_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, clean_env: None, spec: str,
                                            module: str) -> None:
    monkeypatch.setenv(VARIABLE, KEY)
    monkeypatch.setitem(sys.modules, module, None)  # `import <module>` now raises ImportError
    with pytest.raises(UserError) as info:
        make_client(spec, api_key_env=VARIABLE)
    message = str(info.value)
    assert module in message and "pip install 'multikernelbench[llm]'" in message
