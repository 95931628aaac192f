"""CLI for many environments at once: `tfgen affected` and `tfgen plan A B … -j N`.

Registered on the main group at the end of tfgen/cli/__init__.py; this `plan` replaces the
single-blueprint one of tfgen/cli/apply.py and hands a single blueprint to it unchanged
(same output, same exit codes). With several blueprints (or `--affected`) each one is
planned by the same library call (tfgen.deploy.workflow.plan) in a thread pool of `-j N`; the
Terraform output of each is buffered, and the reviews are printed one per environment
after a one-line-per-environment summary.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from tfgen.blueprint.stages import STAGE_CHOICES
from tfgen.cli.apply import (
    markdown_comment,
    print_review,
    review_options,
    terraform_options,
)
from tfgen.cli.apply import plan as plan_one
from tfgen.deploy.rehearsal import wants_moto
from tfgen.deploy.tf_runner import Runner
from tfgen.deploy.workflow import PlanResult
from tfgen.deploy.workflow import plan as run_plan
from tfgen.errors import (
    EXIT_CONSENT,
    EXIT_INVALID,
    EXIT_MISMATCH,
    TerraformInterrupted,
    TfgenError,
)
from tfgen.review.affected import AffectedReport, affected
from tfgen.review.diff_report import to_json_data
from tfgen.review.plan_review import plan_outcome

#: Terraform's plugin cache is not safe for concurrent `terraform init`s (two inits
#: installing the same provider race: hashicorp/terraform#31964). Plans run in parallel;
#: inits one at a time. workflow.plan reports "terraform init" before init and the next
#: step after it, which is where this lock is taken and released.
_INIT_LOCK = threading.Lock()
_INIT_STEP = "terraform init"
#: Which of two exit codes wins for the whole run: failures, then 5, 2, 4, then 0.
_SEVERITY = {0: 0, EXIT_MISMATCH: 1, EXIT_INVALID: 2, EXIT_CONSENT: 3}


def _worst(codes: list[int]) -> int:
    return max(codes, key=lambda c: _SEVERITY.get(c, 4), default=0)


# --------------------------------------------------------------------------- affected


def _affected_text(report: AffectedReport, total: int) -> None:
    for item in report.affected:
        click.echo(f"{item.blueprint} -> {item.out} (stage {item.stage}): {item.reason}")
    for source in report.removed:
        click.echo(click.style(f"{source}: removed since {report.since} (nothing to plan; "
                               "destroy its environment by hand if it still exists)",
                               fg="yellow"))
    click.echo(f"{len(report.affected)} of {total} blueprint(s) render differently than at "
               f"{report.since} ({report.commit[:12]}).", err=True)


@click.command("affected")
@click.option("--since", "since", metavar="REV", default="HEAD", show_default=True,
              help="The git revision to compare with (a commit, branch or tag).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: one line, a GitHub Actions matrix "
                                      '{"include": [{"blueprint", "out", "stage"}, …]}.')
@click.option("--trust-repo-code", is_flag=True,
              help="Render each side with the tfgen code the repository holds at that "
                   "side (tfgen's own development). Runs that code: never on a checkout "
                   "you do not trust, such as a pull request from a fork.")
def affected_command(since: str, fmt: str, trust_repo_code: bool) -> None:
    """List the blueprints whose rendered Terraform differs from REV: what to plan.

    Run from the directory holding blueprints/. Every blueprint is rendered twice in
    memory by the installed tfgen, as the working tree is now and as the commit REV had
    it (extracted with `git archive`; nothing in the checkout is run), and a blueprint
    is affected when its set of rendered files (paths and contents) differs. So a change
    to an overlay's base affects the overlays built on it, a comment-only edit affects
    none, and a blueprint new since REV is affected; with --trust-repo-code (tfgen's own
    repository) a template change affects every blueprint it touches. Paths are relative
    to this directory.

    \b
    Exit codes: 0 listed (even when nothing is affected), 1 failure, 2 unknown REV or a
    blueprint that does not render now.

    \b
    Examples:
      tfgen affected                               # uncommitted changes vs HEAD
      tfgen affected --since origin/main
      tfgen affected --since "$BASE_SHA" --format json   # a CI matrix, one line
      tfgen plan --affected --since origin/main -j 2
    """
    report = affected(Path.cwd(), since, trust_repo_code=trust_repo_code)
    if fmt == "json":
        click.echo(json.dumps(report.matrix(), separators=(",", ":"), sort_keys=True))
        return
    _affected_text(report, len(report.affected) + len(report.unchanged))


# --------------------------------------------------------------------------- plan


@dataclass
class _Env:
    """One environment's plan in a multi-environment run."""

    path: Path
    label: str = ""
    result: PlanResult | None = None
    code: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    log: list[str] = field(default_factory=list)


