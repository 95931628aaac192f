"""`tfgen diagram BLUEPRINT`: a picture of the architecture a stage builds.

Kept out of cli.py so the feature is one import. The picture comes from the render
context (tfgen/render/diagram.py); this module only parses options, writes the file or stdout,
and picks the exit code (0 ok, 1 graphviz failed, 2 invalid input).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tfgen.blueprint.stages import STAGE_CHOICES
from tfgen.blueprint.validate import load_blueprint
from tfgen.errors import InputError
from tfgen.project import source_name
from tfgen.render import diagram_emit
from tfgen.render.context import build_context
from tfgen.render.diagram import ON_PREM, Diagram, from_context, on_premises

FORMATS = ("mermaid", "dot", "svg", "png", "json")
_SUFFIX = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot",
           ".svg": "svg", ".png": "png", ".json": "json"}


def build(path: Path, stage: str | None) -> Diagram:
    """The diagram of `path` at `stage` (a ladder stage, or on-prem / 1 for the "before")."""
    before = stage is not None and stage.lower() in ON_PREM
    blueprint, _ = load_blueprint(path, None if before else stage, display=str(path))
    if before:
        return on_premises(blueprint.name, blueprint.environment)
    return from_context(build_context(blueprint, source_name(path), base_dir=path.parent))


def encode(diagram: Diagram, fmt: str) -> bytes:
    """The diagram in `fmt`; svg and png run graphviz's `dot`."""
    if fmt == "mermaid":
        return diagram_emit.to_mermaid(diagram).encode()
    if fmt == "json":
        return (json.dumps(diagram.as_dict(), indent=2, sort_keys=True) + "\n").encode()
    dot = diagram_emit.to_dot(diagram)
    return dot.encode() if fmt == "dot" else diagram_emit.render_graphviz(dot, fmt)


@click.command()
@click.argument("blueprint", type=click.Path(dir_okay=False))
@click.option("--stage", type=click.Choice([*STAGE_CHOICES, *ON_PREM], case_sensitive=False),
              default=None, metavar="STAGE",
              help="Draw the blueprint as if it targeted STAGE (aws, multi-az, static-web, "
                   "cdn or 2-5), or on-prem (1): the data centre before the move.")
@click.option("--before", is_flag=True, help="The on-premises starting point; same as "
              "--stage on-prem.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="mermaid (markdown), dot (graphviz source), svg or png (need graphviz's "
                   "`dot`), json (the model). Default: from --out's suffix, else mermaid.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of stdout.")
def diagram(blueprint: str, stage: str | None, before: bool, fmt: str | None,
            out_file: str | None) -> None:
    """Draw the architecture of a blueprint's stage, from the values tfgen renders.

    VPC and AZs, public and private subnets, NAT gateways, load balancers, web and app
    tiers, the database with its standby and replicas, bucket, S3 endpoint, CloudFront
    and Route 53: what the generated Terraform builds, nothing drawn by hand.

    \b
    Examples:
      tfgen diagram blueprints/shopping-mall.yaml                  # mermaid on stdout
      tfgen diagram blueprints/shopping-mall.yaml --stage multi-az --out multi-az.png
      tfgen diagram blueprints/shopping-mall.yaml --before --format svg > before.svg
      tfgen diagram blueprints/shopping-mall.yaml --format dot | dot -Tpdf > mall.pdf

    Exit codes: 0 ok, 1 graphviz missing or failed, 2 invalid input.
    """
    if before and stage is not None and stage.lower() not in ON_PREM:
        raise click.UsageError("--before draws stage on-prem; leave out --stage")
    chosen = fmt or (_SUFFIX.get(Path(out_file).suffix.lower()) if out_file else None) \
        or "mermaid"
    if out_file is None and chosen == "png" and sys.stdout.isatty():
        raise click.UsageError("--format png writes binary: give --out FILE or redirect stdout")
    path = Path(blueprint)
    if not path.is_file():
        raise InputError(f"{blueprint}: no such blueprint file")
    data = encode(build(path, "on-prem" if before else stage), chosen)
    if out_file is None and chosen == "png":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    if out_file is None:
        click.echo(data.decode(), nl=False)
        return
    try:
        Path(out_file).write_bytes(data)
    except OSError as exc:
        raise InputError(f"--out {out_file}: {exc.strerror or exc}") from exc
    click.echo(f"wrote {out_file} ({chosen})", err=True)
