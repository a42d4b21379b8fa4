"""Clients for models behind chat APIs (OpenAI-compatible servers and Anthropic), with retries and key handling.

Start from :func:`multikernelbench.generation.llm.factory.make_client`; the
provider SDKs are optional (``pip install 'multikernelbench[llm]'``) and are
imported only when a client is made.
"""
