"""The Jinja environment every template is rendered with, and where the templates live.

Its own module so that the root render (tfgen.render, which needs the render context)
and the state-bucket render (tfgen.state_backend, which the render context needs) share
one environment without importing each other.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import jinja2


def templates_dir() -> Path:
    """The directory holding `root/` and `modules/` templates (shipped as package data)."""
    return Path(str(resources.files("tfgen.templates")))


@functools.lru_cache(maxsize=8)
def environment(base: Path) -> jinja2.Environment:
    """One environment per template directory: Jinja caches compiled templates in it."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(base)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.globals["assign"] = assign
    return env


def assign(name: str, value: str, width: int) -> str:
    """`name = value` padded as `fmt` pads it: aligned only when the value is one line."""
    if "\n" in value:
        return f"{name} = {value}"
    return f"{name.ljust(width)} = {value}"


def normalise(text: str) -> str:
    """One newline at the end of every file, no trailing spaces: what `fmt` leaves."""
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).rstrip("\n") + "\n"
