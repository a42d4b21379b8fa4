"""Turning a model spec such as ``openai/gpt-4o`` or ``anthropic/claude-sonnet-4-5`` into a ready client."""

from __future__ import annotations

from multikernelbench.errors import UserError
from multikernelbench.generation.llm.base import ChatClient
from multikernelbench.generation.llm.retry import RetryPolicy
from multikernelbench.secrets import resolve_api_key

PROVIDERS = ("openai", "anthropic")
ACCEPTED_FORMS = ('openai/<model> (also any OpenAI-compatible server, given its base URL), anthropic/<model>, '
                  '"solutions" (the bundled answers) or replay:<dir> (a recorded run)')


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``provider/model`` at the first slash; the model name may contain slashes of its own."""
    provider, sep, model = spec.strip().partition("/")
    if not sep or provider not in PROVIDERS or not model.strip():
        raise UserError(f"unknown model {spec!r}: use {ACCEPTED_FORMS}")
    return provider, model.strip()


def make_client(spec: str, base_url: str | None = None, api_key_env: str | None = None,
                policy: RetryPolicy | None = None, stream: bool = True) -> ChatClient:
    """A client for ``spec``, its key read from ``api_key_env`` (or the provider's usual variable, or ``.env``).

    Raises UserError for a spec it does not know, a missing key (naming the variable) or a missing SDK.
    """
    provider, model = parse_spec(spec)
    policy = policy or RetryPolicy()
    api_key = resolve_api_key(provider, base_url, api_key_env)
    if provider == "openai":
        from multikernelbench.generation.llm.openai_client import OpenAIChatClient

        return OpenAIChatClient(model, base_url, api_key, policy, stream=stream)
    from multikernelbench.generation.llm.anthropic_client import AnthropicChatClient

    return AnthropicChatClient(model, base_url, api_key, policy, stream=stream)
