"""`tfgen diff`: every stage step both ways, the anchor cases, formats, exit codes, git."""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from tests.helpers import EXAMPLE, REPO, example_data, write_blueprint
from tfgen.blueprint.stages import Stage
from tfgen.cli import main
from tfgen.errors import InputError
from tfgen.review.diff import DiffReport, check_plan, diff_sides, parse_side
from tfgen.review.diff_report import MARKDOWN_LIMIT, to_json_data, to_markdown, to_text

BP = str(EXAMPLE)
DB = "module.database.aws_db_instance.this[0]"
REPLICA = 'module.database.aws_db_instance.replica["replica-1"]'
REPLICA_LOGS = ('module.database.aws_cloudwatch_log_group.rds['
                '"/aws/rds/instance/shopping-mall-demo-db-replica-1/error"]')


def _diff(old: str, new: str) -> DiffReport:
    return diff_sides(f"{BP}@{old}", f"{BP}@{new}")


def _actions(report: DiffReport) -> dict[str, str]:
    return {c.address: c.action for c in report.resources}


def _risks(report: DiffReport, kind: str) -> list[str]:
    return [f"{r.subject}: {r.message}" for r in report.risks if r.kind == kind]


def _run(*args: str) -> Any:
    return CliRunner().invoke(main, ["diff", *args])


# --- every stage step and its reverse ------------------------------------------------------

def test_aws_to_multi_az_changes_the_database_in_place_with_a_standby_note() -> None:
    report = _diff("aws", "multi-az")
    # The example asks for one read replica: replicas arrive with stage multi-az too.
    assert _actions(report) == {DB: "change", REPLICA: "add", REPLICA_LOGS: "add"}
    [db] = [r for r in report.resources if r.address == DB]
    assert [(c.name, c.old, c.new) for c in db.changes] == [("multi_az", False, True)]
    [note] = _risks(report, "disruption")
    assert "standby" in note and "reconnect" in note and "minutes" in note
    assert _risks(report, "data-loss") == []
    assert [(s.from_stage, s.to_stage) for s in report.narrative] == [("aws", "multi-az")]
    assert "Multi-AZ keeps a synchronous standby" in report.narrative[0].text
    assert report.counts() == {"add": 2, "change": 1, "replace": 0, "destroy": 0}


def test_multi_az_to_aws_removes_the_standby() -> None:
    report = _diff("multi-az", "aws")
    assert _actions(report) == {DB: "change", REPLICA: "destroy", REPLICA_LOGS: "destroy"}
    assert any("standby is removed" in r for r in _risks(report, "disruption"))
    assert "single database instance" in report.narrative[0].text


def test_multi_az_to_static_web_retires_the_web_tier_and_opens_the_bucket() -> None:
    report = _diff("multi-az", "static-web")
    acts = _actions(report)
    for gone in ("module.web.aws_autoscaling_group.this", "module.web.aws_launch_template.this",
                 "module.internal_alb.aws_lb.this",
                 'module.security.aws_security_group.this["web"]'):
        assert acts[gone] == "destroy"
    for new in ("module.static_site.aws_s3_bucket.this", "module.network.aws_vpc_endpoint.s3[0]",
                "module.static_site.aws_s3_bucket_policy.this"):
        assert acts[new] == "add"
    assert acts["module.app.aws_autoscaling_group.this"] == "change"
    assert acts["module.alb.aws_lb_target_group.this"] == "replace"  # port 80 -> 8080
    exposure = _risks(report, "exposure")
    assert any("becomes public" in r for r in exposure)
    chain = _risks(report, "security-chain")
    assert any("app tier now admits the public ALB on port 8080" in r for r in chain)
    assert any("web tier security group is removed" in r for r in chain)
    assert any("tier is retired" in r for r in _risks(report, "disruption"))
    assert "gateway VPC endpoint instead of the NAT gateway" in report.narrative[0].text


def test_static_web_to_multi_az_brings_the_web_tier_back() -> None:
    report = _diff("static-web", "multi-az")
    acts = _actions(report)
    assert acts["module.web.aws_launch_template.this"] == "add"
    assert acts["module.internal_alb.aws_lb.this"] == "add"
    assert acts["module.static_site.aws_s3_bucket.this"] == "destroy"
    assert acts["module.network.aws_vpc_endpoint.s3[0]"] == "destroy"
    assert any("shopping-mall-demo-frontend-apne2" in r for r in _risks(report, "data-loss"))
    assert any("app tier now admits the internal ALB" in r
               for r in _risks(report, "security-chain"))
    assert "web tier" in report.narrative[0].text


