"""The `variables {}` of each child module's `tests/<module>.tftest.hcl`, decided here.

A child module test plans the module alone with a mocked AWS provider, so it needs every
input the root module would pass. They come from the same render context as the root
module: the blueprint's values where the root passes them (`var.database.*` ...), and
well-formed stand-ins (`vpc-...`, `subnet-...`, zone IDs) where the root passes another
module's output, which does not exist in an isolated test. The templates only place the
block; which values a test runs with is decided here, once.
"""

from __future__ import annotations

from typing import Any

from tfgen.render import hcl
from tfgen.render.context import RenderContext
from tfgen.render.module_facts import TARGET_GROUP_PREFIX

#: Stand-ins for IDs and ARNs another module would provide; shaped as the modules'
#: `validation` blocks require (vpc-/subnet-/sg- hex, Route 53 zone IDs, us-east-1 ACM).
VPC_ID = "vpc-0123456789abcdef0"
SG_ID = "sg-0123456789abcdef0"
ZONE_ID = "Z0123456789ABCDEFGHIJ"
ACCOUNT = "123456789012"
CERT_ARN = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000"
CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"  # CloudFront's alias zone, the same in every account
#: Route 53 assigns health check IDs, "up to 64 characters long" (Route 53 API Reference,
#: GetHealthCheck, https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHealthCheck.html).
HEALTH_CHECK_ID = "abcdef11-2222-3333-4444-555555fedcba"


def _subnets(count: int, kind: int) -> list[str]:
    return [f"subnet-0{kind}{n:015x}" for n in range(count)]


def module_test_inputs(ctx: RenderContext) -> dict[str, dict[str, Any]]:
    """module name -> input name -> value, for every module of this render."""
    v, f = ctx.values, ctx.features
    name = f"{v['name']}-{v['environment']}"
    azs = v["network"]["azs"]
    count = len(azs)
    app, db = v["app_tier"], v["database"]
    front_tier = v["web_tier"] if f.web_tier else app
    record = v["dns"]["record_name"] if f.dns else None
    inputs: dict[str, dict[str, Any]] = {
        "network": {
            "name": name, "region": v["region"], "vpc_cidr": v["network"]["vpc_cidr"],
            "azs": azs, "single_nat_gateway": v["network"]["single_nat_gateway"],
            "create_s3_endpoint": f.s3_endpoint,
        },
        "security": {
            "name": name, "vpc_id": VPC_ID, "web_tier_enabled": f.web_tier,
            "restrict_alb_to_cloudfront": f.cdn,
            "alb_listener_ports": [80, 443] if f.https else [80], "internal_alb_port": 80,
            "web_port": v["web_tier"]["port"] if f.web_tier else None,
            "app_port": app["port"], "db_port": db["port"],
        },
        "load_balancer": {
            "name": f"{name}-alb", "internal": False, "vpc_id": VPC_ID,
            "subnet_ids": _subnets(count, 1), "security_group_ids": [SG_ID],
            "listener_port": 80, "https_enabled": f.https,
            "certificate_arn": CERT_ARN if f.https else None,
            "target_port": front_tier["port"], "health_check_path": front_tier["health_check_path"],
            "deletion_protection": v["deletion_protection"],
            "target_group_name_prefix": TARGET_GROUP_PREFIX["alb"],
            "origin_verify_enabled": f.cdn,
            "origin_verify_header": {"name": "X-Origin-Verify", "value": "test-secret"}
            if f.cdn else None,
        },
        "tier": {
            "name": f"{name}-app", "subnet_ids": _subnets(count, 2),
            "security_group_ids": [SG_ID], "target_group_arns": [
                f"arn:aws:elasticloadbalancing:{v['region']}:{ACCOUNT}:targetgroup/app/0123456789abcdef"],
            "instance_type": app["instance_type"], "ami_ssm_parameter": app["ami_ssm_parameter"],
            "ami_id": app["ami_id"], "user_data": None, "role": "app", "port": app["port"],
            "health_check_path": app["health_check_path"], "min_size": app["min_size"],
            "max_size": app["max_size"], "desired_capacity": app["desired_capacity"],
            "cpu_target": app["cpu_target"], "root_volume_size": app["root_volume_size"],
        },
        "database": {
            "name": f"{name}-db", **db, "deletion_protection": v["deletion_protection"],
            "subnet_ids": _subnets(count, 3), "security_group_ids": [SG_ID],
            "availability_zones": sorted(azs),
        },
    }
    if f.static_site:
        inputs["static_site"] = {
            **v["frontend"], "public_website": f.public_website,
            "cloudfront_distribution_arn":
                f"arn:aws:cloudfront::{ACCOUNT}:distribution/E0123456789ABC" if f.cdn else None,
        }
    if f.cdn:
        inputs["cdn"] = {
            "name": name, "bucket_id": v["frontend"]["bucket_name"],
            "bucket_regional_domain_name":
                f"{v['frontend']['bucket_name']}.s3.{v['region']}.amazonaws.com",
            "alb_domain_name": f"origin.{record}" if record
            else f"{name}-alb-123456789.{v['region']}.elb.amazonaws.com",
            "alb_origin_protocol_policy": "https-only" if f.https else "http-only",
            **v["cdn"], "index_document": v["frontend"]["index_document"],
            "error_document": v["frontend"]["error_document"],
            "aliases": [record] if record else [], "certificate_arn": CERT_ARN if record else None,
        }
    if f.dns:
        inputs["certificate"] = {
            "domain_name": record, "subject_alternative_names": [f"origin.{record}"],
            "zone_id": ZONE_ID,
        }
        inputs["dns"] = {
            "zone_id": ZONE_ID, "record_name": record,
            "create_health_check": v["dns"]["create_health_check"],
            "health_check_path": v["dns"]["health_check_path"],
            "create_ipv6_record": f.cdn, "evaluate_target_health": not f.cdn,
            "alias_target": {"dns_name": "d111111abcdef8.cloudfront.net",
                             "zone_id": CLOUDFRONT_ZONE_ID} if f.cdn else
            {"dns_name": f"{name}-alb-123456789.{v['region']}.elb.amazonaws.com",
             "zone_id": ZONE_ID},
            "origin_record_name": f"origin.{record}" if f.cdn else None,
            "origin_alias_target": {
                "dns_name": f"{name}-alb-123456789.{v['region']}.elb.amazonaws.com",
                "zone_id": ZONE_ID} if f.cdn else None,
        }
    if f.dns and v["dns"]["create_health_check"]:
        # The root passes module.dns.health_check_id and the blueprint's email (or null).
        inputs["health_alarm"] = {
            "name": name, "health_check_id": HEALTH_CHECK_ID, "record_name": record,
            "alarm_email": v["dns"]["alarm_email"],
        }
    return {m: inputs[m] for m in ctx.modules if m in inputs}


def variables_blocks(ctx: RenderContext) -> dict[str, str]:
    """module name -> its test file's `variables { ... }` block, laid out as `fmt` does."""
    return {module: "variables " + hcl.literal(values, 0)
            for module, values in module_test_inputs(ctx).items()}
