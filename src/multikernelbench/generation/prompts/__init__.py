"""Prompts: the messages that ask a model for an answer, and the feedback on an evaluated answer.

Every piece of wording lives in a jinja2 template under ``templates/``
(one file per message part, one per backend) so prompt text can be read and
edited without touching code. Rendering is strict: a variable a template uses
but the caller did not pass is an error, never an empty string.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@cache
def template_environment() -> jinja2.Environment:
    """The shared jinja2 environment over ``templates/``: strict, no HTML escaping, trailing newlines kept."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        # Block tags on their own lines leave no blank lines behind: the templates read like the output.
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def render_template(name: str, **context: Any) -> str:
    """Render ``templates/<name>``; a missing variable raises :class:`jinja2.UndefinedError`."""
    return template_environment().get_template(name).render(**context)


def render_template_file(path: Path, **context: Any) -> str:
    """Render a template kept outside ``templates/`` (a backend's own ``prompt.md.j2``), as strictly."""
    return template_environment().from_string(path.read_text()).render(**context)
