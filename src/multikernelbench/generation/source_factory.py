"""Turning ``--model`` into an answer source: ``solutions``, ``replay:DIR``, ``openai/NAME`` or ``anthropic/NAME``."""

from __future__ import annotations

from pathlib import Path

from multikernelbench.generation.llm.base import SamplingParams
from multikernelbench.generation.llm.factory import make_client
from multikernelbench.generation.llm.retry import RetryPolicy
from multikernelbench.generation.replay import PREFIX as REPLAY_PREFIX
from multikernelbench.generation.replay import ReplaySource
from multikernelbench.generation.solutions import MODEL_NAME
from multikernelbench.generation.sources import (
    AnswerSource,
    ModelSource,
    SolutionsSource,
)


def is_model(spec: str) -> bool:
    """True when ``spec`` names a model behind an API (its answers depend on the prompt)."""
    return spec != MODEL_NAME and not spec.startswith(REPLAY_PREFIX)


def make_source(
    spec: str,
    backend: str,
    params: SamplingParams,
    base_url: str | None = None,
    api_key_env: str | None = None,
    policy: RetryPolicy | None = None,
    stream: bool = True,
) -> AnswerSource:
    """The source ``spec`` names; a bad spec or a missing key is a one-line UserError."""
    if spec == MODEL_NAME:
        return SolutionsSource(backend)
    if spec.startswith(REPLAY_PREFIX):
        return ReplaySource(Path(spec[len(REPLAY_PREFIX):]))
    client = make_client(spec, base_url=base_url, api_key_env=api_key_env, policy=policy, stream=stream)
    return ModelSource(client, params, label=spec)
