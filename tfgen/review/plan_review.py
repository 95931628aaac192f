"""The review of a real plan: nothing Terraform plans goes unshown, noise is named.

`tfgen plan` checks the blueprint diff's prediction against Terraform's plan
(`tfgen.review.diff.check_plan`). This module finishes that review:

* every plan action the prediction did not have (drift after an interrupted apply, an
  emulator's read-back, a template change) is shown with its arguments and the same risk
  labels as predicted changes (`add_unpredicted`), so the review never says "no changes"
  while Terraform plans some;
* the missed actions that a *no-op re-plan* (the last applied configuration against the
  same state, `tfgen.deploy.replan`) shows as well are not this step's doing: they are moved
  from `missed` to `noise` and labelled with `noise_sentence` (`classify_noise`);
* stateful destroys (`tfgen.review.consent`) become data-loss risks naming the consent needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from tfgen.errors import (
    EXIT_CONSENT,
    EXIT_INVALID,
    EXIT_MISMATCH,
    EXIT_OK,
    TerraformInterrupted,
    TfgenError,
)
from tfgen.project import Rendered
from tfgen.review.consent import ConsentCheck, explain, risk_message
from tfgen.review.diff import (
    KNOWN_AFTER_APPLY,
    ArgChange,
    DiffReport,
    Loaded,
    PlanCheck,
    ResourceChange,
    Side,
    build_report,
    check_plan,
)
from tfgen.review.diff_model import Risk
from tfgen.review.inventory import Resource, inventory
from tfgen.review.plan_json import PlannedChange
from tfgen.review.risks import change_risks


class PlanResultLike(Protocol):
    """What `plan_outcome` reads of tfgen.deploy.workflow.PlanResult (no import cycle)."""

    @property
    def consent(self) -> ConsentCheck | None: ...

    @property
    def review(self) -> DiffReport | None: ...


NOISE_EMULATOR = "emulator read-back"
NOISE_DRIFT = "drift"
#: `ResourceChange.plan` of an unpredicted action no re-plan explains.
MISSED = "missed"


def review(rendered: Rendered, applied: Loaded | None,
           plan_json: dict[str, Any]) -> DiffReport:
    """The blueprint diff review of a plan: applied snapshot -> `rendered`, plan-checked.

    With no snapshot (`applied` None: nothing applied through tfgen yet) the old side is
    an empty environment with the same blueprint: every predicted resource is "to add".
    """
    new = Loaded(Side(rendered.source, str(rendered.path), rendered.context.stage),
                 rendered.source, rendered.blueprint, rendered.context,
                 inventory(rendered.context))
    old = applied
    if old is None:
        label = "nothing applied yet"
        old = Loaded(Side(label, new.side.path, new.side.stage), label, new.blueprint,
                     new.context, {})
    report = build_report(old, new)
    check_plan(report, plan_json)
    return report


def noise_source(emulator: str | None) -> str:
    """What a change seen in the no-op re-plan too is called, given how we planned."""
    return NOISE_EMULATOR if emulator else NOISE_DRIFT


def noise_sentence(count: int, source: str) -> str:
    """The exact sentence of the review (documented in docs/diff.md; tests assert it)."""
    if count == 1:
        return f"1 change also appears in a no-op re-plan: {source}, not caused by this step"
    return (f"{count} changes also appear in a no-op re-plan: {source}, not caused by this "
            "step")


def classify_noise(check: PlanCheck, noise_plan: Iterable[PlannedChange], source: str) -> None:
    """Move the missed actions that the no-op re-plan also has (same action) to noise."""
    seen = {(c.address, c.diff_action) for c in noise_plan
            if c.mode == "managed" and c.action != "move"}
    check.noise = [m for m in check.missed if m in seen]
    check.missed = [m for m in check.missed if m not in seen]
    check.noise_source = source


def _plain(values: dict[str, Any] | None) -> dict[str, Any]:
    """Plan values as inventory-style arguments: nulls dropped (absent, as in tfgen's)."""
    return {k: v for k, v in (values or {}).items() if v is not None}


def _arg_changes(change: PlannedChange) -> list[ArgChange]:
    if change.action not in ("update", "replace") or change.before is None:
        return []
    before, after = change.before, change.after or {}
    forcing = {r.split(".")[0] for r in change.reasons}
    out = []
    for key in sorted(before.keys() | after.keys()):
        old = before.get(key)
        new = after.get(key, KNOWN_AFTER_APPLY)
        if old != new and key != "tags_all":
            out.append(ArgChange(key, old, new, key in forcing))
    return out


def _unpredicted_change(report: DiffReport, planned: PlannedChange,
                        label: str) -> ResourceChange:
    old = report.old.resources.get(planned.address)
    new = report.new.resources.get(planned.address)
    if old is None and planned.before is not None:
        old = Resource(planned.type, planned.module, _plain(planned.before))
    if new is None and planned.after is not None:
        new = Resource(planned.type, planned.module, _plain(planned.after))
    change = ResourceChange(planned.address, planned.type, planned.module,
                            planned.diff_action, _arg_changes(planned), old, new)
    change.plan = label
    return change


def add_unpredicted(report: DiffReport, planned: Iterable[PlannedChange]) -> None:
    """Show every missed and noise action in the report, with its risks, labelled."""
    check = report.plan
    if check is None:
        return
    by_address = {c.address: c for c in planned if c.mode == "managed"}
    labels = {addr: MISSED for addr, _ in check.missed}
    labels.update({addr: f"noise: {check.noise_source}" for addr, _ in check.noise})
    report.unpredicted = [_unpredicted_change(report, by_address[addr], label)
                          for addr, label in sorted(labels.items()) if addr in by_address]
    for change in report.unpredicted:
        why = ("not predicted by the blueprint diff" if change.plan == MISSED
               else f"not predicted; also in the no-op re-plan: {check.noise_source}")
        report.risks.extend(Risk(r.kind, r.subject, f"{r.message} ({why})")
                            for r in change_risks(change))


def add_consent_risks(report: DiffReport, consent: ConsentCheck) -> None:
    """Each stateful destroy as a data-loss risk that says what consent it needs."""
    allowed = set(consent.allowed)
    risks = [Risk("data-loss", d.address, risk_message(d, d.address in allowed))
             for d in consent.destroys]
    report.risks[:0] = risks


def finish(report: DiffReport, planned: list[PlannedChange], consent: ConsentCheck,
           noop_plan: Callable[[], list[PlannedChange]] | None, source: str) -> None:
    """Complete a checked review: consent risks, noise from the no-op re-plan, and
    every unpredicted action shown. `noop_plan` None: there is no applied configuration
    to re-plan (first apply), so nothing can be called noise."""
    check = report.plan
    if check is None:
        return
    add_consent_risks(report, consent)
    if check.missed and noop_plan is None:
        check.noise_note = ("no no-op re-plan: nothing was applied through tfgen here, so "
                            "unpredicted actions cannot be told apart from drift")
    elif check.missed and noop_plan is not None:
        try:
            classify_noise(check, noop_plan(), source)
        except TerraformInterrupted:
            raise  # Ctrl-C: the caller says so
        except (TfgenError, OSError, ValueError, KeyError, TypeError) as exc:
            lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()] or [repr(exc)]
            check.noise_note = (f"the no-op re-plan failed, so no change is called {source}: "
                                + " ".join(lines[-4:]))
    add_unpredicted(report, planned)


