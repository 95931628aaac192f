"""Plan, apply and destroy through tfgen: the reviewed plan is the plan that is applied.

`plan` renders the blueprint (refusing to overwrite hand edits), runs `terraform init`
and `terraform plan -out`, and records the saved plan with a fingerprint of the rendered
files it was made from. `apply` applies exactly that saved plan, and refuses when out/ was
edited by hand since, or when the rendered files are newer than the plan: what was
reviewed is what runs. `destroy` is guarded the same way, and by the caller's typed
confirmation for production.

After a successful apply, a snapshot of the blueprint that was applied (validated, merged,
with its user-data scripts) is kept in `.tfgen/applied/blueprint.json`, so the next `plan`
can be reviewed as a blueprint diff: previously applied -> current, each predicted change
checked against Terraform's real plan (`tfgen.review.diff`).

The pieces: tfgen/deploy/saved_plan.py (the record and whether it still holds),
tfgen/deploy/snapshot.py (the applied snapshot), tfgen/deploy/tf_runner.py (running Terraform for a
step). This module is the three commands' sequence.

Library code: nothing here prints. Progress goes to a `progress` callback, Terraform's
own output to an `on_line` callback (live), questions to a `confirm` callback.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tfgen.blueprint.validate import load_blueprint
from tfgen.deploy.replan import noop_replan
from tfgen.deploy.saved_plan import (
    SHOW_FILE,
    PlanRecord,
    changes_of,
    check_saved_plan,
    fingerprint,
    hand_edits,
    plan_paths,
)
from tfgen.deploy.snapshot import (
    SNAPSHOT_FILE,
    applied_snapshot_path,
    ignore_tfgen_dir,
    promote_snapshot,
    read_applied,
    snapshot_data,
    write_json,
)
from tfgen.deploy.terraform import Terraform
from tfgen.deploy.terraform_env import find_terraform
from tfgen.deploy.tf_runner import Runner, emulated, failure, init, terraform_env, terraform_for
from tfgen.errors import (
    Declined,
    InputError,
    OutputConflict,
    StalePlan,
    TerraformFailed,
    TerraformInterrupted,
    TfgenError,
)
from tfgen.outdir import outguard
from tfgen.outdir.exclusive import exclusive
from tfgen.outdir.output import MANIFEST, apply_write, describe_conflicts, plan_write
from tfgen.project import Rendered, default_out_dir, render_blueprint
from tfgen.render import state_backend
from tfgen.review import consent, plan_review
from tfgen.review.consent import ConsentCheck
from tfgen.review.diff import DiffReport
from tfgen.review.plan_json import read_plan


@dataclass(frozen=True)
class PlanResult:
    """The outcome of `plan`: where the saved plan is and what it will change."""

    out_dir: Path
    plan_file: Path
    record: PlanRecord
    plan_json: dict[str, Any]
    rendered: Rendered
    #: The blueprint diff review (applied snapshot -> this blueprint, checked against the
    #: plan); None only when it could not be built (`review_note` says why).
    review: DiffReport | None = None
    #: True when there was no applied snapshot: the review is against an empty environment.
    first_apply: bool = False
    review_note: str | None = None
    consent: ConsentCheck | None = None


# --------------------------------------------------------------------------- plan


@exclusive(create=True)
def plan(blueprint: Path, *, out_dir: Path | None = None, stage: str | None = None,
         runner: Runner | None = None, allow_destroy: tuple[str, ...] = ()) -> PlanResult:
    """Render into out/ (never over hand edits), init, `plan -out`, and record the plan.

    `allow_destroy`: the addresses whose stateful destroy the user consents to
    (tfgen.review.consent); without full consent the plan is saved but not applicable.
    """
    runner = runner or Runner()
    rendered = render_blueprint(blueprint, stage=stage, out_dir=out_dir)
    out = rendered.out_dir
    write = plan_write(out, rendered.files)
    if write.conflicts:
        raise OutputConflict(describe_conflicts(write) + "\nNothing was planned.")
    if write.changes or not (out / MANIFEST).exists():
        runner.progress(f"rendering {rendered.source} -> {out}")
        apply_write(write)
    plan_file, record_path = plan_paths(out)
    pending = plan_file.parent / SNAPSHOT_FILE
    ignore_tfgen_dir(out)
    plan_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    plan_file.parent.chmod(0o700)  # the plan holds resource attributes: this user only
    # ... and keep it out of version control.
    outguard.write_private(plan_file.parent / ".gitignore", "*\n", mode=0o644)
    outguard.discard(plan_file)
    outguard.discard(record_path)
    outguard.discard(pending)
    tf = terraform_for(out, runner)
    backend = state_backend.backend_settings(rendered.blueprint)
    with emulated(out, runner, backend):
        init(tf, runner)
        runner.progress("terraform plan")
        try:
            has_changes = tf.plan(plan_file.resolve())
            plan_json = tf.show_json(plan_file.resolve())
        except TerraformFailed as exc:
            raise failure(exc, out, "plan", tf.on_line is not None) from None
    planned = read_plan(plan_json, strict=False)
    consented = consent.check(planned, allow_destroy)
    record = PlanRecord(
        blueprint=rendered.source,
        name=rendered.blueprint.name,
        environment=rendered.blueprint.environment,
        stage=rendered.context.stage.value,
        fingerprint=fingerprint(out),
        created=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        emulator=runner.emulator,
        has_changes=has_changes,
        changes=[asdict(c) for c in changes_of(plan_json)],
        allowed_destroys=list(consented.allowed),
        stateful_destroys=[asdict(d) for d in consented.destroys],
        applicable=consented.applicable,
    )
    plan_file.chmod(0o600)  # written by Terraform with its own mode
    outguard.write_private(record_path, json.dumps(asdict(record), indent=2) + "\n")
    # `tfgen diff OLD NEW --plan` checks a blueprint diff against this (review aid).
    outguard.write_private(plan_file.parent / SHOW_FILE, json.dumps(plan_json) + "\n")
    # What this plan was made from; `apply` promotes it to the applied snapshot.
    write_json(pending, snapshot_data(rendered, record.fingerprint))
    try:
        applied = read_applied(out)
        report = plan_review.review(rendered, applied, plan_json)
    except (TfgenError, OSError, ValueError, KeyError, TypeError) as exc:
        # The plan is saved and valid; only the review is missing. Say why, don't fail.
        note = (f"no blueprint review: the applied snapshot "
                f"{applied_snapshot_path(out)} could not be used ({exc})")
        return PlanResult(out, plan_file, record, plan_json, rendered, review_note=note,
                          consent=consented)
    noop = None if applied is None else lambda: read_plan(noop_replan(
        out, applied, lambda d: Terraform(find_terraform(runner.terraform), d,
                                          terraform_env(out, runner), timeout=runner.timeout),
        emulator_url=runner.emulator, backend=backend, progress=runner.progress), strict=False)
    plan_review.finish(report, planned, consented, noop,
                       plan_review.noise_source(runner.emulator))
    return PlanResult(out, plan_file, record, plan_json, rendered, report, applied is None,
                      consent=consented)


# --------------------------------------------------------------------------- apply


def resolve_out(blueprint: Path, out_dir: Path | None) -> Path:
    """Where a blueprint's root module is (the same rule as `tfgen render`)."""
    return out_dir or default_out_dir(blueprint)