def test_static_web_to_cdn_makes_the_bucket_private_and_the_alb_cloudfront_only() -> None:
    report = _diff("static-web", "cdn")
    acts = _actions(report)
    assert acts["module.cdn.aws_cloudfront_distribution.this"] == "add"
    assert acts["module.static_site.aws_s3_bucket_policy.this"] == "change"  # one owner
    assert acts["module.static_site.aws_s3_bucket_public_access_block.this"] == "change"
    assert acts['module.security.aws_vpc_security_group_ingress_rule.this'
                '["alb-from-internet-ipv4-80"]'] == "destroy"
    exposure = _risks(report, "exposure")
    assert any("becomes private" in r for r in exposure)
    assert any("admits only CloudFront" in r for r in exposure)
    assert any("closes port 443 of the public ALB" in r for r in exposure)
    route53 = [r for r in _risks(report, "disruption") if r.startswith("module.dns.")]
    assert route53 and all("now points at CloudFront (was: the public ALB)" in r
                           for r in route53)
    assert any("public ALB now admits CloudFront on port 443" in r
               for r in _risks(report, "security-chain"))


def test_cdn_to_static_web_reopens_the_alb_and_the_bucket() -> None:
    report = _diff("cdn", "static-web")
    exposure = _risks(report, "exposure")
    assert any("becomes public" in r for r in exposure)
    assert any("admits the whole internet again" in r for r in exposure)
    assert any("opens port 80 of the public ALB" in r for r in exposure)
    assert _actions(report)["module.cdn.aws_cloudfront_distribution.this"] == "destroy"
    assert "CloudFront is removed" in report.narrative[0].text


def test_two_steps_tell_both_stories() -> None:
    report = _diff("aws", "static-web")
    assert [(s.from_stage, s.to_stage) for s in report.narrative] == [
        ("aws", "multi-az"), ("multi-az", "static-web")]


# --- anchors -------------------------------------------------------------------------------

def test_no_op_diff_says_no_changes_and_exits_0() -> None:
    result = _run(BP, BP, "--exit-code")
    assert result.exit_code == 0, result.output
    assert "no changes" in result.output
    assert "no changes" in _run(BP, BP, "--format", "markdown").output
    assert json.loads(_run(BP, BP, "--format", "json").output)["changed"] is False


def test_changes_exit_3_with_exit_code_and_0_without() -> None:
    assert _run(f"{BP}@aws", f"{BP}@multi-az", "--exit-code").exit_code == 3
    assert _run(f"{BP}@aws", f"{BP}@multi-az").exit_code == 0


def test_renamed_bucket_is_a_replacement_with_data_loss(tmp_path: Path) -> None:
    data = example_data()
    old = write_blueprint(tmp_path, data, "old.yaml")
    data["frontend"]["bucket_name"] = "shopping-mall-demo-frontend-v2"
    new = write_blueprint(tmp_path, data, "new.yaml")
    report = diff_sides(str(old), str(new))
    acts = _actions(report)
    assert acts["module.static_site.aws_s3_bucket.this"] == "replace"
    assert acts["module.static_site.aws_s3_bucket_versioning.this"] == "replace"
    assert acts["module.static_site.aws_s3_bucket_policy.this"] == "replace"
    assert acts["module.cdn.aws_cloudfront_distribution.this"] == "change"
    [loss] = _risks(report, "data-loss")
    assert "shopping-mall-demo-frontend-apne2" in loss and "replaced" in loss
    assert [(c.path, c.new) for c in report.blueprint_changes] == [
        ("frontend.bucket_name", "shopping-mall-demo-frontend-v2")]


def test_changed_instance_type_updates_the_launch_template_with_instance_refresh(
        tmp_path: Path) -> None:
    data = example_data()
    old = write_blueprint(tmp_path, data, "old.yaml")
    data["app"]["instance_type"] = "t3.large"
    new = write_blueprint(tmp_path, data, "new.yaml")
    report = diff_sides(str(old), str(new))
    assert _actions(report) == {"module.app.aws_launch_template.this": "change",
                                "module.app.aws_autoscaling_group.this": "change"}
    asg = next(c for c in report.resources if c.address.endswith("autoscaling_group.this"))
    assert [(c.name, c.via) for c in asg.changes] == [
        ("launch_template_version", "module.app.aws_launch_template.this")]
    [note] = _risks(report, "disruption")
    assert "instance refresh" in note and "instance_type" in note
    assert "t3.medium" in to_text(report) and "t3.large" in to_text(report)