def _progress(env: _Env, held: list[bool]) -> Callable[[str], None]:
    """Progress to stderr, prefixed; takes the init lock around `terraform init`."""
    def report(message: str) -> None:
        if held[0]:
            _INIT_LOCK.release()
            held[0] = False
        if message == _INIT_STEP:
            _INIT_LOCK.acquire()
            held[0] = True
        env.log.append(f"tfgen: {message}")
        click.echo(click.style(f"[{env.label}] {message}", bold=True), err=True)
    return report


def _plan_env(env: _Env, stage: str | None, terraform: str | None,
              emulator: str | None) -> None:
    held = [False]
    runner = Runner(terraform=terraform, emulator=emulator, on_line=env.log.append,
                    progress=_progress(env, held))
    try:
        env.result = run_plan(env.path, stage=stage, runner=runner)
        env.code, env.problems = plan_outcome(env.result)
    except TerraformInterrupted:
        raise
    except TfgenError as exc:  # ApplyFailed carries Terraform's exit code
        env.code, env.error = exc.exit_code, str(exc)
    finally:
        if held[0]:
            _INIT_LOCK.release()


def summary_line(env: _Env) -> str:
    """`prod: replaces 1 (DB!), 4 in place` — what the plan does, and why it is not 0."""
    if env.result is None:
        first = (env.error or "failed").strip().splitlines()[0]
        return f"{env.label}: FAILED (exit {env.code}): {first}"
    result = env.result
    stateful = {d.address: d.type for d in (result.consent.destroys if result.consent
                                            else [])}
    counts: dict[str, list[str]] = {}
    for change in result.record.change_list():
        counts.setdefault(change.action, []).append(change.address)
    parts = []
    for action, verb in (("replace", "replaces {}"), ("delete", "destroys {}"),
                         ("update", "{} in place"), ("create", "creates {}")):
        addresses = counts.get(action, [])
        if not addresses:
            continue
        kinds = sorted({"DB" if ("db" in stateful[a] or "rds" in stateful[a]) else "bucket"
                        for a in addresses if a in stateful})
        parts.append(verb.format(len(addresses)) + (f" ({'/'.join(kinds)}!)" if kinds else ""))
    text = ", ".join(parts) or "no changes"
    flag = {EXIT_CONSENT: "needs --allow-destroy or lifted protection",
            EXIT_MISMATCH: "the review missed or mispredicted actions",
            EXIT_INVALID: "invalid --allow-destroy"}.get(env.code)
    return f"{env.label}: {text}" + (f" [exit {env.code}: {flag}]" if flag else "")


def _label(envs: list[_Env]) -> None:
    """Environment names; the blueprint path where two blueprints share one."""
    from tfgen.blueprint.validate import load_blueprint

    names = []
    for env in envs:
        try:
            names.append(load_blueprint(env.path)[0].environment)
        except TfgenError:
            names.append(env.path.as_posix())
    for env, name in zip(envs, names, strict=True):
        env.label = name if names.count(name) == 1 else f"{name} ({env.path.as_posix()})"