@exclusive(create=False)
def apply(blueprint: Path, *, out_dir: Path | None = None, runner: Runner | None = None,
          confirm: Callable[[PlanRecord], bool] | None = None) -> PlanRecord:
    """Apply the saved, reviewed plan of `blueprint`; `confirm` None means auto-approve."""
    runner = runner or Runner()
    out = resolve_out(blueprint, out_dir)
    plan_file, record = check_saved_plan(out)
    consent.verify_saved(plan_file.parent / SHOW_FILE, record.allowed_destroys)
    if runner.emulator is not None and runner.emulator != record.emulator:
        planned_for = f"against {record.emulator}" if record.emulator else "for real AWS"
        raise StalePlan(f"the saved plan was made {planned_for}; plan again with the same "
                        "--emulator")
    runner = Runner(runner.terraform, runner.env, record.emulator, runner.on_line,
                    runner.progress, runner.timeout)
    if not record.has_changes:
        runner.progress("the saved plan has no changes; nothing to apply")
        promote_snapshot(out, record.fingerprint)  # the infrastructure matches this blueprint
        return record
    if confirm is not None and not confirm(record):
        raise Declined("not confirmed; nothing was applied (the saved plan is kept)")
    bp, _ = load_blueprint(blueprint, record.stage)
    tf = terraform_for(out, runner)
    with emulated(out, runner, state_backend.backend_settings(bp)):
        runner.progress(f"terraform apply {plan_file.relative_to(out)}")
        try:
            tf.apply(plan_file.resolve())
        except TerraformInterrupted:
            raise  # Ctrl-C: Terraform stopped gracefully; the caller says so
        except TerraformFailed as exc:
            raise failure(exc, out, "apply", tf.on_line is not None) from None
    outguard.discard(plan_file)  # applied: a plan is good for one apply only
    if promote_snapshot(out, record.fingerprint):
        runner.progress(f"recorded what was applied in {applied_snapshot_path(out)}")
    return record


# --------------------------------------------------------------------------- destroy


def needs_typed_confirmation(environment: str) -> bool:
    """Anything with `prod` in its environment name is destroyed only after typing it."""
    return "prod" in environment.lower()


@exclusive(create=False)
def destroy(blueprint: Path, *, out_dir: Path | None = None, stage: str | None = None,
            runner: Runner | None = None,
            confirm: Callable[[str, str], bool] | None = None) -> None:
    """Destroy everything the blueprint's state holds.

    `confirm(name, environment)` decides; None means approved (the CLI demands the typed
    environment name for production before it passes None).
    """
    runner = runner or Runner()
    out = resolve_out(blueprint, out_dir)
    bp, _ = load_blueprint(blueprint, stage)
    if bp.deletion_protection:
        raise InputError(f"{blueprint}: deletion_protection is true, so AWS refuses to delete "
                         "the database and load balancers. Set `deletion_protection: false`, "
                         "`tfgen plan` + `tfgen apply` it, then destroy.")
    if not (out / MANIFEST).exists():
        raise InputError(f"{out} holds no rendered root module: nothing to destroy from here")
    edits = hand_edits(out)
    if edits:
        raise OutputConflict(f"{out} was edited by hand; refusing to destroy:\n"
                             + "\n".join(f"  {e}" for e in edits))
    if confirm is not None and not confirm(bp.name, bp.environment):
        raise Declined("not confirmed; nothing was destroyed")
    tf = terraform_for(out, runner)
    with emulated(out, runner, state_backend.backend_settings(bp)):
        init(tf, runner)
        runner.progress("terraform destroy")
        try:
            tf.destroy(auto_approve=True)
        except TerraformInterrupted:
            raise  # Ctrl-C: Terraform stopped gracefully; the caller says so
        except TerraformFailed as exc:
            raise failure(exc, out, "destroy", tf.on_line is not None) from None
    plan_file, _ = plan_paths(out)
    outguard.discard(plan_file)
    # Nothing is deployed any more: the next plan is reviewed against an empty environment.
    outguard.discard(applied_snapshot_path(out))
