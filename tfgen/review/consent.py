"""Consent for destroying what cannot be re-created from the blueprint.

A step down the ladder (or a force-new change) may delete or replace a database or a
bucket. Terraform plans that like any other change; tfgen refuses to make such a plan
applicable until the user names each of those addresses with `--allow-destroy ADDRESS`,
records the consent in the plan record, and `tfgen apply` checks it again against the
saved plan. What is "stateful" is decided here, in one place (`STATEFUL`), from
Terraform's own plan (`tfgen.review.plan_json`), not from the blueprint diff's prediction: an
unpredicted destroy needs consent just the same.

Deletion protection is a second, stronger lock: AWS itself refuses to delete a
protected database or load balancer, so consent cannot help. A plan that destroys a
protected resource is never applicable; the message says how to lift protection first
(docs/diff.md, "Destroying stateful or protected resources").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tfgen.errors import ConsentNeeded
from tfgen.review.plan_json import PlannedChange, read_plan

#: Resource types whose deletion loses data the blueprint cannot bring back, and what
#: they hold. Not listed, on purpose: `aws_rds_cluster_instance` (Aurora keeps the data
#: in the cluster volume, which only `aws_rds_cluster` owns), read replicas
#: (`aws_db_instance` with `replicate_source_db`: a copy of the primary), load balancers,
#: certificates, DNS records and everything else tfgen re-creates identically from the
#: blueprint. A NAT gateway's Elastic IP is flagged as a risk (its address is released)
#: but holds no data.
STATEFUL: dict[str, str] = {
    "aws_db_instance": "a database instance and its data",
    "aws_rds_cluster": "an Aurora cluster and its data",
    "aws_s3_bucket": "a bucket and every object in it",
}

#: The arguments that mean "AWS refuses to delete this" (RDS and ELBv2 respectively).
PROTECTION_ARGS = ("deletion_protection", "enable_deletion_protection")

_DESTROYING = ("delete", "replace")



@dataclass(frozen=True)
class StatefulDestroy:
    """One delete or replace of something stateful or protected in a plan."""

    address: str
    type: str
    action: str  # delete or replace
    holds: str  # what is lost, in words
    protected: bool  # deletion protection is on: AWS refuses the delete


@dataclass(frozen=True)
class ConsentCheck:
    """The stateful destroys of a plan against the `--allow-destroy` addresses given."""

    destroys: list[StatefulDestroy] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """Destroys nobody consented to."""
        return [d.address for d in self.destroys if d.address not in self.allowed]

    @property
    def unused(self) -> list[str]:
        """`--allow-destroy` addresses the plan does not destroy (a typo, or stale)."""
        planned = {d.address for d in self.destroys}
        return [a for a in self.allowed if a not in planned]

    @property
    def protected(self) -> list[str]:
        """Destroys AWS will refuse because deletion protection is on."""
        return [d.address for d in self.destroys if d.protected]

    @property
    def applicable(self) -> bool:
        """The plan may be applied: every destroy consented, none protected, no typo."""
        return not (self.missing or self.unused or self.protected)

    def to_json(self) -> dict[str, Any]:
        """The `consent` object of `tfgen plan --format json` (docs/diff.md)."""
        return {"stateful_destroys": [asdict(d) for d in self.destroys],
                "allowed": list(self.allowed), "missing": self.missing,
                "unused": self.unused, "protected": self.protected,
                "applicable": self.applicable}


def _protected(change: PlannedChange) -> bool:
    before = change.before or {}
    return any(before.get(arg) is True for arg in PROTECTION_ARGS)


def _is_replica(change: PlannedChange) -> bool:
    return bool((change.before or {}).get("replicate_source_db"))


def stateful_destroys(changes: Iterable[PlannedChange]) -> list[StatefulDestroy]:
    """Every delete or replace of a stateful type, or of anything deletion-protected."""
    out = []
    for change in changes:
        if change.mode != "managed" or change.action not in _DESTROYING:
            continue
        stateful = change.type in STATEFUL and not (
            change.type == "aws_db_instance" and _is_replica(change))
        protected = _protected(change)
        if stateful or protected:
            holds = STATEFUL[change.type] if stateful else "a resource with deletion protection"
            out.append(StatefulDestroy(change.address, change.type, change.action, holds,
                                       protected))
    return sorted(out, key=lambda d: d.address)


def check(changes: Iterable[PlannedChange], allowed: Iterable[str]) -> ConsentCheck:
    """Compare a plan's stateful destroys with the consent given."""
    return ConsentCheck(stateful_destroys(changes), sorted(dict.fromkeys(allowed)))


def explain(result: ConsentCheck) -> list[str]:
    """What the user must do, one paragraph per problem (empty when applicable)."""
    lines = []
    if result.protected:
        lines.append(
            "deletion protection is on for " + ", ".join(result.protected) + ": AWS refuses "
            "to delete it even with --allow-destroy, and the apply would fail part-way. "
            "Lift protection first: set `deletion_protection: false` in the blueprint (at "
            "the current stage), `tfgen plan` + `tfgen apply` that (an in-place update), "
            "then plan this step again with --allow-destroy for each address.")
    missing = [a for a in result.missing if a not in result.protected]
    if missing:
        flags = " ".join(f"--allow-destroy '{a}'" for a in missing)
        lines.append(
            "this plan destroys or replaces stateful resources: "
            + "; ".join(f"{d.address} ({d.action}: {d.holds})" for d in result.destroys
                        if d.address in missing)
            + f". Nothing is lost yet. If that is intended, plan again with {flags}.")
    if result.unused:
        planned = ", ".join(d.address for d in result.destroys) or "nothing stateful"
        lines.append(
            "--allow-destroy names addresses this plan does not destroy or replace: "
            + ", ".join(result.unused) + f" (it destroys: {planned}). Consent must name "
            "exactly the stateful destroys of this plan.")
    return lines


def verify_saved(show_json: Path, allowed: Iterable[str]) -> ConsentCheck:
    """Before an apply: the saved plan's stateful destroys against the recorded consent.

    Recomputed from the plan's JSON (written next to it by `tfgen plan`), not taken from
    the record's verdict; raises ConsentNeeded when the plan must not be applied.
    """
    try:
        plan = json.loads(show_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConsentNeeded(f"{show_json}: cannot read the saved plan's JSON ({exc}), so "
                            "its destroys cannot be checked; run `tfgen plan` again") from None
    result = check(read_plan(plan, strict=False), allowed)
    if not result.applicable:
        raise ConsentNeeded("refusing to apply: " + "\n".join(explain(result))
                            + "\nNothing was applied.")
    return result


def risk_message(destroy: StatefulDestroy, allowed: bool) -> str:
    """The review's risk sentence for one stateful destroy."""
    verb = "replaced" if destroy.action == "replace" else "destroyed"
    if destroy.protected:
        tail = ("deletion protection is on, so AWS refuses: lift it first "
                "(`deletion_protection: false`, plan + apply)")
    elif allowed:
        tail = "consent given with --allow-destroy"
    else:
        tail = f"needs --allow-destroy '{destroy.address}' to be applied"
    return f"{destroy.holds} is {verb}; {tail}"


__all__ = ["PROTECTION_ARGS", "STATEFUL", "ConsentCheck", "ConsentNeeded", "StatefulDestroy",
           "check", "explain", "risk_message", "stateful_destroys", "verify_saved"]
