"""Where blueprints live and where their Terraform goes: the project layout.

A project is a directory with `blueprints/` (sources) and `out/` (rendered Terraform,
committed). Each blueprint renders into its own directory: `blueprints/envs/dev.yaml`
-> `out/envs/dev/`. Everything is derived from paths relative to the project root, so
output is the same on every machine and from every working directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tfgen.errors import InputError
from tfgen.paths import BLUEPRINTS, real, shown

if TYPE_CHECKING:  # loaded by render_blueprint: the path helpers here must stay cheap
    from tfgen.blueprint.loader import Document
    from tfgen.blueprint.model import Blueprint
    from tfgen.blueprint.stages import Stage
    from tfgen.render.context import RenderContext
    from tfgen.render.whatif import WhatIf

OUT = "out"


@dataclass(frozen=True)
class Rendered:
    """One blueprint rendered in memory, with where it belongs."""

    path: Path
    source: str
    out_dir: Path
    blueprint: Blueprint
    document: Document
    context: RenderContext
    files: dict[str, str]
    #: Set when this is a what-if render, rendered with local state (tfgen/render/whatif.py).
    what_if: WhatIf | None = None


def project_root(path: Path) -> Path | None:
    """The directory holding the `blueprints/` folder that contains `path`, if any."""
    for parent in real(path).parents:
        if parent.name == BLUEPRINTS:
            return parent.parent
    return None


def source_name(path: Path) -> str:
    """How a blueprint is named in generated files: stable across machines."""
    root = project_root(path)
    if root is None:
        return path.name
    return real(path).relative_to(root).as_posix()


def default_out_dir(path: Path) -> Path:
    """`<root>/out/<path under blueprints/ without suffix>`, or `./out/<stem>`."""
    root = project_root(path)
    if root is None:
        return Path(OUT) / path.stem
    relative = real(path).relative_to(root / BLUEPRINTS)
    return root / OUT / relative.with_suffix("")


def discover(root: Path) -> list[Path]:
    """Every blueprint under `root/blueprints`, in a stable order."""
    folder = root / BLUEPRINTS
    if not folder.is_dir():
        raise InputError(f"no {BLUEPRINTS}/ directory in {root.resolve()}; name a blueprint file")
    found = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if not found:
        raise InputError(f"{folder} holds no *.yaml blueprints")
    return found


def render_blueprint(path: Path, *, stage: str | Stage | None = None,
                     out_dir: Path | None = None, guard_what_if: bool = False) -> Rendered:
    """Load, validate and render one blueprint, entirely in memory.

    With `guard_what_if` (what `tfgen render` does), a render at another stage or into
    another directory gets local state instead of the blueprint's backend, so applying it
    can never act on the real environment's state.
    """
    # Imported here: a no-op `tfgen render` (tfgen/outdir/render_index.py) needs only the path
    # helpers above, not pydantic and Jinja (issue 13).
    from tfgen.blueprint.validate import load_blueprint
    from tfgen.render.context import build_context
    from tfgen.render.render import render
    from tfgen.render.whatif import local_copy, what_if

    source = source_name(path)
    blueprint, document = load_blueprint(path, stage, display=shown(path))
    own_out = default_out_dir(path)
    guard = what_if(document, blueprint, own_out=own_out, out_dir=out_dir) \
        if guard_what_if else None
    context = build_context(local_copy(blueprint) if guard else blueprint, source,
                            base_dir=path.parent,
                            what_if=guard.readme_note() if guard else None)
    files = render(context)
    return Rendered(path, source, out_dir or own_out, blueprint, document, context, files,
                    guard)
