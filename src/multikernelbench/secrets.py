"""API keys: finding them (environment, then a ``.env`` file) and keeping them out of every message we show.

Every key we resolve or are handed is registered; :func:`redact` then blanks
it, and the fragments of it a provider echoes back in an error (a masked form
such as ``sk-abcd****wxyz``, or a run of its characters), from any text before
it leaves the client layer. Keys are never logged, printed or put in exceptions.
"""

from __future__ import annotations

import os
import re
import threading
from urllib.parse import urlsplit, urlunsplit

from multikernelbench.errors import UserError

DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
# Local servers (vLLM, SGLang, Ollama) ignore the key, but the SDKs insist on one.
LOCAL_PLACEHOLDER_KEY = "no-key-needed-for-local-server"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
REDACTED = "[redacted]"

# Keys shorter than this are blanked only where they appear whole; fragments of them are not recognisable.
FRAGMENT_MIN_SECRET = 16
# A run of this many characters copied from a long key counts as a leak (covers "its first 8").
FRAGMENT_RUN = 8
# Too short to blank safely: it would eat ordinary words.
MIN_SECRET = 4

_lock = threading.Lock()
_secrets: set[str] = set()
# A token a provider may echo for a key: word characters around a run of mask characters.
_MASKED = re.compile(r"([\w-]*)(\*{2,}|•{2,}|…|\.{3,})([\w-]*)")
# Credentials in a header someone printed: blank the value whatever it is.
_HEADER = re.compile(r"(\bBearer\s+|(?i:\bx-api-key)['\"]?\s*[:=]\s*['\"]?)[\w.~+/-]{8,}=*")


def register_secret(value: str) -> None:
    """Remember ``value`` so that :func:`redact` blanks it (and its recognisable fragments) from now on."""
    value = value.strip()
    if len(value) >= MIN_SECRET and value != LOCAL_PLACEHOLDER_KEY:
        with _lock:
            _secrets.add(value)


def is_secret(value: str) -> bool:
    """True when ``value`` is a registered secret (so an environment variable holding it must not be passed on)."""
    with _lock:
        return value.strip() in _secrets


def redact(text: str) -> str:
    """``text`` with every registered secret, any recognisable fragment of one and any bearer token blanked."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
        if len(secret) >= FRAGMENT_MIN_SECRET:
            # Masked echoes first, so that one whole token becomes one "[redacted]".
            text = _MASKED.sub(lambda m, s=secret: REDACTED if _echoes(m, s) else m.group(0), text)
            text = _blank_runs(text, secret)
    return _HEADER.sub(lambda m: m.group(1) + REDACTED, text)


def redact_url(url: str) -> str:
    """``url`` fit to show: its user name and password, its query string and any registered secret blanked."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL we can take apart: blank what we know
        return redact(url)
    netloc = parts.netloc
    if "@" in netloc:  # https://user:token@host or https://token@host
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    query = REDACTED if parts.query else ""  # ?api_key=... is common enough to hide every query
    return redact(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


def _blank_runs(text: str, secret: str) -> str:
    """Blank every stretch of ``text`` covered by some FRAGMENT_RUN-character window of ``secret``."""
    covered = [False] * len(text)
    for start in range(len(secret) - FRAGMENT_RUN + 1):
        window = secret[start : start + FRAGMENT_RUN]
        found = text.find(window)
        while found != -1:
            covered[found : found + FRAGMENT_RUN] = [True] * FRAGMENT_RUN
            found = text.find(window, found + 1)
    if not any(covered):
        return text
    out: list[str] = []
    for i, char in enumerate(text):
        if not covered[i]:
            out.append(char)
        elif i == 0 or not covered[i - 1]:
            out.append(REDACTED)
    return "".join(out)


def _echoes(match: re.Match[str], secret: str) -> bool:
    """Whether a masked token is ``secret`` with its middle hidden: its start or its end is the secret's."""
    head, tail = match.group(1), match.group(3)
    return (len(head) >= 3 and secret.startswith(head)) or (len(tail) >= 4 and secret.endswith(tail))


def is_local_url(base_url: str | None) -> bool:
    """True when ``base_url`` points at this machine, where model servers need no key."""
    if not base_url:
        return False
    try:
        host = urlsplit(base_url if "//" in base_url else f"//{base_url}").hostname
    except ValueError:
        return False
    return host is not None and host.lower() in LOCAL_HOSTS


def load_dotenv_file() -> None:
    """Load the nearest ``.env`` from the current directory upward; variables already set win. Quiet if absent."""
    try:
        import dotenv
    except ImportError:
        return
    path = dotenv.find_dotenv(usecwd=True)
    if path:
        dotenv.load_dotenv(path, override=False)


def resolve_api_key(provider: str, base_url: str | None = None, api_key_env: str | None = None) -> str:
    """The key for ``provider`` from ``api_key_env`` (or the provider's usual variable), registered for redaction.

    A local ``base_url`` needs no key: a placeholder stands in when the variable is unset.
    Raises UserError naming the variable when a remote server's key is missing.
    """
    variable = api_key_env or DEFAULT_KEY_ENV.get(provider)
    if not variable:
        raise UserError(f"no default API key variable for provider {provider!r}; pass the variable's name")
    load_dotenv_file()
    key = os.environ.get(variable, "").strip()
    if key:
        register_secret(key)
        return key
    if is_local_url(base_url):
        return LOCAL_PLACEHOLDER_KEY
    raise UserError(f"{variable} is not set: export {variable}=<your key> or put {variable}=<your key> in a .env "
                    "file in this directory")
