"""The one reader of `terraform show -json PLANFILE`: what Terraform will do, per address.

Every part of tfgen that looks at a real plan (the plan record, the blueprint diff's
`--plan` check, the review of `tfgen plan`, the consent check for stateful destroys)
reads it here, in Terraform's own vocabulary: `create`, `update`, `replace`, `delete`,
`read` (data sources), `forget` (a `removed` block that keeps the object) and `move` (a
`moved` block with nothing else to do). The blueprint diff speaks add/change/replace/
destroy; `DIFF_ACTION` is the one translation between the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tfgen.errors import InputError

#: Terraform action -> the blueprint diff's word for it (tfgen.review.diff.ACTIONS).
DIFF_ACTION = {"create": "add", "update": "change", "replace": "replace",
               "delete": "destroy", "forget": "forget", "move": "move"}

_ACTIONS = {("create",): "create", ("update",): "update", ("delete",): "delete",
            ("delete", "create"): "replace", ("create", "delete"): "replace",
            ("read",): "read", ("forget",): "forget"}


@dataclass(frozen=True)
class PlannedChange:
    """One resource instance in a plan and what Terraform will do to it."""

    address: str
    type: str
    mode: str  # managed or data
    action: str  # create, update, replace, delete, read, forget, move
    reasons: tuple[str, ...] = ()  # replace_paths: the arguments that force replacement
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    previous_address: str | None = None  # set when a `moved` block renamed it

    @property
    def module(self) -> str:
        """The root-module call the address lives in (`module.NAME....`), or ``root``."""
        return self.address.split(".")[1] if self.address.startswith("module.") else "root"

    @property
    def diff_action(self) -> str:
        """The action in the blueprint diff's vocabulary."""
        return DIFF_ACTION.get(self.action, self.action)


def _action(actions: list[str], moved: bool) -> str | None:
    if actions in (["no-op"], []):
        return "move" if moved else None
    return _ACTIONS.get(tuple(actions), "+".join(actions))


def read_plan(plan: Any, *, strict: bool = True) -> list[PlannedChange]:
    """Every resource change of a plan, no-ops left out (a pure move is kept as `move`).

    `strict` refuses a document that is not `terraform show -json` output (InputError),
    for plans a user hands in; tfgen's own plans are read with `strict=False`.
    """
    if not isinstance(plan, dict) or (strict and "format_version" not in plan):
        raise InputError("not the JSON of `terraform show -json PLANFILE`")
    out = []
    for rc in plan.get("resource_changes") or []:
        change = rc.get("change") or {}
        previous = rc.get("previous_address")
        action = _action(list(change.get("actions") or []), bool(previous))
        if action is None:
            continue
        reasons = tuple(".".join(str(p) for p in path)
                        for path in change.get("replace_paths") or [])
        before, after = change.get("before"), change.get("after")
        out.append(PlannedChange(
            rc["address"], str(rc.get("type", "")), str(rc.get("mode", "managed")), action,
            reasons, before if isinstance(before, dict) else None,
            after if isinstance(after, dict) else None, previous))
    return out


def managed(plan: Any, *, strict: bool = True) -> list[PlannedChange]:
    """Only the managed resources (data-source reads left out)."""
    return [c for c in read_plan(plan, strict=strict) if c.mode == "managed"]


__all__ = ["DIFF_ACTION", "PlannedChange", "managed", "read_plan"]