def _env_json(env: _Env) -> dict[str, Any]:
    base: dict[str, Any] = {"environment": env.label, "blueprint": env.path.as_posix(),
                            "summary": summary_line(env), "exit_code": env.code}
    result = env.result
    if result is None:
        return {**base, "error": env.error, "terraform_output": env.log[-40:]}
    check = result.review.plan if result.review is not None else None
    return {**base, "out": str(result.out_dir), "plan": str(result.plan_file),
            **result.record.__dict__,
            "review": to_json_data(result.review) if result.review is not None else None,
            "first_apply": result.first_apply, "review_note": result.review_note,
            "consent": result.consent.to_json() if result.consent else None,
            "review_matches_plan": check.exact if check else None,
            "problems": env.problems}


def _env_text(env: _Env) -> None:
    click.echo()
    click.echo(click.style(f"=== {env.label}: {env.path.as_posix()} ===", bold=True))
    result = env.result
    if result is None:
        click.echo(click.style("error: ", fg="red", bold=True) + str(env.error))
        click.echo("\n".join(f"  | {line}" for line in env.log[-20:]))
        return
    record = result.record
    click.echo(f"stage {record.stage}, environment {record.environment}")
    print_review(result, env.problems)
    if record.has_changes and record.applicable:
        click.echo(f"Saved plan: {result.plan_file}\nReview it, then: tfgen apply "
                   f"{env.path.as_posix()}")


def _env_markdown(env: _Env, limit: int) -> str:
    if env.result is None:
        tail = "\n".join(env.log[-20:])[-max(limit - 600, 0):]
        return (f"### tfgen plan: {env.path.as_posix()} failed (exit {env.code})\n\n"
                f"```\n{(env.error or '')[:400]}\n{tail}\n```\n")
    return markdown_comment(env.result, env.problems, limit)


