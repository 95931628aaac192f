"""The diff report's model: the sides, what changes, the risks, the plan check.

Apart from tfgen.review.diff (which builds a report) and tfgen.review.risks (which reads one), so
that the two need not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tfgen.blueprint.model import Blueprint
from tfgen.blueprint.stages import Stage
from tfgen.render.context import RenderContext
from tfgen.review.inventory import Inventory, Resource
from tfgen.review.narrative import Narrative

#: Actions in the order the report lists them.
ACTIONS = ("add", "change", "replace", "destroy")


@dataclass(frozen=True)
class Side:
    """One side of a diff as the user wrote it: `PATH`, `PATH@STAGE` or `REV:PATH`."""

    text: str
    path: str
    stage: Stage | None = None
    revision: str | None = None


@dataclass(frozen=True)
class Loaded:
    """A side loaded, validated and reduced to its resources."""

    side: Side
    label: str
    blueprint: Blueprint
    context: RenderContext
    resources: Inventory


@dataclass(frozen=True)
class Risk:
    """One consequence worth a reviewer's attention."""

    kind: str
    subject: str
    message: str


@dataclass(frozen=True)
class ArgChange:
    """One argument of a resource, before and after; `via` names a replaced referent."""

    name: str
    old: Any
    new: Any
    forces_replacement: bool
    via: str | None = None


@dataclass
class ResourceChange:
    """What happens to one resource address."""

    address: str
    type: str
    module: str
    action: str
    changes: list[ArgChange] = field(default_factory=list)
    old: Resource | None = None
    new: Resource | None = None
    plan: str | None = None


@dataclass(frozen=True)
class BlueprintChange:
    """A blueprint field (dotted path) whose value differs."""

    path: str
    old: Any
    new: Any


@dataclass
class PlanCheck:
    """How a real `terraform plan` compares with the prediction.

    `missed` are plan actions nobody predicted; `noise` are the ones among them that a
    no-op re-plan (the last applied configuration against the same state) shows too, so
    this step did not cause them (`noise_source`: "emulator read-back" or "drift").
    `unexpected` (= not_in_plan) are predictions Terraform does not plan.
    """

    confirmed: int = 0
    differs: int = 0
    not_in_plan: int = 0
    missed: list[tuple[str, str]] = field(default_factory=list)
    predicted: int = 0
    actual: int = 0
    moved: list[tuple[str, str]] = field(default_factory=list)  # (from, to) by `moved`
    noise: list[tuple[str, str]] = field(default_factory=list)
    noise_source: str | None = None
    #: Why no re-plan could classify the missed actions (None when it ran or was not needed).
    noise_note: str | None = None

    @property
    def exact(self) -> bool:
        """Every plan action predicted or named as noise, every prediction in the plan."""
        return not (self.missed or self.differs or self.not_in_plan)


@dataclass
class DiffReport:
    """Everything `tfgen diff` reports, before formatting."""

    old: Loaded
    new: Loaded
    blueprint_changes: list[BlueprintChange]
    resources: list[ResourceChange]
    risks: list[Risk]
    narrative: list[Narrative]
    plan: PlanCheck | None = None
    #: Plan actions the prediction did not have (missed and noise), built from the plan
    #: by tfgen.review.plan_review so the review shows them with their arguments and risks.
    unpredicted: list[ResourceChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.blueprint_changes or self.resources)

    def counts(self) -> dict[str, int]:
        return {a: sum(1 for r in self.resources if r.action == a) for a in ACTIONS}

    def module_counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in self.resources:
            out.setdefault(r.module, dict.fromkeys(ACTIONS, 0))[r.action] += 1
        return dict(sorted(out.items()))
