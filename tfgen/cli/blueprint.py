"""CLI commands that read one blueprint and run no Terraform: explain, bootstrap-state.

Split from tfgen/cli/apply.py (the plan/apply/destroy commands). `explain` shows where
each merged value came from; `bootstrap-state` writes the small root module that creates
the state bucket. Like every cli_* module: parse, call the library, print.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from tfgen.blueprint.validate import load_blueprint
from tfgen.outdir.outdir import check_out_dir
from tfgen.outdir.output import apply_write, plan_write
from tfgen.paths import shown
from tfgen.project import default_out_dir, source_name
from tfgen.render.state_backend import bootstrap_out_dir, render_bootstrap
from tfgen.review.explain import Entry
from tfgen.review.explain import explain as explain_fields


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {"field": entry.path, "value": entry.value,
            "source": str(entry.origin) if entry.origin else None,
            "default": entry.origin is None, "decided_by": entry.decided_by,
            "overrides": [{"source": str(o), "value": v} for o, v in entry.overridden]}


@click.command()
@click.argument("blueprint", type=click.Path(dir_okay=False, exists=True))
@click.argument("field", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def explain(blueprint: str, field: str | None, fmt: str) -> None:
    """Show the merged value of FIELD (or every field) and the file:line it came from.

    \b
    Examples:
      tfgen explain blueprints/envs/dev.yaml database.instance_class
      tfgen explain blueprints/envs/dev.yaml            # everything, defaults marked
    """
    path = Path(blueprint)
    entries = explain_fields(path, field, display=shown(path))
    if fmt == "json":
        click.echo(json.dumps({"blueprint": blueprint, "fields": [_entry_json(e)
                                                                  for e in entries]},
                              indent=2, ensure_ascii=False))
        return
    width = min(max((len(e.path) for e in entries), default=0), 40)
    for entry in entries:
        where = str(entry.origin) if entry.origin else click.style(
            f"(default: {entry.decided_by})" if entry.decided_by else "(default)", dim=True)
        click.echo(f"{entry.path.ljust(width)}  {_show(entry.value)}  {where}")
        for origin, value in entry.overridden:
            click.echo(f"{'':{width}}    overrides {_show(value)} from {origin}")


@click.command("bootstrap-state")
@click.argument("blueprint", type=click.Path(dir_okay=False, exists=True))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Where to write the module. Default: out/bootstrap-state/<bucket>.")
@click.option("--force", is_flag=True, help="Overwrite files edited by hand.")
def bootstrap_state(blueprint: str, out_dir: str | None, force: bool) -> None:
    """Render the small root module that creates BLUEPRINT's state bucket.

    Versioned, encrypted, public access blocked, TLS-only. Run `terraform init && terraform
    apply` in it once, before the first `tfgen plan`.
    """
    path = Path(blueprint)
    bp, _ = load_blueprint(path, display=shown(path))
    target = Path(out_dir) if out_dir else None
    if target is None and bp.backend is not None:
        target = bootstrap_out_dir(default_out_dir(path), bp)
    module = render_bootstrap(bp, source_name(path), target or Path())
    check_out_dir(module.out_dir, given=out_dir is not None, roots=(Path.cwd(),), force=force)
    apply_write(plan_write(module.out_dir, module.files), force=force)
    click.echo(f"wrote the state-bucket module for {module.bucket} to {module.out_dir}\n"
               f"next: terraform -chdir={module.out_dir} init && "
               f"terraform -chdir={module.out_dir} apply")


__all__ = ["bootstrap_state", "explain"]
