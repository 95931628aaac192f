"""The review of a real plan, without Terraform: synthetic `terraform show -json` documents.

Covers the one plan reader (tfgen.review.plan_json), the exact predicted/actual check with moves,
noise from a no-op re-plan (tfgen.review.plan_review), drift shown with risk labels (issue 10
point 8), and consent for stateful destroys (tfgen.review.consent).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest

from tests.helpers import EXAMPLE
from tfgen.deploy.saved_plan import changes_of
from tfgen.errors import EXIT_CONSENT, EXIT_INVALID, EXIT_MISMATCH, EXIT_OK, InputError
from tfgen.review import consent
from tfgen.review.diff import DiffReport, check_plan, diff_sides, plan_actions
from tfgen.review.diff_report import to_json_data, to_markdown, to_text
from tfgen.review.plan_json import read_plan
from tfgen.review.plan_review import (
    add_unpredicted,
    classify_noise,
    finish,
    noise_sentence,
    plan_outcome,
)

BP = str(EXAMPLE)
DB = "module.database.aws_db_instance.this[0]"
BUCKET = "module.static_site.aws_s3_bucket.this"
ALB = "module.alb.aws_lb.this"


def _rc(address: str, *actions: str, before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None, mode: str = "managed",
        previous: str | None = None) -> dict[str, Any]:
    rtype = address.split("[")[0].split(".")[-2]
    rc: dict[str, Any] = {"address": address, "mode": mode, "type": rtype,
                          "change": {"actions": list(actions), "before": before,
                                     "after": after}}
    if previous:
        rc["previous_address"] = previous
    return rc


def _plan(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"format_version": "1.2", "resource_changes": list(changes)}


def _predicted_plan(report: DiffReport) -> list[dict[str, Any]]:
    """A plan that does exactly what the report predicts."""
    acts = {"add": ["create"], "change": ["update"], "replace": ["delete", "create"],
            "destroy": ["delete"]}
    return [_rc(c.address, *acts[c.action], before={}, after={}) for c in report.resources]


# --- one reader ---------------------------------------------------------------------------

def test_one_reader_serves_the_record_and_the_diff() -> None:
    plan = _plan(_rc(DB, "update"), _rc(BUCKET, "create", "delete"),
                 _rc("data.aws_ami.this", "read", mode="data"), _rc(ALB, "no-op"),
                 _rc("module.web.aws_lb.new", "no-op", previous="module.web.aws_lb.old"),
                 _rc("module.x.aws_s3_bucket.kept", "forget"))
    assert [(c.address, c.action) for c in changes_of(plan)] == [
        (DB, "update"), (BUCKET, "replace"), ("data.aws_ami.this", "read"),
        ("module.x.aws_s3_bucket.kept", "forget")]
    assert plan_actions(plan) == {DB: "change", BUCKET: "replace",
                                  "module.x.aws_s3_bucket.kept": "forget"}
    moved = [c for c in read_plan(plan) if c.action == "move"]
    assert [(c.previous_address, c.address) for c in moved] == [
        ("module.web.aws_lb.old", "module.web.aws_lb.new")]
    with pytest.raises(InputError):
        read_plan({"resource_changes": []})


# --- exact check --------------------------------------------------------------------------

def test_exact_prediction_counts_predicted_and_actual() -> None:
    report = diff_sides(f"{BP}@aws", f"{BP}@multi-az")
    check = check_plan(report, _plan(*_predicted_plan(report)))
    assert check.exact and check.predicted == check.actual == len(report.resources) >= 1
    assert check.confirmed == check.predicted and not check.missed


def test_a_moved_block_confirms_a_predicted_destroy_and_add() -> None:
    report = diff_sides(f"{BP}@aws", f"{BP}@aws")
    from tfgen.review.diff import ResourceChange
    report.resources = [ResourceChange("module.a.aws_lb.old", "aws_lb", "a", "destroy"),
                        ResourceChange("module.a.aws_lb.new", "aws_lb", "a", "add")]
    check = check_plan(report, _plan(_rc("module.a.aws_lb.new", "no-op",
                                         previous="module.a.aws_lb.old")))
    assert check.exact and check.moved == [("module.a.aws_lb.old", "module.a.aws_lb.new")]
    assert [c.plan for c in report.resources] == ["moved to module.a.aws_lb.new", "moved"]


# --- drift: never "no changes" while Terraform plans changes (issue 10 point 8) ----------

def _drift_plan(n: int = 12) -> dict[str, Any]:
    """An unchanged blueprint after an interrupted apply: Terraform plans n updates."""
    changes = [_rc(DB, "update", before={"multi_az": False, "identifier": "db"},
                   after={"multi_az": True, "identifier": "db"})]
    changes += [_rc(f"module.network.aws_route_table_association.private[{i}]", "update",
                    before={"route_table_id": "rtb-old"}, after={"route_table_id": "rtb-new"})
                for i in range(n - 1)]
    return _plan(*changes)


def test_drift_is_shown_with_risk_labels_never_no_changes() -> None:
    report = diff_sides(f"{BP}@multi-az", f"{BP}@multi-az")
    assert not report.changed
    plan = _drift_plan()
    check_plan(report, plan)
    finish(report, read_plan(plan), consent.check(read_plan(plan), ()), lambda: [], "drift")
    text = click.unstyle(to_text(report))
    assert "no changes" not in text.replace("no blueprint changes", "")
    assert "Terraform plans 12 changes the blueprint diff did not predict" in text
    assert f"~ {DB}  (changed in place) [plan: missed]" in text
    assert "multi_az: false → true" in text
    assert "12 missed (predicted 0, planned 12)" in text
    risk = next(r for r in report.risks if r.subject == DB)
    assert risk.kind == "disruption" and "Multi-AZ turns on" in risk.message
    assert "(not predicted by the blueprint diff)" in risk.message
    md = to_markdown(report)
    assert "no changes" not in md.replace("no blueprint changes", "")
    assert "not predicted by the blueprint diff (12)" in md and "Multi-AZ turns on" in md
    data = to_json_data(report)
    assert data["plan"]["actual"] == 12 and len(data["plan"]["missed"]) == 12
    assert data["unpredicted"][0]["plan"] == "missed" and data["plan"]["exact"] is False


def test_diff_with_a_drift_plan_never_says_no_changes(tmp_path: Path) -> None:
    """Issue 10 point 8 through `tfgen diff --plan` (fails before: "no changes")."""
    from click.testing import CliRunner

    from tfgen.cli import main

    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_drift_plan()), encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", f"{BP}@multi-az", f"{BP}@multi-az",
                                       "--plan", str(path)])
    assert result.exit_code == 0, result.output
    assert "no changes: both sides build the same infrastructure" not in result.output
    assert "Terraform plans 12 changes the blueprint diff did not predict" in result.output
    assert f"~ {DB}  (changed in place) [plan: missed]" in result.output
    assert "Multi-AZ turns on" in result.output


# --- noise from a no-op re-plan ----------------------------------------------------------

def test_noise_seen_in_the_noop_replan_is_named_not_missed() -> None:
    report = diff_sides(f"{BP}@aws", f"{BP}@multi-az")
    noisy = [_rc(f"module.alb.aws_lb_listener.l{i}", "update", before={}, after={})
             for i in range(3)]
    plan = _plan(*_predicted_plan(report), *noisy,
                 _rc("module.network.aws_vpc.this", "update", before={}, after={}))
    check = check_plan(report, plan)
    noop = read_plan(_plan(*noisy, _rc("module.network.aws_vpc.this", "delete", "create")))
    finish(report, read_plan(plan), consent.check(read_plan(plan), ()), lambda: noop,
           "emulator read-back")
    # same address with another action in the re-plan is not noise
    assert check.missed == [("module.network.aws_vpc.this", "change")]
    assert [a for a, _ in check.noise] == [f"module.alb.aws_lb_listener.l{i}" for i in range(3)]
    sentence = "3 changes also appear in a no-op re-plan: emulator read-back, not caused by " \
               "this step"
    assert noise_sentence(3, "emulator read-back") == sentence
    assert sentence in click.unstyle(to_text(report)) and sentence in to_markdown(report)
    noise = to_json_data(report)["plan"]["noise"]
    assert noise["count"] == 3 and noise["source"] == "emulator read-back"
    assert noise["sentence"] == sentence
    assert noise_sentence(1, "drift") == ("1 change also appears in a no-op re-plan: drift, "
                                          "not caused by this step")
    # all explained: exact
    classify_noise(check, noop + read_plan(_plan(_rc("module.network.aws_vpc.this",
                                                     "update"))), "drift")
    assert check.exact


def test_a_failed_replan_keeps_the_missed_and_says_why() -> None:
    report = diff_sides(f"{BP}@aws", f"{BP}@aws")
    plan = _plan(_rc("module.network.aws_vpc.this", "update", before={}, after={}))
    check_plan(report, plan)

    def broken() -> list[Any]:
        raise InputError("terraform init failed\nError: no provider")

    finish(report, read_plan(plan), consent.check([], ()), broken, "drift")
    assert report.plan is not None and len(report.plan.missed) == 1
    assert report.plan.noise_note is not None and "Error: no provider" in report.plan.noise_note
    finish(report, read_plan(plan), consent.check([], ()), None, "drift")  # first apply
    assert "nothing was applied through tfgen" in (report.plan.noise_note or "")


# --- consent ------------------------------------------------------------------------------

def _step_down_plan(protected: bool = False) -> list[Any]:
    return read_plan(_plan(
        _rc(BUCKET, "delete", before={"bucket": "site"}),
        _rc(DB, "delete", "create", before={"deletion_protection": protected}),
        _rc("module.database.aws_db_instance.replica[0]", "delete",
            before={"replicate_source_db": "db"}),
        _rc("module.internal_alb.aws_lb.this", "delete",
            before={"enable_deletion_protection": False}),
        _rc("module.database.aws_rds_cluster_instance.this[0]", "delete", before={}),
        _rc("module.cdn.aws_s3_bucket_policy.this", "delete", before={})))


def test_stateful_destroys_are_found_in_the_plan() -> None:
    found = consent.stateful_destroys(_step_down_plan())
    assert [(d.address, d.action) for d in found] == [(DB, "replace"), (BUCKET, "delete")]
    protected_lb = read_plan(_plan(_rc(ALB, "delete",
                                       before={"enable_deletion_protection": True})))
    assert [d.protected for d in consent.stateful_destroys(protected_lb)] == [True]


def test_consent_refuses_without_and_accepts_exactly_the_listed_addresses() -> None:
    changes = _step_down_plan()
    none = consent.check(changes, ())
    assert not none.applicable and none.missing == [DB, BUCKET]
    assert any(f"--allow-destroy '{DB}'" in line for line in consent.explain(none))
    partial = consent.check(changes, (DB,))
    assert not partial.applicable and partial.missing == [BUCKET]
    full = consent.check(changes, (BUCKET, DB))
    assert full.applicable and consent.explain(full) == []
    extra = consent.check(changes, (BUCKET, DB, "module.dns.aws_route53_record.a"))
    assert not extra.applicable and extra.unused == ["module.dns.aws_route53_record.a"]
    assert json.loads(json.dumps(full.to_json()))["applicable"] is True


def test_deletion_protection_cannot_be_consented_away() -> None:
    result = consent.check(_step_down_plan(protected=True), (BUCKET, DB))
    assert not result.applicable and result.protected == [DB]
    message = " ".join(consent.explain(result))
    assert "deletion_protection: false" in message and "Lift protection first" in message


class _Result:
    def __init__(self, review: DiffReport | None, check: consent.ConsentCheck) -> None:
        self.review = review
        self.consent = check


def test_plan_exit_codes() -> None:
    report = diff_sides(f"{BP}@aws", f"{BP}@multi-az")
    check_plan(report, _plan(*_predicted_plan(report)))
    changes = _step_down_plan()
    assert plan_outcome(_Result(report, consent.check([], ()))) == (EXIT_OK, [])
    assert plan_outcome(_Result(report, consent.check(changes, ())))[0] == EXIT_CONSENT
    assert plan_outcome(_Result(report, consent.check(changes, (DB, BUCKET, "x"))))[0] \
        == EXIT_INVALID
    assert plan_outcome(_Result(None, consent.check(_step_down_plan(True), (DB, BUCKET))))[0] \
        == EXIT_CONSENT
    missed = diff_sides(f"{BP}@aws", f"{BP}@aws")
    plan = _plan(_rc(ALB, "update", before={}, after={}))
    check_plan(missed, plan)
    add_unpredicted(missed, read_plan(plan))
    code, problems = plan_outcome(_Result(missed, consent.check([], ())))
    assert code == EXIT_MISMATCH and "1 missed" in problems[0]
    assert f"missed change {ALB}" in problems[0]  # the message names the address


def test_apply_rechecks_consent_from_the_saved_plan(tmp_path: Path) -> None:
    show = tmp_path / "show.json"
    show.write_text(json.dumps(_plan(_rc(BUCKET, "delete", before={}))), encoding="utf-8")
    with pytest.raises(consent.ConsentNeeded, match="--allow-destroy"):
        consent.verify_saved(show, [])
    assert consent.verify_saved(show, [BUCKET]).applicable
    with pytest.raises(consent.ConsentNeeded, match="plan` again"):
        consent.verify_saved(tmp_path / "missing.json", [BUCKET])
