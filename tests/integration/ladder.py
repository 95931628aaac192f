"""Walk one stack up and down the stage ladder through tfgen's own CLI, against moto.

One blueprint file, one out/ directory, one state: for each rung the blueprint's `stage`
is edited (as a user would), then `tfgen plan --emulator URL --format json` and
`tfgen apply --emulator URL --auto-approve` run as subprocesses. After every apply the
stack is read back (Terraform state and moto through boto3) and the architecture checks
of tests/integration/readback.py run. What each step planned, predicted and took is kept
in a :class:`StepRecord`; the first failing step stops the walk with a message naming the
step and the addresses (the moto process dies with the walk, so nothing is left behind).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.integration.harness import state_resources
from tests.integration.readback import MotoProcess, check_architecture, moto_snapshot
from tfgen.blueprint.stages import Stage
from tfgen.deploy import emulator
from tfgen.deploy.moto_gaps import seed_public_zone
from tfgen.deploy.terraform import Terraform
from tfgen.deploy.terraform_env import TerraformEnv
from tfgen.project import Rendered, render_blueprint

UP = ("aws", "multi-az", "static-web", "cdn")
LADDER = (*UP, "static-web", "multi-az", "aws")
#: Types whose destroy loses data the blueprint cannot bring back (tfgen.review.consent agrees;
#: written down here independently so the test checks tfgen rather than copies it).
STATEFUL_TYPES = ("aws_db_instance", "aws_rds_cluster", "aws_s3_bucket")
EXIT_MISMATCH = 4  # tfgen.errors.EXIT_MISMATCH: the review did not predict the plan exactly
EXIT_CONSENT = 5  # tfgen.errors.EXIT_CONSENT: a stateful destroy without --allow-destroy


class StepFailed(AssertionError):
    """A rung of the ladder broke; the message names the step and the addresses."""


@dataclass
class StepRecord:
    """One rung: what the review predicted, what Terraform planned, what it took."""

    step: str
    stage: str
    predicted: int = 0
    actual: int = 0
    missed: list[str] = field(default_factory=list)
    unexpected: int = 0
    noise: int = 0
    replaced: list[str] = field(default_factory=list)
    destroyed: list[str] = field(default_factory=list)
    consented: list[str] = field(default_factory=list)
    refused_without_consent: bool | None = None
    seconds: float = 0.0


@dataclass
class Walk:
    """A whole ladder: its steps in order, its wall time, and the first failure."""

    name: str
    steps: list[StepRecord] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "seconds": self.seconds, "error": self.error,
                "steps": [asdict(s) for s in self.steps]}


@dataclass
class _Stack:
    """What the read-back checks take (see readback.Stack)."""

    rendered: Rendered
    plan: dict[str, Any]
    state: dict[str, Any]
    moto: dict[str, Any]


def plan_changes(plan: dict[str, Any]) -> dict[str, str]:
    """Managed address -> create/update/replace/delete from `terraform show -json PLAN`."""
    out: dict[str, str] = {}
    for rc in plan.get("resource_changes", []):
        actions = rc["change"]["actions"]
        if rc["mode"] != "managed" or actions in (["no-op"], ["read"]):
            continue
        out[rc["address"]] = "replace" if set(actions) == {"create", "delete"} else actions[0]
    return out


def stateful_destroys(plan: dict[str, Any]) -> list[str]:
    """Deletes/replaces of databases (not read replicas) and buckets in a plan."""
    found = []
    for rc in plan.get("resource_changes", []):
        actions = rc["change"]["actions"]
        if rc["mode"] != "managed" or "delete" not in actions or rc["type"] not in STATEFUL_TYPES:
            continue
        before = rc["change"].get("before") or {}
        if rc["type"] == "aws_db_instance" and before.get("replicate_source_db"):
            continue  # a read replica is a copy of the primary: no data of its own
        found.append(rc["address"])
    return sorted(found)


def kept_going_up(address: str) -> bool:
    """The addresses that must never be replaced or destroyed on a step up."""
    return (
        address.startswith("module.database.aws_db_instance.this")
        or address.startswith("module.database.aws_rds_cluster.")
        or (address.startswith("module.static_site.aws_s3_bucket.")
            and not address.startswith("module.static_site.aws_s3_bucket_"))
        or ".aws_s3_bucket.frontend" in address
        or "aws_route53_record." in address
    )


def check_review(label: str, report: dict[str, Any], record: StepRecord,
                 stateful: list[str]) -> None:
    """The review of `tfgen plan --format json` predicted the plan exactly (else StepFailed).

    Fills the counts of `record`; `stateful` are the plan's stateful destroys, each of
    which must be shown as a risk.
    """
    review = report.get("review")
    if not review or "plan" not in review:
        raise StepFailed(f"{label}: tfgen plan --format json has no checked review: "
                         f"{report.get('review_note')}")
    check = review["plan"]
    noise = check.get("noise") or {}
    record.predicted = int(check.get("predicted", len(review["resources"])))
    record.actual = int(check.get("actual", record.predicted))
    record.missed = [f"{m['action']} {m['address']}" for m in check["missed"]]
    record.unexpected = int(check.get("unexpected", check["not_in_plan"]))
    record.noise = int(noise.get("count", 0))
    wrong = [f"{r['address']}: predicted {r['action']}, {r['plan']}"
             for r in review["resources"] if r.get("plan") not in ("confirmed", None)]
    if record.missed or record.unexpected or check.get("differs"):
        raise StepFailed(f"{label}: the review did not predict the plan exactly: "
                         f"missed {record.missed}; unexpected/differs {wrong}")
    if record.noise and not str(noise.get("sentence", "")).endswith(
            " in a no-op re-plan: emulator read-back, not caused by this step"):
        raise StepFailed(f"{label}: {record.noise} unpredicted changes are not named as "
                         f"emulator read-back by tfgen plan: {noise}")
    risks = {r["subject"] for r in review["risks"]}
    unshown = [a for a in stateful if a not in risks]
    if unshown:
        raise StepFailed(f"{label}: stateful destroys not shown as a risk: {unshown}")


class Ladder:
    """One blueprint walked through the CLI in `workdir` against the moto at `endpoint`."""

    def __init__(self, name: str, data: dict[str, Any], workdir: Path, moto: MotoProcess,
                 tf_binary: Path, tf_env: TerraformEnv, log: Callable[[str], None]) -> None:
        self.name = name
        self.data = dict(data)
        self.workdir = workdir
        self.moto = moto
        self.tf_binary = tf_binary
        self.tf_env = tf_env
        self.log = log
        self.blueprint = workdir / "blueprints" / f"{name}.yaml"
        self.out = workdir / "out" / name
        self.cli_log = workdir / "cli.log"
        self.env = {**tf_env.environ(), "TFGEN_TERRAFORM": str(tf_binary)}
        #: Set after the first `tfgen plan` (its `terraform init` filled the plugin cache,
        #: which is not safe for concurrent first inits).
        self.initialised = threading.Event()

    # ------------------------------------------------------------------ the CLI
    def write_blueprint(self, **changes: Any) -> Path:
        self.data.update(changes)
        self.blueprint.parent.mkdir(parents=True, exist_ok=True)
        self.blueprint.write_text(yaml.safe_dump(self.data, sort_keys=False), encoding="utf-8")
        return self.blueprint

    def tfgen(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`tfgen ARGS --out OUT --emulator URL` as a user types it (cwd: the project)."""
        argv = [str(Path(sys.executable).parent / "tfgen"), *args, "--out", str(self.out),
                "--emulator", self.moto.endpoint]
        done = subprocess.run(argv, cwd=self.workdir, env=self.env, capture_output=True,
                              text=True, timeout=1800, check=False)
        with self.cli_log.open("a", encoding="utf-8") as log:
            log.write(f"\n$ tfgen {' '.join(args)}  -> exit {done.returncode}\n"
                      f"--- stderr\n{done.stderr}\n--- stdout\n{done.stdout[-20000:]}\n")
        return done

    def plan(self, allow: list[str]) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        args = ["plan", str(self.blueprint.relative_to(self.workdir)), "--format", "json"]
        for address in allow:
            args += ["--allow-destroy", address]
        try:
            done = self.tfgen(*args)
        finally:
            self.initialised.set()
        try:
            report = json.loads(done.stdout) if done.stdout.strip() else {}
        except ValueError:
            report = {}
        return done, report

    def saved_plan(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.out / ".tfgen" / "plan" / "show.json").read_text(encoding="utf-8"))
        return data

    def read_back(self, plan: dict[str, Any]) -> _Stack:
        """State (terraform show -json) and moto's view of the stack just applied."""
        rendered = render_blueprint(self.blueprint, out_dir=self.out)
        files = {p.relative_to(self.out).as_posix(): p.read_text(encoding="utf-8")
                 for p in self.out.rglob("*.tf") if ".terraform" not in p.parts}
        env = TerraformEnv(self.tf_env.cli_config_file,
                           {**self.tf_env.extra, **emulator.environment(self.moto.endpoint)})
        with emulator.override(self.out, self.moto.endpoint, files, {}):
            state = Terraform(self.tf_binary, self.out, env, timeout=600).show_json()
        snap = moto_snapshot(self.moto.endpoint, rendered.blueprint.region)
        return _Stack(rendered, plan, state, snap)

    # ------------------------------------------------------------------ one step
    def step(self, label: str, stage: str, **changes: Any) -> StepRecord:
        start = time.monotonic()
        record = StepRecord(label, stage)
        self.write_blueprint(stage=stage, **changes)
        done, report = self.plan([])
        if done.returncode == EXIT_CONSENT:
            # A stateful destroy: refused without consent. Consent to exactly what the
            # saved plan destroys, as a user who read the review would.
            record.refused_without_consent = True
            needed = stateful_destroys(self.saved_plan())
            named = [a for a in needed if a not in done.stderr + done.stdout]
            if not needed or named:
                raise StepFailed(f"{label}: plan refused (exit {EXIT_CONSENT}) but the stateful "
                                 f"destroys {needed} are not all named: {named}\n{done.stderr}")
            refused = self.tfgen("apply", str(self.blueprint.relative_to(self.workdir)),
                                 "--auto-approve")
            if refused.returncode == 0:
                raise StepFailed(f"{label}: tfgen apply applied a plan that destroys {needed} "
                                 "without --allow-destroy")
            record.consented = needed
            done, report = self.plan(needed)
        if done.returncode == EXIT_MISMATCH and report:
            check_review(label, report, record, [])  # raises, naming the addresses
        if done.returncode != 0:
            raise StepFailed(f"{label}: tfgen plan exited {done.returncode}\n"
                             f"{done.stderr[-4000:]}\n{done.stdout[-4000:]}")
        plan = self.saved_plan()
        actual = plan_changes(plan)
        record.replaced = sorted(a for a, act in actual.items() if act == "replace")
        record.destroyed = sorted(a for a, act in actual.items() if act == "delete")
        stateful = stateful_destroys(plan)
        if record.refused_without_consent is None:
            record.refused_without_consent = False
            if stateful:
                raise StepFailed(f"{label}: the plan destroys stateful {stateful} and tfgen "
                                 "plan did not refuse it without --allow-destroy")
        check_review(label, report, record, stateful)
        if "(up)" in label:
            lost = [a for a in record.replaced + record.destroyed if kept_going_up(a)]
            if lost:
                raise StepFailed(f"{label}: going up replaces/destroys what must be kept: {lost}")
        done = self.tfgen("apply", str(self.blueprint.relative_to(self.workdir)),
                          "--auto-approve")
        if done.returncode != 0:
            raise StepFailed(f"{label}: tfgen apply exited {done.returncode}\n"
                             f"{done.stderr[-4000:]}\n{done.stdout[-3000:]}")
        stack = self.read_back(plan)
        self._check_applied(label, stack, actual)
        try:
            check_architecture(stack, protection=bool(self.data.get("deletion_protection",
                                                                   True)))
        except AssertionError as exc:
            raise StepFailed(f"{label}: architecture check of stage {stage} failed: {exc}") \
                from exc
        record.seconds = round(time.monotonic() - start, 1)
        return record

    def _check_applied(self, label: str, stack: _Stack, actual: dict[str, str]) -> None:
        in_state = {r["address"] for r in state_resources(stack.state) if r["mode"] == "managed"}
        absent = sorted(a for a, act in actual.items() if act != "delete" and a not in in_state)
        left = sorted(a for a, act in actual.items() if act == "delete" and a in in_state)
        if absent or left:
            raise StepFailed(f"{label}: the apply was not complete: missing {absent}, "
                             f"not destroyed {left}")

    # ------------------------------------------------------------------ the walk
    def walk(self, walk: Walk, rungs: tuple[str, ...] = LADDER) -> None:
        """Walk `rungs` (up and back down by default), then destroy; records each step."""
        start = time.monotonic()
        try:
            if self.data.get("dns"):
                seed_public_zone(self.moto.endpoint, self.data["dns"]["zone"])
            previous: str | None = None
            for stage in rungs:
                order = [s.value for s in Stage]
                direction = ("up" if previous is None
                             or order.index(stage) > order.index(previous) else "down")
                label = f"{previous or 'nothing'} -> {stage} ({direction})"
                self.log(f"[{self.name}] {label} ...")
                walk.steps.append(self.step(label, stage))
                self.log(f"[{self.name}] {label}: {walk.steps[-1]}")
                previous = stage
            self.destroy(walk)
        except Exception as exc:  # recorded; the test reports it with the table
            walk.error = f"{type(exc).__name__}: {exc}"
        finally:
            walk.seconds = round(time.monotonic() - start, 1)

    def destroy(self, walk: Walk) -> None:
        """Lift protection with a reviewed plan + apply (if on), then `tfgen destroy`."""
        if self.data.get("deletion_protection", True):
            walk.steps.append(self.step("lift deletion protection (aws)", "aws",
                                        deletion_protection=False))
        start = time.monotonic()
        args = ["destroy", str(self.blueprint.relative_to(self.workdir)), "--auto-approve"]
        if "prod" in str(self.data.get("environment", "")):
            args += ["--confirm-environment", str(self.data["environment"])]
        done = self.tfgen(*args)
        if done.returncode != 0:
            raise StepFailed(f"destroy: tfgen destroy exited {done.returncode}\n"
                             f"{done.stderr[-4000:]}")
        walk.steps.append(StepRecord("destroy", "-", seconds=round(time.monotonic() - start, 1)))


