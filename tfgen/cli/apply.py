"""CLI commands of the apply path: plan, apply, destroy (explain, bootstrap-state: cli_blueprint).

Registered on the main group at the end of tfgen/cli/__init__.py. Like the rest of the CLI these
only parse, call the library (tfgen/deploy/workflow.py) and print. Terraform
failures exit with Terraform's own exit code (ApplyFailed.exit_code, reported by the
one error boundary in tfgen/cli/__init__.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from tfgen.blueprint.stages import STAGE_CHOICES
from tfgen.cli.rehearse import run_rehearsal
from tfgen.deploy.rehearsal import emulator_runner, wants_moto
from tfgen.deploy.saved_plan import Change, PlanRecord
from tfgen.deploy.tf_runner import Runner
from tfgen.deploy.workflow import PlanResult, needs_typed_confirmation, resolve_out
from tfgen.deploy.workflow import apply as run_apply
from tfgen.deploy.workflow import destroy as run_destroy
from tfgen.deploy.workflow import plan as run_plan
from tfgen.review import md_fit
from tfgen.review.diff_report import MARKDOWN_LIMIT, to_json_data, to_markdown, to_text
from tfgen.review.plan_review import plan_outcome

F = TypeVar("F", bound=Callable[..., Any])

#: GitHub refuses a comment body over 65,536 characters ("Body is too long (maximum is
#: 65536 characters)": danger/danger#424, telia-oss/github-pr-resource#259).
MAX_CHARS = click.option("--max-chars", type=click.IntRange(min=2000), default=MARKDOWN_LIMIT,
                         show_default=True, metavar="N",
                         help="With --format markdown: the comment stays within N characters, "
                              "leaving out the least important sections first (GitHub's limit "
                              "is 65,536).")


def review_options(func: F) -> F:
    """--format, --allow-destroy, --max-chars: the review options of `tfgen plan`, declared
    once for the command (tfgen.cli.multi) and the one-blueprint plan it hands each to."""
    options = [
        click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]),
                     default="text", show_default=True,
                     help="How to show the blueprint review: text for a terminal, markdown "
                          "for a pull-request comment, json (the plan record plus the review) "
                          "for tools. With markdown and json, Terraform's own output goes to "
                          "stderr."),
        click.option("--allow-destroy", "allow_destroy", metavar="ADDRESS", multiple=True,
                     help="Consent to this plan destroying or replacing the stateful resource "
                          "at ADDRESS (a database, an Aurora cluster, a bucket). Repeat it for "
                          "each one; it must name exactly the stateful destroys of the plan. "
                          "One blueprint only."),
        MAX_CHARS,
    ]
    for option in reversed(options):
        func = option(func)
    return func


_SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "read": "<="}


def terraform_options(func: F) -> F:
    """--out, --terraform, --emulator: the same on plan, apply and destroy."""
    options = [
        click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
                     help="The rendered root module (as for `render`). Default: "
                          "out/<blueprint path under blueprints/>."),
        click.option("--terraform", "terraform", metavar="PATH", default=None,
                     help="The terraform binary (default: $TFGEN_TERRAFORM, then PATH)."),
        click.option("--emulator", metavar="URL|moto", default=None,
                     help="Rehearse against a local AWS emulator (moto, LocalStack) at URL: "
                          "a temporary, clearly marked provider override is added and "
                          "removed. The word `moto` starts one for this command (pip install "
                          "'tfgen[emulator]'); apply/destroy then rehearse plan, apply and "
                          "destroy in it."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _runner(terraform: str | None, emulator: str | None) -> Runner:
    return Runner(terraform=terraform, emulator=emulator,
                  on_line=lambda line: click.echo(line),
                  progress=lambda msg: click.echo(click.style(f"tfgen: {msg}", bold=True),
                                                  err=True))


def counts_line(changes: list[Change]) -> str:
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.action] = counts.get(change.action, 0) + 1
    summary = ", ".join(f"{counts.get(a, 0)} to {a}" for a in ("create", "update", "replace",
                                                              "delete"))
    return f"Plan: {summary}."


def print_changes(changes: list[Change]) -> None:
    if not changes:
        click.echo("No changes: the infrastructure matches the blueprint.")
        return
    for change in changes:
        reasons = f"  (forces replacement: {', '.join(change.reasons)})" if change.reasons else ""
        color = {"create": "green", "update": "yellow", "replace": "red",
                 "delete": "red"}.get(change.action)
        click.echo(click.style(f"  {_SYMBOL.get(change.action, '?'):>3} {change.address}",
                               fg=color) + reasons)
    click.echo(counts_line(changes))


FIRST_APPLY = ("No applied snapshot yet (nothing applied through tfgen in this out/): "
                "reviewed against an empty environment, everything is 'to add'. If it was "
                "applied some other way, predicted additions show as 'not in plan'.")


def markdown_comment(result: PlanResult, problems: Sequence[str] = (),
              limit: int = MARKDOWN_LIMIT) -> str:
    """The review as a pull-request comment, at most `limit` characters with `problems`.

    Terraform's summary when there is no review. The problems (why the exit code is not
    0) and the first-apply note are always kept; the review gives way (tfgen/review/md_fit.py).
    """
    record = result.record
    tail = ("\n" + "".join(f"> **{p}**\n>\n" for p in problems).rstrip(">\n") + "\n\n"
            if problems else "")
    if result.review is None:
        head = [f"### tfgen plan: {record.blueprint} (stage {record.stage})\n",
                f"_{result.review_note}_\n", "```"]
        rows = [f"{_SYMBOL.get(c.action, '?'):>3} {c.address}" for c in record.change_list()]
        end = [counts_line(record.change_list()), "```", ""]
        budget = limit - len(tail) - sum(len(x) + 1 for x in (*head, *end))
        return "\n".join([*head, *md_fit.cut_lines(rows, budget, "changes"), *end]) + tail
    prefix = f"> {FIRST_APPLY}\n\n" if result.first_apply else ""
    return prefix + to_markdown(result.review, limit - len(prefix) - len(tail), limit) + tail


@click.command()
@click.argument("blueprint", type=click.Path(dir_okay=False, exists=True))
@click.option("--stage", type=click.Choice(STAGE_CHOICES, case_sensitive=False), default=None,
              metavar="STAGE", help="Plan as if the blueprint targeted STAGE.")
@terraform_options
@review_options
def plan(blueprint: str, stage: str | None, out_dir: str | None, terraform: str | None,
         emulator: str | None, fmt: str, allow_destroy: tuple[str, ...],
         max_chars: int = MARKDOWN_LIMIT) -> None:
    """Plan one BLUEPRINT: what `tfgen plan BLUEPRINT` runs (tfgen.cli.multi's `plan` is the
    command users see, and its docstring is the help)."""
    runner = _runner(terraform, emulator)
    if fmt != "text":  # stdout carries only the report
        runner = Runner(terraform=terraform, emulator=emulator,
                        on_line=lambda line: click.echo(line, err=True),
                        progress=runner.progress)
    with emulator_runner(runner, Path(blueprint), stage) as runner:
        result = run_plan(Path(blueprint), out_dir=Path(out_dir) if out_dir else None,
                          stage=stage, runner=runner, allow_destroy=allow_destroy)
    record = result.record
    code, problems = plan_outcome(result)
    next_step = (f"Saved plan: {result.plan_file}\n"
                 f"Review it, then: tfgen apply {blueprint}"
                 + (f" --out {out_dir}" if out_dir else ""))
    if wants_moto(emulator):
        next_step = (f"moto stopped with this command: `tfgen apply {blueprint} --emulator "
                     "moto` rehearses plan, apply and destroy in one go")
    if not record.applicable:
        next_step = (f"Saved for review only: {result.plan_file} cannot be applied "
                     f"(exit {code}).")
    if fmt == "json":
        review = to_json_data(result.review) if result.review is not None else None
        check = result.review.plan if result.review is not None else None
        click.echo(json.dumps({"out": str(result.out_dir), "plan": str(result.plan_file),
                               **record.__dict__, "review": review,
                               "first_apply": result.first_apply,
                               "review_note": result.review_note,
                               "consent": result.consent.to_json() if result.consent else None,
                               "review_matches_plan": check.exact if check else None,
                               "problems": problems, "exit_code": code},
                              indent=2, sort_keys=True))
        raise SystemExit(code)
    if fmt == "markdown":
        click.echo(markdown_comment(result, problems, max_chars), nl=False)
        if record.has_changes:
            click.echo(next_step, err=True)
        raise SystemExit(code)
    click.echo()
    click.echo(click.style(f"{record.blueprint} (stage {record.stage}, "
                           f"environment {record.environment})", bold=True))
    print_review(result, problems)
    if record.has_changes:
        click.echo(next_step)
    raise SystemExit(code)


def print_review(result: PlanResult, problems: list[str]) -> None:
    """The text review of one plan: tfgen's review (or Terraform's list), then problems."""
    record = result.record
    if result.review is None:
        if result.review_note:
            click.echo(result.review_note)
        print_changes(record.change_list())
    else:
        if result.first_apply:
            click.echo(FIRST_APPLY)
        click.echo(to_text(result.review), nl=False)
        click.echo(click.style("Terraform: ", bold=True)
                   + (counts_line(record.change_list()) if record.has_changes
                      else "no changes: the infrastructure matches the blueprint."))
    for problem in problems:
        click.echo(click.style("tfgen: ", fg="red", bold=True) + problem)


@click.command()
@click.argument("blueprint", type=click.Path(dir_okay=False, exists=True))
@terraform_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
def apply(blueprint: str, out_dir: str | None, terraform: str | None, emulator: str | None,
          auto_approve: bool) -> None:
    """Apply the saved plan of BLUEPRINT (made and reviewed with `tfgen plan`).

    Never plans afresh: refuses when out/ was edited by hand or the rendered files are newer
    than the plan, and (exit 5) when the plan destroys or replaces a stateful or
    deletion-protected resource without the consent recorded by `tfgen plan
    --allow-destroy`. Terraform's output streams live; Ctrl-C asks Terraform to stop
    gracefully (it releases its state lock). Exits with Terraform's exit code.

    \b
    Examples:
      tfgen apply blueprints/envs/dev.yaml
      tfgen apply blueprints/envs/dev.yaml --auto-approve
      tfgen apply blueprints/envs/dev.yaml --emulator moto   # plan+apply+destroy on moto
    """
    if wants_moto(emulator):
        run_rehearsal(blueprint, out_dir, _runner(terraform, emulator))
        return
    def confirm(record: PlanRecord) -> bool:
        print_changes(record.change_list())
        return click.confirm(f"Apply this plan to {record.name}-{record.environment} "
                             f"(made {record.created})?", default=False)

    record = run_apply(Path(blueprint), out_dir=Path(out_dir) if out_dir else None,
                       runner=_runner(terraform, emulator),
                       confirm=None if auto_approve else confirm)
    click.echo(f"Applied {record.blueprint} (stage {record.stage}).")


@click.command()
@click.argument("blueprint", type=click.Path(dir_okay=False, exists=True))
@terraform_options
@click.option("--auto-approve", is_flag=True,
              help="Destroy without asking (not enough for environments named *prod*).")
@click.option("--confirm-environment", metavar="NAME", default=None,
              help="For *prod* environments without a terminal: the environment name, typed.")
def destroy(blueprint: str, out_dir: str | None, terraform: str | None, emulator: str | None,
            auto_approve: bool, confirm_environment: str | None) -> None:
    """Destroy everything in BLUEPRINT's state.

    Environments with `prod` in their name need the name typed (or --confirm-environment
    NAME); others a yes/no unless --auto-approve. Needs `deletion_protection: false`.
    With `--emulator moto`: the same rehearsal as `apply --emulator moto`.
    """
    if wants_moto(emulator):
        run_rehearsal(blueprint, out_dir, _runner(terraform, emulator))
        return
    def confirm(name: str, environment: str) -> bool:
        if needs_typed_confirmation(environment):
            if confirm_environment is not None:
                return confirm_environment == environment
            typed = click.prompt(f"This destroys {name}-{environment}. Type the environment "
                                 f"name ({environment}) to confirm", default="",
                                 show_default=False)
            return str(typed).strip() == environment
        if auto_approve:
            return True
        return click.confirm(f"Destroy everything in {name}-{environment}?", default=False)

    run_destroy(Path(blueprint), out_dir=Path(out_dir) if out_dir else None,
                runner=_runner(terraform, emulator), confirm=confirm)
    click.echo(f"Destroyed everything in the state of {blueprint}.")


__all__ = ["apply", "destroy", "plan", "resolve_out"]
