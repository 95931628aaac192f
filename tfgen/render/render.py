"""Rendering a context into the files of a root module, in memory.

Nothing here touches the disk except reading templates: the result is a mapping of
relative path -> text, so callers can compare, diff or write it as they choose, and a
failed render never leaves a half-written tree.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import jinja2

from tfgen.blueprint.edition_checks import orderable_lookup
from tfgen.errors import RenderError
from tfgen.render import module_docs, module_tests
from tfgen.render.context import RenderContext
from tfgen.render.diagram import from_context
from tfgen.render.diagram_emit import to_mermaid
from tfgen.render.jinja_env import environment, normalise, templates_dir

__all__ = ["GITIGNORE", "render", "templates_dir"]

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

#: A module's `terraform test` file: rendered to `tests/<module>.tftest.hcl` (issue 14).
TEST_TEMPLATE = "module.tftest.hcl"


def _where(exc: BaseException) -> str:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return f"{Path(frame.filename).parent.name}/{Path(frame.filename).name}:{frame.lineno}"
    return getattr(exc, "name", None) or "a template"


#: Each module's README body (all but its header line), by module and `.tf` texts with
#: the generated header (a comment naming the blueprint) cut: one `tfgen render` of many
#: environments parses and documents each distinct module once, not once per
#: environment — that was a third of the render's CPU for 100 environments (issue 13).
#: The body is made from the cut texts, so a kept one is exactly what making it gives.
_BODIES: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}


def _module_readme(module: str, files: dict[str, str], header: str) -> str:
    """The module's README, read from its rendered `.tf` files (tfgen/render/module_docs.py)."""
    prefix = f"modules/{module}/"
    own = tuple(sorted((path.removeprefix(prefix), text.removeprefix(header))
                       for path, text in files.items()
                       if path.startswith(prefix) and "/" not in path.removeprefix(prefix)))
    key = (module, own)
    body = _BODIES.get(key)
    if body is None:
        if len(_BODIES) > 256:  # bounded for a long-lived caller that renders many trees
            _BODIES.clear()
        body = _BODIES[key] = module_docs.readme_body(module, module_docs.read_module(dict(own)))
    return module_docs.with_header(body, header)


def render(ctx: RenderContext, base: Path | None = None) -> dict[str, str]:
    """All files of the root module for `ctx`, by POSIX relative path, sorted."""
    base = base or templates_dir()
    env = environment(base)
    # The root README's picture of the stage (mermaid), drawn from the same context; each
    # module's `terraform test` variables, decided in Python (tfgen/render/module_tests.py).
    variables = {**ctx.template_vars(), "diagram": to_mermaid(from_context(ctx)),
                 "test_variables": module_tests.variables_blocks(ctx),
                 "orderable_lookup": orderable_lookup(ctx.values["database"]["engine"])}
    jobs: list[tuple[str, str]] = []
    for template in sorted((base / "root").glob("*.j2")):
        jobs.append((f"root/{template.name}", template.name.removesuffix(".j2")))
    for module in ctx.modules:
        folder = base / "modules" / module
        if not folder.is_dir():
            raise RenderError(f"module '{module}' has no templates in {folder}")
        for template in sorted(folder.glob("*.j2")):
            target = template.name.removesuffix(".j2")
            if target == TEST_TEMPLATE:  # kept flat: template folders are packages
                target = f"tests/{module}.tftest.hcl"
            jobs.append((f"modules/{module}/{template.name}", f"modules/{module}/{target}"))
    files: dict[str, str] = {}
    for template_name, out_path in jobs:
        try:
            text = env.get_template(template_name).render(variables)
        except jinja2.TemplateError as exc:
            raise RenderError(f"template {_where(exc)}: {exc.__class__.__name__}: {exc}") from exc
        if not text.strip():
            continue  # a template that does not apply (e.g. backend.tf without a backend)
        files[out_path] = normalise(text)
    for module in ctx.modules:
        files[f"modules/{module}/README.md"] = _module_readme(module, files, ctx.header)
    for extra in ctx.files:
        files[extra.relpath] = extra.content
    files[".gitignore"] = GITIGNORE
    return dict(sorted(files.items()))