def format_table(walks: list[Walk]) -> str:
    """The per-step table the lead quotes."""
    rows = [f"{'ladder':<10} {'step':<34} {'pred':>4} {'act':>4} {'noise':>5} {'miss':>4} "
            f"{'unexp':>5} {'secs':>6}  replaced / destroyed (consent)"]
    for walk in walks:
        for s in walk.steps:
            gone = ", ".join([*(f"-/+ {a}" for a in s.replaced), *(f"- {a}" for a in s.destroyed)])
            consent = f" [allow-destroy: {', '.join(s.consented)}]" if s.consented else ""
            rows.append(f"{walk.name:<10} {s.step:<34} {s.predicted:>4} {s.actual:>4} "
                        f"{s.noise:>5} {len(s.missed):>4} {s.unexpected:>5} {s.seconds:>6}  "
                        f"{gone or '-'}{consent}")
        rows.append(f"{walk.name:<10} {'TOTAL wall time':<34} {'':>4} {'':>4} {'':>5} {'':>4} "
                    f"{'':>5} {walk.seconds:>6}  {'FAILED: ' + walk.error if walk.error else 'ok'}")
    return "\n".join(rows)


__all__ = ["LADDER", "UP", "Ladder", "StepFailed", "StepRecord", "Walk", "format_table",
           "plan_changes", "stateful_destroys"]
