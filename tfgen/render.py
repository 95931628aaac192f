"""Rendering a context into the files of a root module, in memory.

Nothing here touches the disk except reading templates: the result is a mapping of
relative path -> text, so callers can compare, diff or write it as they choose, and a
failed render never leaves a half-written tree.
"""

from __future__ import annotations

import contextlib
import functools
import traceback
from importlib import resources
from pathlib import Path

import jinja2

from tfgen.context import RenderContext
from tfgen.errors import RenderError

#: Written into every output tree: machine-local files that must never be committed
#: (issue 10: journals, saved plans, emulator rehearsal state, Terraform's lock info).
GITIGNORE = """\
# Written by tfgen: machine-local files that must never be committed.
.tfgen/
.terraform/
.terraform-emulator/
*.tfstate
*.tfstate.*
.terraform.tfstate.lock.info
*.tfplan
zz_tfgen_emulator_override.tf
"""


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
def _environment(base: Path) -> jinja2.Environment:
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
    env.globals["assign"] = assign
    return env


def assign(name: str, value: str, width: int) -> str:
    """`name = value` padded as `fmt` pads it: aligned only when the value is one line."""
    if "\n" in value:
        return f"{name} = {value}"
    return f"{name.ljust(width)} = {value}"


def _normalise(text: str) -> str:
    """One newline at the end of every file, no trailing spaces: what `fmt` leaves."""
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).rstrip("\n") + "\n"


def _where(exc: BaseException) -> str:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return f"{Path(frame.filename).parent.name}/{Path(frame.filename).name}:{frame.lineno}"
    return getattr(exc, "name", None) or "a template"


@functools.lru_cache(maxsize=64)
def _jobs(base: Path, folder: str, out_prefix: str) -> tuple[tuple[str, str], ...]:
    """(template, output path) for each template in `folder`, listed once per run."""
    return tuple((f"{folder}/{t.name}", f"{out_prefix}{t.name.removesuffix('.j2')}")
                 for t in sorted((base / folder).glob("*.j2")))


def render(ctx: RenderContext, base: Path | None = None) -> dict[str, str]:
    """All files of the root module for `ctx`, by POSIX relative path, sorted."""
    base = base or templates_dir()
    env = _environment(base)
    variables = ctx.template_vars()
    jobs = list(_jobs(base, "root", ""))
    for module in ctx.modules:
        folder = base / "modules" / module
        if not folder.is_dir():
            raise RenderError(f"module '{module}' has no templates in {folder}")
        jobs.extend(_jobs(base, f"modules/{module}", f"modules/{module}/"))
    files: dict[str, str] = {}
    for template_name, out_path in jobs:
        try:
            text = env.get_template(template_name).render(variables)
        except jinja2.TemplateError as exc:
            raise RenderError(f"template {_where(exc)}: {exc.__class__.__name__}: {exc}") from exc
        if not text.strip():
            continue  # a template that does not apply (e.g. backend.tf without a backend)
        files[out_path] = _normalise(text)
    for extra in ctx.files:
        files[extra.relpath] = extra.content
    files[".gitignore"] = GITIGNORE
    return dict(sorted(files.items()))
