"""The Jinja environment every template is rendered with, and where the templates live.

Its own module so that the root render (tfgen.render.render, which needs the render context)
and the state-bucket render (tfgen.render.state_backend, which the render context needs) share
one environment without importing each other.
"""

from __future__ import annotations

import contextlib
import functools
from importlib import resources
from pathlib import Path

import jinja2

from tfgen.render import hcl


def templates_dir() -> Path:
    """The directory holding `root/` and `modules/` templates (shipped as package data)."""
    return Path(str(resources.files("tfgen.templates")))


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs: compiling all of them was a third of a
    `tfgen render` (issue 13). Jinja keys each entry by template path and checks the
    source's checksum on load, so an edited template is recompiled. The directory is
    Jinja's per-user one (mode 0700, ownership checked). A cache that cannot be read or
    written is simply not used."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged entry: compile afresh
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    try:
        return _BytecodeCache()
    except (OSError, RuntimeError):  # no safe per-user directory: no cache
        return None


@functools.lru_cache(maxsize=8)
def environment(base: Path) -> jinja2.Environment:
    """One environment per template directory: Jinja caches compiled templates in it."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(base)),
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        auto_reload=False,  # package data does not change mid-run: no stat per template use
    )
    env.globals["assign"] = hcl.assignment
    return env


def normalise(text: str) -> str:
    """One newline at the end of every file, no trailing spaces: what `fmt` leaves."""
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).rstrip("\n") + "\n"
