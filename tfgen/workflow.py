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
checked against Terraform's real plan (`tfgen.diff`).

Library code: nothing here prints. Progress goes to a `progress` callback, Terraform's
own output to an `on_line` callback (live), questions to a `confirm` callback.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tfgen import consent, emulator, outguard, plan_review, state_backend
from tfgen.blueprint import Blueprint
from tfgen.consent import ConsentCheck
from tfgen.context import build_context
from tfgen.diff import DiffReport, Loaded, Side
from tfgen.errors import EXIT_INVALID, InputError, OutputConflict, TfgenError
from tfgen.exclusive import exclusive
from tfgen.inventory import inventory
from tfgen.output import (
    MANIFEST,
    apply_write,
    describe_conflicts,
    digest,
    plan_write,
    read_manifest,
)
from tfgen.plan_json import read_plan
from tfgen.project import Rendered, default_out_dir, render_blueprint
from tfgen.replan import noop_replan
from tfgen.terraform import (
    LineCallback,
    Terraform,
    TerraformEnv,
    TerraformFailed,
    TerraformInterrupted,
    find_terraform,
)
from tfgen.validate import load_blueprint

PLAN_DIR = ".tfgen/plan"
PLAN_FILE = "tfplan"
RECORD_FILE = "plan.json"
SHOW_FILE = "show.json"
#: The blueprint a saved plan was made from (in PLAN_DIR); promoted to APPLIED_DIR by apply.
SNAPSHOT_FILE = "blueprint.json"
APPLIED_DIR = ".tfgen/applied"
SNAPSHOT_VERSION = 1
LOCK_MESSAGE = "Error acquiring the state lock"

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """The default callback: say nothing."""


class StalePlan(TfgenError):
    """The saved plan no longer matches out/ (or there is none): plan again, then apply."""

    exit_code = EXIT_INVALID


class Declined(TfgenError):
    """The user did not confirm; nothing was changed."""


class ApplyFailed(TfgenError):
    """Terraform failed; `returncode` is Terraform's exit code (tfgen exits with it)."""

    def __init__(self, message: str, returncode: int) -> None:
        super().__init__(message)
        self.returncode = returncode


@dataclass(frozen=True)
class Change:
    """One resource in a plan and what Terraform will do to it."""

    address: str
    action: str  # create, update, replace, delete, read
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanRecord:
    """What a saved plan was made from (stored next to it as plan.json)."""

    blueprint: str
    name: str
    environment: str
    stage: str
    fingerprint: str
    created: str
    emulator: str | None
    has_changes: bool
    changes: list[dict[str, Any]] = field(default_factory=list)
    #: Consent (tfgen.consent): the `--allow-destroy` addresses, the stateful destroys
    #: found in the plan, and whether `apply` may run it.
    allowed_destroys: list[str] = field(default_factory=list)
    stateful_destroys: list[dict[str, Any]] = field(default_factory=list)
    applicable: bool = True

    def change_list(self) -> list[Change]:
        """The recorded changes as objects."""
        return [Change(c["address"], c["action"], tuple(c.get("reasons", ())))
                for c in self.changes]


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


@dataclass(frozen=True)
class Runner:
    """How to run Terraform: which binary, with which environment, against what."""

    terraform: str | None = None
    env: TerraformEnv | None = None
    emulator: str | None = None
    on_line: LineCallback | None = None
    progress: Progress = _quiet
    timeout: float | None = None


# --------------------------------------------------------------------------- helpers


