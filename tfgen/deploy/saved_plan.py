"""The saved plan in out/.tfgen/plan: what it was made from, and whether it still holds.

Split from tfgen/deploy/workflow.py. `plan` writes a record (PlanRecord) next to Terraform's
saved plan; `apply` runs it only while out/ is exactly what was planned: no hand edits,
the same fingerprint of the rendered files, nothing newer than the plan. This module
answers those questions; it runs nothing and never prints.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfgen.errors import OutputConflict, StalePlan
from tfgen.outdir.outguard import check_state_dirs
from tfgen.outdir.output import read_manifest
from tfgen.outdir.output_plan import drift
from tfgen.outdir.override_file import OVERRIDE_FILE
from tfgen.outdir.tree_files import NOT_REGULAR, on_disk
from tfgen.review.plan_json import read_plan

PLAN_DIR = ".tfgen/plan"
PLAN_FILE = "tfplan"
RECORD_FILE = "plan.json"
SHOW_FILE = "show.json"


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
    #: Consent (tfgen.review.consent): the `--allow-destroy` addresses, the stateful destroys
    #: found in the plan, and whether `apply` may run it.
    allowed_destroys: list[str] = field(default_factory=list)
    stateful_destroys: list[dict[str, Any]] = field(default_factory=list)
    applicable: bool = True

    def change_list(self) -> list[Change]:
        """The recorded changes as objects."""
        return [Change(c["address"], c["action"], tuple(c.get("reasons", ())))
                for c in self.changes]


def fingerprint(out_dir: Path) -> str:
    """sha256 over the manifest: which generated files, with which content hashes."""
    files = read_manifest(out_dir)
    text = json.dumps(files, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hand_edits(out_dir: Path) -> list[str]:
    """Generated files changed on disk since tfgen wrote them, and .tf files it never wrote."""
    manifest = read_manifest(out_dir)
    found = drift(out_dir)  # the same check (and the same safe reads) as `tfgen render`
    for tf in sorted([*out_dir.glob("*.tf"), *out_dir.glob("*.tf.json"),
                      *out_dir.glob("modules/*/*.tf")]):
        relpath = tf.relative_to(out_dir).as_posix()
        if tf.name == OVERRIDE_FILE:
            found.append(f"{relpath} (leftover emulator override from an interrupted "
                         "--emulator run; `tfgen plan` removes it)")
        elif relpath not in manifest:
            found.append(f"{relpath} (not written by tfgen)")
    return found


def plan_paths(out_dir: Path) -> tuple[Path, Path]:
    """Where the saved plan and its record are."""
    folder = out_dir / PLAN_DIR
    return folder / PLAN_FILE, folder / RECORD_FILE


def read_record(out_dir: Path) -> PlanRecord | None:
    """The record of the saved plan in `out_dir`, if there is one."""
    check_state_dirs(out_dir)  # `.tfgen` or `.tfgen/plan` a link or a file: said, not a crash
    _, record_path = plan_paths(out_dir)
    text = on_disk(record_path)  # never through a link, never blocked by a FIFO
    if text is None:
        return None
    try:
        if text == NOT_REGULAR:
            raise ValueError("not a regular file")
        return PlanRecord(**json.loads(text))
    except (ValueError, TypeError) as exc:
        raise StalePlan(f"{record_path}: unreadable plan record ({exc}); run `tfgen plan` "
                        "again") from None


def changes_of(plan_json: dict[str, Any]) -> list[Change]:
    """Resource changes of `terraform show -json PLAN`, no-ops (and pure moves) left out."""
    return [Change(c.address, c.action, c.reasons)
            for c in read_plan(plan_json, strict=False) if c.action != "move"]


def check_saved_plan(out_dir: Path) -> tuple[Path, PlanRecord]:
    """The saved plan, if it still describes out/ exactly; else StalePlan/OutputConflict."""
    plan_file, _ = plan_paths(out_dir)
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