def _multi(paths: list[Path], stage: str | None, terraform: str | None,
           emulator: str | None, fmt: str, jobs: int, max_chars: int) -> int:
    envs = [_Env(p) for p in paths]
    _label(envs)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for job in [pool.submit(_plan_env, e, stage, terraform, emulator) for e in envs]:
            job.result()
    code = _worst([e.code for e in envs])
    lines = [summary_line(e) for e in envs]
    if fmt == "json":
        click.echo(json.dumps({"summary": lines, "results": [_env_json(e) for e in envs],
                               "exit_code": code}, indent=2, sort_keys=True, default=str))
    elif fmt == "markdown":
        head = (f"## tfgen plan: {len(envs)} environments\n\n"
                + "".join(f"- {line}\n" for line in lines) + "\n")
        share = max((max_chars - len(head)) // len(envs) - 2, 500)
        click.echo(head + "\n".join(_env_markdown(e, share) for e in envs), nl=False)
    else:
        click.echo(click.style(f"tfgen plan: {len(envs)} environments", bold=True))
        for line in lines:
            click.echo(f"  {line}")
        for env in envs:
            _env_text(env)
    return code


def _affected_paths(since: str) -> list[Path]:
    report = affected(Path.cwd(), since)
    click.echo(f"affected since {since}: "
               + (", ".join(a.blueprint for a in report.affected) or "none"), err=True)
    return [Path(a.blueprint) for a in report.affected]


@click.command("plan")
@click.argument("blueprints", nargs=-1, type=click.Path(dir_okay=False, exists=True))
@click.option("--stage", type=click.Choice(STAGE_CHOICES, case_sensitive=False), default=None,
              metavar="STAGE", help="Plan as if the blueprint(s) targeted STAGE.")
@terraform_options
@review_options
@click.option("--affected", "only_affected", is_flag=True,
              help="Plan the blueprints `tfgen affected --since REV` lists (with BLUEPRINTS).")
@click.option("--since", metavar="REV", default="HEAD", show_default=True,
              help="With --affected: the git revision to compare with.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              metavar="N", help="With several blueprints: plan N at a time.")
@click.pass_context
def plan(ctx: click.Context, blueprints: tuple[str, ...], stage: str | None,
         out_dir: str | None, terraform: str | None, emulator: str | None, fmt: str,
         allow_destroy: tuple[str, ...], max_chars: int, only_affected: bool, since: str,
         jobs: int) -> None:
    """Render, terraform init + plan, save and review BLUEPRINTS (one or many).

    Refuses when out/ has hand edits. The saved plan is exactly what `apply` runs. The
    review is a blueprint diff (`tfgen diff`) from what was last applied through tfgen to
    this blueprint, each predicted change checked against Terraform's plan: confirmed,
    with another action, not in the plan, or missed by the prediction. Plan actions that
    a no-op re-plan of the last applied blueprint shows too are named as emulator
    read-back (with --emulator) or drift, not as missed.

    A plan that destroys or replaces a database, an Aurora cluster or a bucket is saved
    for review but cannot be applied without --allow-destroy ADDRESS for each of them;
    one that destroys a resource with deletion protection on cannot be applied at all
    (lift protection first; see docs/diff.md).

    Several BLUEPRINTS (or --affected): each is planned as one is, N at a time (-j),
    with Terraform's output kept per environment; then one line per environment
    ("prod: replaces 1 (DB!), 4 in place [exit 5: …]"; "dev: no changes") and each
    environment's review.

    \b
    Exit codes (one blueprint; several: the most serious of these, a failure first,
    then 5, 2, 4, else 0):
      0  planned; the review predicted Terraform's plan exactly (beyond named noise)
      2  invalid input (including --allow-destroy naming an address the plan does
         not destroy: the plan is saved but cannot be applied)
      4  planned and applicable, but the review missed or mispredicted actions
      5  not applicable: stateful destroys need --allow-destroy, or deletion
         protection must be lifted first
      other  Terraform's own exit code when init or plan fails

    \b
    Examples:
      tfgen plan blueprints/envs/dev.yaml
      tfgen plan blueprints/envs/dev.yaml --stage multi-az
      tfgen plan blueprints/envs/dev.yaml --format markdown --max-chars 65000  # PR comment
      tfgen plan blueprints/envs/dev.yaml --emulator moto   # starts and stops moto
      tfgen plan blueprints/envs/dev.yaml blueprints/envs/prod.yaml -j 2
      tfgen plan --affected --since origin/main -j 2 --format markdown
      # static-web -> multi-az retires the S3 site bucket: consent to it
      tfgen plan blueprints/envs/dev.yaml --stage multi-az \\
          --allow-destroy module.static_site.aws_s3_bucket.this
    """
    if len(blueprints) == 1 and not only_affected:
        ctx.invoke(plan_one, blueprint=blueprints[0], stage=stage, out_dir=out_dir,
                   terraform=terraform, emulator=emulator, fmt=fmt,
                   allow_destroy=allow_destroy, max_chars=max_chars)
        return
    paths = list(dict.fromkeys([Path(b) for b in blueprints]
                               + (_affected_paths(since) if only_affected else [])))
    if not paths:
        if not only_affected:
            raise click.UsageError("name at least one BLUEPRINT, or use --affected")
        click.echo(f"No blueprint renders differently than at {since}: nothing to plan.")
        return
    if len(paths) > 1 and wants_moto(emulator):
        # Each `--emulator moto` starts its own moto; several environments share one that
        # is already running (its hosted zones created): give its URL instead.
        raise click.UsageError("--emulator moto rehearses one blueprint; for several, start "
                               "moto once (python -m tfgen.deploy.moto_server --seed ZONE) and "
                               "pass the URL it prints")
    if len(paths) > 1 and (out_dir or allow_destroy):
        raise click.UsageError("--out and --allow-destroy take one blueprint; plan that "
                               "environment on its own")
    if len(paths) == 1:
        ctx.invoke(plan_one, blueprint=str(paths[0]), stage=stage, out_dir=out_dir,
                   terraform=terraform, emulator=emulator, fmt=fmt,
                   allow_destroy=allow_destroy, max_chars=max_chars)
        return
    raise SystemExit(_multi(paths, stage, terraform, emulator, fmt, jobs, max_chars))


__all__ = ["affected_command", "plan", "summary_line"]
