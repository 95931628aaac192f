"""Defaults that cost money must earn their place (issue 11, point 9; docs/cost-defaults.md):
bounded log retention, bounded noncurrent versions, no export that exports nothing."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import EXAMPLE, REPO, example_data, write_blueprint
from tfgen.blueprint.engines import ENGINES
from tfgen.blueprint.stages import Stage
from tfgen.project import render_blueprint
from tfgen.review.inventory import inventory


def test_rds_log_groups_are_created_with_a_retention_before_the_database() -> None:
    rendered = render_blueprint(EXAMPLE, stage=Stage.MULTI_AZ)
    inv = inventory(rendered.context)
    groups = {r.args["name"]: r.args["retention_in_days"] for r in inv.values()
              if r.type == "aws_cloudwatch_log_group"}
    # The primary and the read replica each export their error log.
    assert groups == {"/aws/rds/instance/shopping-mall-demo-db/error": 365,
                      "/aws/rds/instance/shopping-mall-demo-db-replica-1/error": 365}
    main = rendered.files["modules/database/main.tf"]
    assert main.count("depends_on = [aws_cloudwatch_log_group.rds]") == 3
    logs = rendered.files["modules/database/logs.tf"]
    assert "retention_in_days = var.log_retention_days" in logs
    assert '"/aws/rds/instance/${var.name}"' in logs and '"/aws/rds/cluster/${var.name}"' in logs


def test_aurora_log_groups_are_the_clusters(tmp_path: Path) -> None:
    data = example_data()
    data["database"] = {"engine": "aurora-postgresql", "instance_class": "db.r6g.large"}
    inv = inventory(render_blueprint(write_blueprint(tmp_path, data)).context)
    names = sorted(r.args["name"] for r in inv.values() if r.type == "aws_cloudwatch_log_group")
    assert names == ["/aws/rds/cluster/shopping-mall-demo-db/postgresql"]


def test_no_mysql_family_engine_exports_the_slow_query_log() -> None:
    # slow_query_log is off without a custom parameter group: the export would be empty.
    for name, facts in ENGINES.items():
        assert "slowquery" not in facts.log_exports, name


def test_noncurrent_versions_expire() -> None:
    rendered = render_blueprint(EXAMPLE, stage=Stage.STATIC_WEB)
    site = rendered.files["modules/static_site/main.tf"]
    assert 'resource "aws_s3_bucket_lifecycle_configuration" "this"' in site
    assert "noncurrent_days = var.noncurrent_version_days" in site
    assert "days_after_initiation = 7" in site
    assert "module.static_site.aws_s3_bucket_lifecycle_configuration.this" in inventory(
        rendered.context)


def test_cost_table_names_every_default_with_a_date_and_a_source() -> None:
    text = (REPO / "docs" / "cost-defaults.md").read_text(encoding="utf-8")
    for topic in ("Detailed monitoring", "Route 53 health check", "log groups",
                  "Noncurrent", "slowquery", "gateway endpoint", "origin secret"):
        assert topic in text, topic
    assert "Prices as of" in text and "https://aws.amazon.com/" in text


def test_route53_health_check_is_opt_in(tmp_path: Path) -> None:
    inv = inventory(render_blueprint(EXAMPLE).context)
    assert not any(r.type == "aws_route53_health_check" for r in inv.values())
    assert not any(r.module == "health_alarm" for r in inv.values())
    data = example_data()
    data["dns"]["health_check"] = True
    inv = inventory(render_blueprint(write_blueprint(tmp_path, data)).context)
    assert [r.type for r in inv.values()].count("aws_route53_health_check") == 1
    # Issue 11 point 9: never again a check that nothing watches.
    assert "module.health_alarm.aws_cloudwatch_metric_alarm.this" in inv