def plan_outcome(result: PlanResultLike) -> tuple[int, list[str]]:
    """`tfgen plan`'s exit code and what the user must know, most serious first.

    5 (EXIT_CONSENT) when stateful destroys lack consent or deletion protection is on;
    2 (EXIT_INVALID) when --allow-destroy names something the plan does not destroy;
    4 (EXIT_MISMATCH) when the review missed or mispredicted actions; else 0.
    """
    problems: list[str] = []
    code = EXIT_OK
    consent = result.consent
    if consent is not None and not consent.applicable:
        problems += explain(consent)
        code = EXIT_CONSENT if consent.missing or consent.protected else EXIT_INVALID
    check = result.review.plan if result.review is not None else None
    if check is not None and result.review is not None and not check.exact:
        wrong = [f"missed {act} {addr}" for addr, act in check.missed]
        wrong += [f"{c.plan}: predicted {c.action} {c.address}"
                  for c in result.review.resources
                  if c.plan == "not in plan" or (c.plan or "").startswith("plan says")]
        shown = "; ".join(wrong[:10]) + (f"; … {len(wrong) - 10} more" if len(wrong) > 10
                                         else "")
        problems.append(
            f"the review did not predict Terraform's plan exactly: {len(check.missed)} "
            f"missed, {check.not_in_plan} predicted but not in the plan, {check.differs} "
            f"with another action ({shown}). Read the plan itself before applying.")
        code = code or EXIT_MISMATCH
    return code, problems


def check_json(check: PlanCheck) -> dict[str, Any]:
    """The `plan` object of the review JSON (docs/diff.md)."""
    return {
        "predicted": check.predicted, "actual": check.actual,
        "confirmed": check.confirmed, "differs": check.differs,
        "not_in_plan": check.not_in_plan, "unexpected": check.not_in_plan,
        "missed": [{"address": a, "action": act} for a, act in check.missed],
        "moved": [{"from": a, "to": b} for a, b in check.moved],
        "noise": {"count": len(check.noise), "source": check.noise_source,
                  "sentence": (noise_sentence(len(check.noise), check.noise_source)
                               if check.noise and check.noise_source else None),
                  "changes": [{"address": a, "action": act} for a, act in check.noise],
                  "note": check.noise_note},
        "exact": check.exact,
    }


__all__ = [
    "MISSED",
    "NOISE_DRIFT",
    "NOISE_EMULATOR",
    "add_consent_risks",
    "add_unpredicted",
    "check_json",
    "classify_noise",
    "finish",
    "noise_sentence",
    "noise_source",
]
