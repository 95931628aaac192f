"""The resource inventory mirrors the templates (the address sets are checked against a
real plan in tests/integration/test_inventory_plan.py; these are the fast checks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, example_data, write_blueprint
from tfgen.blueprint.stages import Stage
from tfgen.project import render_blueprint
from tfgen.review.diff import _refs
from tfgen.review.inventory import Ref, address, inventory, plain


def _inv(path: Path = EXAMPLE, stage: Stage | None = None) -> dict[str, object]:
    return dict(inventory(render_blueprint(path, stage=stage).context))


def test_address_format_matches_terraform() -> None:
    assert address("network", "aws_subnet", "public", "ap-northeast-2a") == \
        'module.network.aws_subnet.public["ap-northeast-2a"]'
    assert address("database", "aws_db_instance", "this", 0) == \
        "module.database.aws_db_instance.this[0]"
    assert address("alb", "aws_lb", "this") == "module.alb.aws_lb.this"


@pytest.mark.parametrize("stage", list(Stage), ids=lambda s: s.value)
def test_every_reference_points_at_a_resource_of_the_same_render(stage: Stage) -> None:
    inv = inventory(render_blueprint(EXAMPLE, stage=stage).context)
    for addr, res in inv.items():
        for ref in _refs(list(res.args.values())):
            assert ref.address in inv, f"{addr} refers to missing {ref.address}"
        assert addr.startswith(f"module.{res.module}.{res.type}.")


def test_stage_contents() -> None:
    aws, multi, static, cdn = (_inv(stage=s) for s in Stage)
    assert 'module.network.aws_nat_gateway.this["ap-northeast-2c"]' in aws
    assert "module.web.aws_launch_template.this" in aws
    assert "module.internal_alb.aws_lb.this" in aws
    assert not any(a.startswith("module.static_site.") for a in aws)
    assert set(multi) - set(aws) == {
        'module.database.aws_db_instance.replica["replica-1"]',
        'module.database.aws_cloudwatch_log_group.rds['
        '"/aws/rds/instance/shopping-mall-demo-db-replica-1/error"]'}
    assert set(aws) <= set(multi)
    assert "module.web.aws_launch_template.this" not in static
    assert "module.network.aws_vpc_endpoint.s3[0]" in static
    assert "module.static_site.aws_s3_bucket_policy.this" in static
    assert "module.cdn.aws_cloudfront_distribution.this" in cdn
    assert "module.static_site.aws_s3_bucket_policy.this" in cdn
    assert not any(a.startswith("module.cdn.aws_s3_bucket_policy") for a in cdn)
    assert 'module.security.aws_vpc_security_group_ingress_rule.this["alb-from-cloudfront-443"]' \
        in cdn


def test_single_nat_gateway_and_replicas(tmp_path: Path) -> None:
    data = example_data()
    data["network"]["nat"] = "single"
    data["database"]["read_replicas"] = 2
    path = write_blueprint(tmp_path, data)
    assert not any(".replica[" in a for a in _inv(path, Stage.AWS))  # replicas: multi-az up
    inv = _inv(path, Stage.MULTI_AZ)
    assert [a for a in inv if ".aws_nat_gateway." in a] == [
        'module.network.aws_nat_gateway.this["ap-northeast-2a"]']
    routes = [r for a, r in inv.items() if ".aws_route.private_nat_gateway" in a]  # type: ignore[attr-defined]
    assert {str(r.args["nat_gateway_id"]) for r in routes} == {  # type: ignore[attr-defined]
        'module.network.aws_nat_gateway.this["ap-northeast-2a"].id'}
    assert 'module.database.aws_db_instance.replica["replica-2"]' in inv


def test_aurora_renders_a_cluster_with_a_standby_reader(tmp_path: Path) -> None:
    data = example_data()
    data["database"] = {"engine": "aurora-postgresql", "instance_class": "db.r6g.large"}
    inv = _inv(write_blueprint(tmp_path, data), Stage.MULTI_AZ)
    assert "module.database.aws_rds_cluster.this[0]" in inv
    assert "module.database.aws_rds_cluster_instance.this[0]" in inv
    assert 'module.database.aws_rds_cluster_instance.reader["standby"]' in inv
    assert not any(".aws_db_instance." in a for a in inv)


def test_plain_makes_references_text() -> None:
    assert plain({"a": [Ref("module.x.t.n", "arn")]}) == {"a": ["module.x.t.n.arn"]}
