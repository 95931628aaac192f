"""`tfgen schema`: print (or write, or check) the blueprint's JSON Schema."""

from __future__ import annotations

from pathlib import Path

import click

from tfgen.blueprint.schema import FILE_MATCH, MODELINE, schema_text
from tfgen.errors import EXIT_CHANGES


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the schema to this file instead of printing it.")
@click.option("--check", "check", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, metavar="FILE",
              help="Write nothing; exit 3 when FILE is not the current schema (for CI).")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json",
              show_default=True, help="Output format (the schema is JSON).")
@click.pass_context
def schema(ctx: click.Context, output: Path | None, check: Path | None, fmt: str) -> None:
    """Print the blueprint's JSON Schema (draft 2020-12), generated from the model.

    Editors use it for completion, hover text and diagnostics while you type; any JSON
    Schema validator (e.g. check-jsonschema) can check blueprints with it. Rules that
    compare several fields (subnets inside the VPC, min <= desired <= max, engine and
    class combinations …) are checked only by `tfgen validate`.

    \b
    Examples:
      tfgen schema > schema/blueprint.schema.json
      tfgen schema --check schema/blueprint.schema.json    # CI: exit 3 when stale
      check-jsonschema --schemafile schema/blueprint.schema.json blueprints/*.yaml

    \b
    In a blueprint, the first line tells the YAML language server where it is:
      # yaml-language-server: $schema=../schema/blueprint.schema.json
    """
    text = schema_text()
    if check is not None:
        if check.read_text(encoding="utf-8") != text:
            click.echo(f"{check}: out of date; run `tfgen schema --output {check}` and "
                       "commit.", err=True)
            ctx.exit(EXIT_CHANGES)
        click.echo(f"{check}: up to date")
        return
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}; point blueprints at it with `{MODELINE}<path>` or the "
                   f"globs {', '.join(FILE_MATCH)}", err=True)
        return
    click.echo(text, nl=False)