def fingerprint(out_dir: Path) -> str:
    """sha256 over the manifest: which generated files, with which content hashes."""
    files = read_manifest(out_dir)
    text = json.dumps(files, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hand_edits(out_dir: Path) -> list[str]:
    """Generated files changed on disk since tfgen wrote them, and .tf files it never wrote."""
    manifest = read_manifest(out_dir)
    found = []
    for relpath, recorded in sorted(manifest.items()):
        target = out_dir / relpath
        if not target.is_file():
            found.append(f"{relpath} (deleted)")
        elif digest(target.read_text(encoding="utf-8", errors="replace")) != recorded:
            found.append(f"{relpath} (edited)")
    for tf in sorted([*out_dir.glob("*.tf"), *out_dir.glob("*.tf.json"),
                      *out_dir.glob("modules/*/*.tf")]):
        relpath = tf.relative_to(out_dir).as_posix()
        if tf.name == emulator.OVERRIDE_FILE:
            found.append(f"{relpath} (leftover emulator override from an interrupted "
                         "--emulator run; `tfgen plan` removes it)")
        elif relpath not in manifest:
            found.append(f"{relpath} (not written by tfgen)")
    return found


def _env(out_dir: Path, runner: Runner) -> TerraformEnv:
    """The user's Terraform settings when they have a CLI config, else tfgen's own.

    tfgen's own config (the provider mirror when there is one) shares one plugin cache
    across environments: hashicorp/aws is ~700 MB and is linked, not copied, per init.
    """
    if runner.env is not None:
        base = runner.env
    else:
        cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        plugin_cache = None if os.environ.get("TF_PLUGIN_CACHE_DIR") else \
            cache_home / "tfgen" / "plugin-cache"
        base = TerraformEnv.default(out_dir / ".tfgen" / "terraform", plugin_cache)
    extra = {**base.extra, **emulator.environment(runner.emulator)}
    return TerraformEnv(base.cli_config_file, extra)


def _terraform(out_dir: Path, runner: Runner) -> Terraform:
    return Terraform(find_terraform(runner.terraform), out_dir, _env(out_dir, runner),
                     on_line=runner.on_line, timeout=runner.timeout)


def _plan_paths(out_dir: Path) -> tuple[Path, Path]:
    folder = out_dir / PLAN_DIR
    return folder / PLAN_FILE, folder / RECORD_FILE


def read_record(out_dir: Path) -> PlanRecord | None:
    """The record of the saved plan in `out_dir`, if there is one."""
    _, record_path = _plan_paths(out_dir)
    try:
        data = json.loads(record_path.read_text(encoding="utf-8"))
        return PlanRecord(**data)
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as exc:
        raise StalePlan(f"{record_path}: unreadable plan record ({exc}); run `tfgen plan` "
                        "again") from None


def changes_of(plan_json: dict[str, Any]) -> list[Change]:
    """Resource changes of `terraform show -json PLAN`, no-ops (and pure moves) left out."""
    return [Change(c.address, c.action, c.reasons)
            for c in read_plan(plan_json, strict=False) if c.action != "move"]


def _lock_message(exc: TerraformFailed, out_dir: Path, shown: bool) -> str:
    said = "" if shown else f" Terraform said:\n{exc.stderr_tail}\n"
    return ("the Terraform state is locked: another plan or apply is running (or crashed "
            "holding the lock). Nothing was changed and the saved plan is kept; retry when "
            f"it has finished.{said} Only if you are sure no run is active: "
            f"`terraform -chdir={out_dir} force-unlock LOCK_ID` (the ID is in the lock info).")


def _failed(exc: TerraformFailed, out_dir: Path, what: str, shown: bool = False) -> ApplyFailed:
    """A clear error for a failed terraform step; `shown`: its output was streamed already."""
    if LOCK_MESSAGE in exc.stderr_tail:
        return ApplyFailed(_lock_message(exc, out_dir, shown), exc.returncode)
    detail = " (its output is above)" if shown else f":\n{exc.stderr_tail}"
    return ApplyFailed(f"terraform {what} failed with exit code {exc.returncode}{detail}",
                       exc.returncode)


@contextmanager
def _emulated(out_dir: Path, runner: Runner, backend: dict[str, Any]) -> Iterator[None]:
    files = {p.relative_to(out_dir).as_posix(): p.read_text(encoding="utf-8")
             for p in sorted(out_dir.rglob("*.tf")) if ".terraform" not in p.parts
             and p.name != emulator.OVERRIDE_FILE}
    with emulator.override(out_dir, runner.emulator, files, backend) as path:
        if path is not None:
            runner.progress(f"emulator: {path.name} points AWS at {runner.emulator} "
                            "(removed afterwards)")
        yield


def _init(tf: Terraform, runner: Runner) -> None:
    runner.progress("terraform init")
    try:
        tf.init()
    except TerraformFailed as exc:
        raise _failed(exc, tf.workdir, "init", tf.on_line is not None) from None


# --------------------------------------------------------------------------- snapshots


def _ignore_tfgen_dir(out_dir: Path) -> None:
    """Everything under .tfgen/ is machine state (plans hold resource attributes): no git."""
    outguard.ensure_state_dir(out_dir, ignore_file=True)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomically and 0600 (a snapshot can hold sensitive values): never half a snapshot."""
    outguard.write_private(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def snapshot_data(rendered: Rendered, fingerprint_: str) -> dict[str, Any]:
    """What `diff` needs to rebuild a side without the original files.

    The merged, validated blueprint (defaults filled in, any --stage applied) and the
    contents of its user-data scripts, which the render context reads from disk.
    """
    return {
        "version": SNAPSHOT_VERSION,
        "source": rendered.source,
        "stage": rendered.context.stage.value,
        "fingerprint": fingerprint_,
        "blueprint": rendered.blueprint.model_dump(mode="json"),
        "user_data": {f.tier: f.content for f in rendered.context.files},
    }


def applied_snapshot_path(out_dir: Path) -> Path:
    """Where the snapshot of the last successful apply is kept."""
    return out_dir / APPLIED_DIR / SNAPSHOT_FILE


def _promote_snapshot(out_dir: Path, record: PlanRecord) -> bool:
    """After a successful apply: the plan's blueprint becomes the applied snapshot."""
    pending = out_dir / PLAN_DIR / SNAPSHOT_FILE
    try:
        data = json.loads(pending.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False  # a plan made by an older tfgen: keep whatever snapshot there is
    if not isinstance(data, dict) or data.get("fingerprint") != record.fingerprint:
        return False
    data["applied"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    _ignore_tfgen_dir(out_dir)
    _write_json(applied_snapshot_path(out_dir), data)
    return True


def load_snapshot(data: dict[str, Any]) -> Loaded:
    """Rebuild a diff side from a snapshot (ValueError/KeyError/TypeError when malformed)."""
    if data.get("version") != SNAPSHOT_VERSION:
        raise ValueError(f"snapshot version {data.get('version')!r}, expected "
                         f"{SNAPSHOT_VERSION}")
    blueprint = Blueprint.model_validate(data["blueprint"])
    source = str(data["source"])
    scripts: dict[str, str] = data.get("user_data") or {}
    with tempfile.TemporaryDirectory(prefix="tfgen-applied-") as tmp:
        # The context reads user-data scripts from disk: give it the stored contents.
        update: dict[str, Any] = {}
        for key in ("web", "app"):
            tier = getattr(blueprint, key)
            if tier.user_data is not None and key in scripts:
                script = Path(tmp) / f"{key}-user-data.sh"
                script.write_text(scripts[key], encoding="utf-8")
                update[key] = tier.model_copy(update={"user_data": script.name})
        for_context = blueprint.model_copy(update=update) if update else blueprint
        context = build_context(for_context, source, base_dir=Path(tmp))
    label = f"applied {source}"
    side = Side(label, source, context.stage)
    return Loaded(side, label, blueprint, context, inventory(context))


def read_applied(out_dir: Path) -> Loaded | None:
    """The side of the last successful apply in `out_dir`, or None if nothing was applied."""
    path = applied_snapshot_path(out_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return load_snapshot(data)


# --------------------------------------------------------------------------- plan


@exclusive(create=True)
def plan(blueprint: Path, *, out_dir: Path | None = None, stage: str | None = None,
         runner: Runner | None = None, allow_destroy: tuple[str, ...] = ()) -> PlanResult:
    """Render into out/ (never over hand edits), init, `plan -out`, and record the plan.

    `allow_destroy`: the addresses whose stateful destroy the user consents to
    (tfgen.consent); without full consent the plan is saved but not applicable.
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
    plan_file, record_path = _plan_paths(out)
    pending = plan_file.parent / SNAPSHOT_FILE
    _ignore_tfgen_dir(out)
    plan_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    plan_file.parent.chmod(0o700)  # the plan holds resource attributes: this user only
    # ... and keep it out of version control.
    outguard.write_private(plan_file.parent / ".gitignore", "*\n", mode=0o644)
    plan_file.unlink(missing_ok=True)
    record_path.unlink(missing_ok=True)
    pending.unlink(missing_ok=True)
    tf = _terraform(out, runner)
    backend = state_backend.backend_settings(rendered.blueprint)
    with _emulated(out, runner, backend):
        _init(tf, runner)
        runner.progress("terraform plan")
        try:
            has_changes = tf.plan(plan_file.resolve())
            plan_json = tf.show_json(plan_file.resolve())
        except TerraformFailed as exc:
            raise _failed(exc, out, "plan", tf.on_line is not None) from None
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
    _write_json(pending, snapshot_data(rendered, record.fingerprint))
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
                                          _env(out, runner), timeout=runner.timeout),
        emulator_url=runner.emulator, backend=backend, progress=runner.progress), strict=False)
    plan_review.finish(report, planned, consented, noop,
                       plan_review.noise_source(runner.emulator))
    return PlanResult(out, plan_file, record, plan_json, rendered, report, applied is None,
                      consent=consented)


# --------------------------------------------------------------------------- apply


def check_saved_plan(out_dir: Path) -> tuple[Path, PlanRecord]:
    """The saved plan, if it still describes out/ exactly; else StalePlan/OutputConflict."""
    plan_file, _ = _plan_paths(out_dir)
    record = read_record(out_dir)
    if record is None or not plan_file.is_file():
        raise StalePlan(f"no saved plan in {out_dir}: run `tfgen plan` first, review it, "
                        "then apply")
    edits = hand_edits(out_dir)
    if edits:
        raise OutputConflict(f"{out_dir} was edited by hand since it was rendered; refusing "
                             "to apply:\n" + "\n".join(f"  {e}" for e in edits)
                             + "\nPut the change in the blueprint, then `tfgen plan` again.")
    if fingerprint(out_dir) != record.fingerprint:
        raise StalePlan(f"the rendered files in {out_dir} changed after the saved plan was "
                        f"made ({record.created}): it is not what you reviewed. Run "
                        "`tfgen plan` again.")
    planned = plan_file.stat().st_mtime
    newer = [rel for rel in read_manifest(out_dir)
             if (out_dir / rel).stat().st_mtime > planned]
    if newer:
        raise StalePlan(f"the saved plan is older than the rendered files ({', '.join(newer[:5])}"
                        f"{' …' if len(newer) > 5 else ''}). Run `tfgen plan` again.")
    return plan_file, record


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
        _promote_snapshot(out, record)  # the infrastructure matches this blueprint
        return record
    if confirm is not None and not confirm(record):
        raise Declined("not confirmed; nothing was applied (the saved plan is kept)")
    bp, _ = load_blueprint(blueprint, record.stage)
    tf = _terraform(out, runner)
    with _emulated(out, runner, state_backend.backend_settings(bp)):
        runner.progress(f"terraform apply {plan_file.relative_to(out)}")
        try:
            tf.apply(plan_file.resolve())
        except TerraformInterrupted:
            raise  # Ctrl-C: Terraform stopped gracefully; the caller says so
        except TerraformFailed as exc:
            raise _failed(exc, out, "apply", tf.on_line is not None) from None
    plan_file.unlink(missing_ok=True)  # applied: a plan is good for one apply only
    if _promote_snapshot(out, record):
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
    tf = _terraform(out, runner)
    with _emulated(out, runner, state_backend.backend_settings(bp)):
        _init(tf, runner)
        runner.progress("terraform destroy")
        try:
            tf.destroy(auto_approve=True)
        except TerraformInterrupted:
            raise  # Ctrl-C: Terraform stopped gracefully; the caller says so
        except TerraformFailed as exc:
            raise _failed(exc, out, "destroy", tf.on_line is not None) from None
    plan_file, _ = _plan_paths(out)
    plan_file.unlink(missing_ok=True)
    # Nothing is deployed any more: the next plan is reviewed against an empty environment.
    applied_snapshot_path(out).unlink(missing_ok=True)
