"""`tfgen diff OLD NEW`: review what a blueprint change does before anyone applies it.

Kept out of cli.py so the diff feature is one import; printing and exit codes still
happen only here and in cli.py (the library returns a report).
"""

from __future__ import annotations

from pathlib import Path

import click

from tfgen.errors import EXIT_CHANGES
from tfgen.review.diff import check_plan, diff_sides
from tfgen.review.diff_report import render_report
from tfgen.review.plan_file import load_plan_json
from tfgen.review.plan_json import managed
from tfgen.review.plan_review import add_unpredicted


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]),
              default="text", show_default=True,
              help="text for a terminal, markdown for a pull-request comment, json for tools.")
@click.option("--exit-code", is_flag=True,
              help="Exit 3 when there are changes, 0 when there are none.")
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False), default=None,
              help="`terraform show -json` of a real plan: mark each predicted change as "
                   "confirmed, missed or not in the plan.")
@click.pass_context
def diff(ctx: click.Context, old: str, new: str, fmt: str, exit_code: bool,
         plan_file: str | None) -> None:
    """Explain what changes between two blueprints: resources, risks, cost, stage story.

    Each side is a blueprint PATH, PATH@STAGE (render at another stage) or REV:PATH
    (the file at a git revision, PATH relative to the repository root).

    \b
    Examples:
      tfgen diff blueprints/shopping-mall.yaml@multi-az blueprints/shopping-mall.yaml@static-web
      tfgen diff main:blueprints/shopping-mall.yaml blueprints/shopping-mall.yaml --format markdown
      tfgen diff old.yaml new.yaml --exit-code     # CI: 0 no changes, 3 changes

    The monthly cost of the step is an estimate from a dated price table (docs/cost.md).

    Exit codes: 0 ok (or no changes), 3 changes (--exit-code), 1 error, 2 invalid input.
    """
    report = diff_sides(old, new)
    if plan_file is not None:
        plan = load_plan_json(Path(plan_file), plan_file)
        check_plan(report, plan)
        add_unpredicted(report, managed(plan, strict=False))
    click.echo(render_report(report, fmt), nl=False)
    if exit_code and report.changed:
        ctx.exit(EXIT_CHANGES)