def test_vpc_cidr_change_replaces_the_network_through_references(tmp_path: Path) -> None:
    data = example_data()
    old = write_blueprint(tmp_path, data, "old.yaml")
    data["network"]["vpc_cidr"] = "10.1.0.0/16"
    new = write_blueprint(tmp_path, data, "new.yaml")
    acts = _actions(diff_sides(f"{old}@aws", f"{new}@aws"))
    assert acts["module.network.aws_vpc.this"] == "replace"
    assert acts['module.network.aws_subnet.public["ap-northeast-2a"]'] == "replace"
    assert acts['module.security.aws_security_group.this["alb"]'] == "replace"  # vpc_id
    assert acts["module.alb.aws_lb.this"] == "change"  # security_groups, in place


def test_engine_change_replaces_the_database_with_data_loss(tmp_path: Path) -> None:
    data = example_data()
    old = write_blueprint(tmp_path, data, "old.yaml")
    data["database"].update(engine="postgres", engine_version="16")
    new = write_blueprint(tmp_path, data, "new.yaml")
    report = diff_sides(str(old), str(new))
    assert _actions(report)[DB] == "replace"
    assert any(r.startswith(DB) for r in _risks(report, "data-loss"))


# --- formats -------------------------------------------------------------------------------

def test_text_order_and_no_colour_when_not_a_terminal() -> None:
    out = _run(f"{BP}@static-web", f"{BP}@cdn").output
    heads = ["Summary:", "Blueprint changes", "Infrastructure changes", "Risks",
             "Monthly cost (estimate)", "Stage narrative"]
    positions = [out.index(h) for h in heads]
    assert positions == sorted(positions)
    assert "\x1b[" not in out


def test_markdown_summary_first_and_details_collapsed() -> None:
    md = to_markdown(_diff("multi-az", "static-web"))
    assert md.startswith("### tfgen diff:")
    assert md.index("to destroy**") < md.index("<details>")
    # blueprint, infrastructure, risks, cost, narrative, architecture pictures
    assert md.count("<details") == md.count("</details>") == 6
    assert len(md) < MARKDOWN_LIMIT


def test_markdown_truncates_whole_tables_with_a_note() -> None:
    report = _diff("aws", "cdn")
    md = to_markdown(report, limit=3500)
    assert len(md) <= 3500
    assert "Truncated to stay under 3,500 characters" in md
    for table in md.split("\n\n"):
        lines = [ln for ln in table.splitlines() if ln.startswith("|")]
        if lines:  # every table that is shown is whole: header, rule, and >= 1 row
            assert lines[1].startswith("|---") and len(lines) >= 3
    assert md.count("<details") == md.count("</details>")


def test_json_is_versioned_and_complete() -> None:
    data = json.loads(_run(f"{BP}@aws", f"{BP}@multi-az", "--format", "json").output)
    assert data["version"] == 1
    assert data["summary"]["change"] == 1
    assert data["summary"]["modules"] == {
        "database": {"add": 2, "change": 1, "replace": 0, "destroy": 0}}
    [db] = [r for r in data["resources"] if r["address"] == DB]
    assert db["changes"][0] == {
        "argument": "multi_az", "old": False, "new": True, "forces_replacement": False,
        "via": None}
    assert {r["kind"] for r in data["risks"]} == {"disruption"}
    assert data["old"]["stage"] == "aws" and data["new"]["stage"] == "multi-az"
    assert to_json_data(_diff("aws", "multi-az")) == data


# --- sides, git, errors --------------------------------------------------------------------

def test_parse_side_forms() -> None:
    assert parse_side(f"{BP}@cdn").stage is Stage.CDN
    side = parse_side("main:blueprints/shopping-mall.yaml@4")
    assert (side.revision, side.path, side.stage) == (
        "main", "blueprints/shopping-mall.yaml", Stage.STATIC_WEB)
    assert parse_side(BP).revision is None
    with pytest.raises(InputError):
        parse_side(":x.yaml")


def test_invalid_input_exits_2(tmp_path: Path) -> None:
    assert _run(str(tmp_path / "missing.yaml"), BP).exit_code == 2
    bad = write_blueprint(tmp_path, {"name": "Bad Name"}, "bad.yaml")
    result = _run(str(bad), BP)
    assert result.exit_code == 2
    assert "bad.yaml" in result.output


