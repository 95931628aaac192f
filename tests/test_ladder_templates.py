"""The templates let one state walk the stage ladder up and back (issue 9): each test
reads the rendered Terraform (parsed with python-hcl2) or the review of a stage step,
and names the defect it guards against."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests.helpers import EXAMPLE, example_data, write_blueprint
from tfgen.blueprint.stages import Stage
from tfgen.project import render_blueprint
from tfgen.review.diff import DiffReport, diff_sides
from tfgen.review.inventory import inventory

BP = "blueprints/shopping-mall.yaml"
STEPS = [(a, b) for a, b in zip(list(Stage), list(Stage)[1:], strict=False)]
BOTH_WAYS = [*STEPS, *[(b, a) for a, b in STEPS]]


@cache
def _files(stage: Stage) -> dict[str, str]:
    return render_blueprint(EXAMPLE, stage=stage).files


def _hcl(stage: Stage, relpath: str) -> dict[str, Any]:
    parsed: dict[str, Any] = hcl2.loads(_files(stage)[relpath])
    return parsed


def _blocks(parsed: dict[str, Any], kind: str) -> dict[str, Any]:
    """`module`/`variable` blocks by name, or `resource`/`data` blocks by "type.name"."""
    out: dict[str, Any] = {}
    for block in parsed.get(kind, []):
        for name, body in block.items():
            if kind in ("resource", "data"):
                for label, inner in body.items():
                    out[f"{name.strip(chr(34))}.{label.strip(chr(34))}"] = inner
            else:
                out[name.strip('"')] = body
    return out


@cache
def _step(old: Stage, new: Stage) -> DiffReport:
    return diff_sides(f"{BP}@{old.value}", f"{BP}@{new.value}")


def _actions(report: DiffReport) -> dict[str, str]:
    return {c.address: c.action for c in report.resources}


# a. Deletion protection: the internal ALB (retired by multi-az -> static-web) has none.

def test_internal_alb_has_no_deletion_protection_and_the_public_alb_keeps_it() -> None:
    modules = _blocks(_hcl(Stage.MULTI_AZ, "main.tf"), "module")
    assert modules["internal_alb"]["deletion_protection"] is False
    assert modules["alb"]["deletion_protection"] == "${var.deletion_protection}"
    inv = inventory(render_blueprint(EXAMPLE, stage=Stage.MULTI_AZ).context)
    assert inv["module.internal_alb.aws_lb.this"].args["enable_deletion_protection"] is False
    assert inv["module.alb.aws_lb.this"].args["enable_deletion_protection"] is True


def test_retiring_the_internal_alb_is_not_blocked_by_deletion_protection() -> None:
    report = _step(Stage.MULTI_AZ, Stage.STATIC_WEB)
    assert _actions(report)["module.internal_alb.aws_lb.this"] == "destroy"
    assert not any("Deletion protection is on" in r.message for r in report.risks)


# b. ACM validation records: one record, one owner.

def test_the_cdn_certificate_creates_no_validation_record_and_waits_on_the_owner() -> None:
    modules = _blocks(_hcl(Stage.CDN, "main.tf"), "module")
    cdn_cert = modules["cdn_certificate"]
    assert cdn_cert["create_validation_records"] is False
    assert cdn_cert["validation_record_fqdns"] == \
        "${module.alb_certificate.domain_validation_fqdns}"
    inv = inventory(render_blueprint(EXAMPLE, stage=Stage.CDN).context)
    assert not [a for a in inv if a.startswith("module.cdn_certificate.aws_route53_record")]
    # The owner's records cover every name of the non-owner (ACM: same CNAME per name).
    owner = {inv[a].args["name"] for a in inv
             if a.startswith("module.alb_certificate.aws_route53_record.validation")}
    waits_on = inv["module.cdn_certificate.aws_acm_certificate_validation.this"].args
    assert set(waits_on["validation_record_fqdns"]) <= owner
    cdn_names = inv["module.cdn_certificate.aws_acm_certificate.this"].args
    assert {f"_validation.{n}" for n in [cdn_names["domain_name"],
                                         *cdn_names["subject_alternative_names"]]} <= owner


@pytest.mark.parametrize(("old", "new"), BOTH_WAYS, ids=lambda s: s.value)
def test_no_step_destroys_or_replaces_a_validation_record_or_the_alb_certificate(
        old: Stage, new: Stage) -> None:
    touched = {a: act for a, act in _actions(_step(old, new)).items()
               if ("aws_route53_record.validation" in a or a.startswith("module.alb_certificate"))
               and act != "change"}
    assert touched == {}


# c. One bucket policy per bucket, one owner, same address at static-web and cdn.

def test_the_bucket_has_one_policy_at_one_address_in_both_stages() -> None:
    for stage in (Stage.STATIC_WEB, Stage.CDN):
        inv = inventory(render_blueprint(EXAMPLE, stage=stage).context)
        assert [a for a, r in inv.items() if r.type == "aws_s3_bucket_policy"] == \
            ["module.static_site.aws_s3_bucket_policy.this"]
    assert "aws_s3_bucket_policy" not in _files(Stage.CDN)["modules/cdn/main.tf"]
    step = _actions(_step(Stage.STATIC_WEB, Stage.CDN))
    assert step["module.static_site.aws_s3_bucket_policy.this"] == "change"
    assert _actions(_step(Stage.CDN, Stage.STATIC_WEB))[
        "module.static_site.aws_s3_bucket_policy.this"] == "change"


def test_the_bucket_policy_waits_for_the_public_access_block() -> None:
    resources = _blocks(_hcl(Stage.CDN, "modules/static_site/main.tf"), "resource")
    policy = resources["aws_s3_bucket_policy.this"]
    assert "${aws_s3_bucket_public_access_block.this}" in policy["depends_on"]
    assert resources["aws_s3_bucket_public_access_block.this"]["block_public_policy"] == \
        "${!var.public_website}"
    modules = _blocks(_hcl(Stage.CDN, "main.tf"), "module")
    assert modules["static_site"]["public_website"] is False
    assert modules["static_site"]["cloudfront_distribution_arn"] == \
        "${module.cdn.distribution_arn}"
    assert _blocks(_hcl(Stage.STATIC_WEB, "main.tf"), "module")["static_site"][
        "public_website"] is True


# d. Multi-AZ does not wait for the maintenance window.

def test_the_database_applies_changes_immediately_by_default() -> None:
    resources = _blocks(_hcl(Stage.MULTI_AZ, "modules/database/main.tf"), "resource")
    for key in ("aws_db_instance.this", "aws_db_instance.replica", "aws_rds_cluster.this",
                "aws_rds_cluster_instance.this", "aws_rds_cluster_instance.reader"):
        assert resources[key]["apply_immediately"] == "${var.apply_immediately}", key
    database = _blocks(_hcl(Stage.MULTI_AZ, "main.tf"), "module")["database"]
    assert database["apply_immediately"] == "${var.database.apply_immediately}"
    defaults = _blocks(_hcl(Stage.MULTI_AZ, "variables.tf"), "variable")["database"]
    assert defaults["default"]["apply_immediately"] is True
    risks = [r.message for r in _step(Stage.AWS, Stage.MULTI_AZ).risks]
    assert any("Multi-AZ turns on now (apply_immediately)" in m for m in risks)


# e. The final snapshot name is unique per database life and stable during it.

def test_the_final_snapshot_name_is_fixed_at_creation_and_new_per_database() -> None:
    parsed = _hcl(Stage.AWS, "modules/database/main.tf")
    suffix = _blocks(parsed, "resource")["terraform_data.final_snapshot_suffix"]
    assert "plantimestamp()" in suffix["input"]
    assert suffix["lifecycle"][0]["ignore_changes"] == ["input"]
    assert "${var.name}" in str(suffix["triggers_replace"])
    locals_ = {k: v for block in parsed["locals"] for k, v in block.items()}
    assert "terraform_data.final_snapshot_suffix.output" in \
        locals_["final_snapshot_identifier"]
    assert locals_["final_snapshot_identifier"] != "${var.name}-final"


# f. The target group can be created before the old one is destroyed, whatever forces it.

def test_target_groups_use_a_generated_name() -> None:
    resources = _blocks(_hcl(Stage.AWS, "modules/load_balancer/main.tf"), "resource")
    group = resources["aws_lb_target_group.this"]
    assert "name" not in group
    assert group["name_prefix"] == "${var.target_group_name_prefix}"
    assert group["lifecycle"][0]["create_before_destroy"] is True
    for name, module in _blocks(_hcl(Stage.AWS, "main.tf"), "module").items():
        if module["source"] == "./modules/load_balancer":
            assert 1 <= len(module["target_group_name_prefix"]) <= 6, name


def test_replacing_the_database_gives_it_a_new_final_snapshot_suffix(tmp_path: Path) -> None:
    data = example_data()
    old = write_blueprint(tmp_path, data, "old.yaml")
    data["database"].update(engine="postgres", engine_version="16")
    report = diff_sides(str(old), str(write_blueprint(tmp_path, data, "new.yaml")))
    acts = _actions(report)
    assert acts["module.database.aws_db_instance.this[0]"] == "replace"
    assert acts["module.database.terraform_data.final_snapshot_suffix"] == "replace"
    [loss] = [r.message for r in report.risks if r.kind == "data-loss"
              and r.subject == "module.database.aws_db_instance.this[0]"]
    assert "final snapshot shopping-mall-demo-db-final-<time it was created>" in loss


def test_read_replicas_are_not_protected_so_multi_az_to_aws_can_retire_them() -> None:
    """The prod ladder's multi-az -> aws step destroys the replicas; AWS refuses to delete
    a protected instance, so a protected replica would make the step impossible."""
    inv = inventory(render_blueprint(EXAMPLE, stage=Stage.MULTI_AZ).context)
    replicas = [a for a in inv if a.startswith("module.database.aws_db_instance.replica")]
    assert replicas, "the example has read replicas at multi-az"
    assert all(inv[a].args["deletion_protection"] is False for a in replicas)
    assert inv["module.database.aws_db_instance.this[0]"].args["deletion_protection"] is True
    text = _files(Stage.MULTI_AZ)["modules/database/main.tf"]
    assert "deletion_protection        = false # a copy of the protected primary" in text