@pytest.mark.skipif(shutil.which("git") is None
                    and os.environ.get("TFGEN_REQUIRE_INTEGRATION") != "1",
                    reason="GIT REVISION TESTS SKIPPED: git is not installed")
def test_git_revision_side(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    data = example_data()
    data["app"]["user_data"] = "app.sh"
    path = write_blueprint(tmp_path, data, "mall.yaml")
    (path.parent / "app.sh").write_text("#!/bin/sh\necho v1\n", encoding="utf-8")
    git("init", "-q", "-b", "main")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "one")
    (path.parent / "app.sh").write_text("#!/bin/sh\necho v2\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "blueprints")  # REV:PATH is relative to the repo root
    report = diff_sides("main:blueprints/mall.yaml", str(path))
    lt = next(c for c in report.resources if c.address == "module.app.aws_launch_template.this")
    assert [c.name for c in lt.changes] == ["user_data"]  # the script came from main too
    assert _run("main:blueprints/mall.yaml", "main:blueprints/mall.yaml",
                "--exit-code").exit_code == 0
    missing = _run("nope:blueprints/mall.yaml", str(path))
    assert missing.exit_code == 2 and "not a git revision" in missing.output
    assert _run("main:blueprints/other.yaml", str(path)).exit_code == 2


@pytest.mark.skipif(shutil.which("git") is None
                    and os.environ.get("TFGEN_REQUIRE_INTEGRATION") != "1",
                    reason="GIT REVISION TESTS SKIPPED: git is not installed")
def test_an_overlay_at_a_revision_reads_its_base_from_that_revision(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, the overlay alone was validated: "required field 'name' is missing".
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                       cwd=tmp_path, check=True, capture_output=True)

    base = write_blueprint(tmp_path, example_data(), "mall.yaml")
    (base.parent / "envs").mkdir()
    dev = write_blueprint(tmp_path, "extends: ../mall.yaml\nenvironment: dev\n", "envs/dev.yaml")
    evil = write_blueprint(tmp_path, "extends: ../../../../etc/hostname\n", "evil.yaml")
    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-qm", "one")
    data = example_data()
    data["database"]["instance_class"] = "db.r6g.large"
    base.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = _run("main:blueprints/envs/dev.yaml", str(dev))
    assert result.exit_code == 0, result.output
    assert "instance_class" in result.output  # the base's change, seen through the overlay
    assert _run("main:blueprints/envs/dev.yaml", "main:blueprints/envs/dev.yaml",
                "--exit-code").exit_code == 0
    refused = _run("main:blueprints/evil.yaml", str(dev))
    assert refused.exit_code == 2 and "inside the repository" in refused.output
    assert evil.exists()


def test_plan_marks_confirmed_missed_and_not_in_plan(tmp_path: Path) -> None:
    report = _diff("static-web", "cdn")
    actions = _actions(report)
    dist = "module.cdn.aws_cloudfront_distribution.this"
    plan = {"format_version": "1.2", "resource_changes": [
        {"address": dist, "mode": "managed", "change": {"actions": ["create"]}},
        {"address": "module.dns.aws_route53_record.a", "mode": "managed",
         "change": {"actions": ["delete", "create"]}},
        {"address": "module.network.aws_vpc.this", "mode": "managed",
         "change": {"actions": ["update"]}},
        {"address": "data.aws_route53_zone.this", "mode": "data",
         "change": {"actions": ["read"]}},
    ]}
    check = check_plan(report, plan)
    marks = {c.address: c.plan for c in report.resources}
    assert marks[dist] == "confirmed"
    assert marks["module.dns.aws_route53_record.a"] == "plan says replace"
    assert check.missed == [("module.network.aws_vpc.this", "change")]
    assert check.not_in_plan == len(actions) - 2
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    out = _run(f"{BP}@static-web", f"{BP}@cdn", "--plan", str(path)).output
    assert "[plan: confirmed]" in out and "missed: ~ module.network.aws_vpc.this" in out
    path.write_text("{}", encoding="utf-8")
    assert _run(f"{BP}@static-web", f"{BP}@cdn", "--plan", str(path)).exit_code == 2


# --- committed examples --------------------------------------------------------------------

def test_committed_markdown_examples_are_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    script = REPO / "docs" / "diff-examples" / "generate.py"
    examples = runpy.run_path(str(script))["examples"]()
    assert len(examples) == 6
    for name, text in examples.items():
        committed = (script.parent / name).read_text(encoding="utf-8")
        assert committed == text, f"docs/diff-examples/{name} is stale: run {script}"
