"""Which argument changes make Terraform replace a resource: the one table.

For each resource type tfgen renders, the arguments the hashicorp/aws provider (5.x)
marks ForceNew / RequiresReplace, limited to the arguments `tfgen.review.inventory` records.
`terraform providers schema -json` does not expose ForceNew, so the entries come from
the provider's source and documentation; tests/test_forcenew.py checks every entry
through the diff engine and tests/integration/ checks the ones a moto plan can reach.
A type missing here is updated in place whatever changes (CloudFront, for example,
updates distributions, cache policies and origin access controls in place).
"""

from __future__ import annotations

FORCE_NEW: dict[str, frozenset[str]] = {
    "aws_vpc": frozenset({"cidr_block"}),
    "aws_default_security_group": frozenset({"vpc_id"}),
    "aws_subnet": frozenset({"vpc_id", "cidr_block", "availability_zone"}),
    "aws_route_table": frozenset({"vpc_id"}),
    "aws_route": frozenset({"route_table_id", "destination_cidr_block"}),
    "aws_route_table_association": frozenset({"subnet_id"}),
    "aws_eip": frozenset({"domain"}),
    "aws_nat_gateway": frozenset({"allocation_id", "subnet_id", "connectivity_type"}),
    "aws_vpc_endpoint": frozenset({"vpc_id", "service_name", "vpc_endpoint_type"}),
    "aws_security_group": frozenset({"name_prefix", "description", "vpc_id"}),
    "aws_vpc_security_group_ingress_rule": frozenset({"security_group_id"}),
    "aws_vpc_security_group_egress_rule": frozenset({"security_group_id"}),
    "aws_acm_certificate": frozenset({"domain_name", "subject_alternative_names",
                                      "validation_method"}),
    "aws_acm_certificate_validation": frozenset({"certificate_arn",
                                                 "validation_record_fqdns"}),
    "aws_route53_record": frozenset({"name"}),
    "aws_route53_health_check": frozenset({"type", "request_interval"}),
    # hashicorp/terraform-provider-aws internal/service/sns/topic.go (name: ForceNew),
    # sns/topic_subscription.go (endpoint, protocol, topic_arn: ForceNew),
    # cloudwatch/metric_alarm.go (alarm_name: ForceNew); read 2026-12-04.
    "aws_sns_topic": frozenset({"name"}),
    "aws_sns_topic_subscription": frozenset({"topic_arn", "protocol", "endpoint"}),
    "aws_cloudwatch_metric_alarm": frozenset({"alarm_name"}),
    "aws_lb": frozenset({"name", "internal", "load_balancer_type"}),
    "aws_lb_target_group": frozenset({"name_prefix", "port", "protocol", "target_type"}),
    "aws_lb_listener": frozenset({"load_balancer_arn"}),
    "aws_lb_listener_rule": frozenset({"listener_arn"}),
    "aws_iam_role": frozenset({"name", "path"}),
    "aws_iam_role_policy_attachment": frozenset({"role", "policy_arn"}),
    "aws_iam_role_policy": frozenset({"name", "role"}),
    "aws_iam_instance_profile": frozenset({"name"}),
    "aws_launch_template": frozenset({"name"}),
    "aws_autoscaling_group": frozenset({"name"}),
    "aws_autoscaling_policy": frozenset({"name", "autoscaling_group_name"}),
    "aws_db_subnet_group": frozenset({"name"}),
    "aws_db_instance": frozenset({"identifier", "engine", "db_name", "username",
                                  "storage_encrypted"}),
    "aws_rds_cluster": frozenset({"cluster_identifier", "engine", "database_name",
                                  "master_username", "storage_encrypted"}),
    "aws_rds_cluster_instance": frozenset({"identifier", "cluster_identifier", "engine",
                                           "availability_zone", "db_subnet_group_name"}),
    "aws_s3_bucket": frozenset({"bucket"}),
    # Built in (Terraform >= 1.4): any change of triggers_replace replaces it.
    "terraform_data": frozenset({"triggers_replace"}),
    "aws_s3_bucket_ownership_controls": frozenset({"bucket"}),
    "aws_s3_bucket_public_access_block": frozenset({"bucket"}),
    "aws_s3_bucket_versioning": frozenset({"bucket"}),
    "aws_s3_bucket_server_side_encryption_configuration": frozenset({"bucket"}),
    "aws_s3_bucket_website_configuration": frozenset({"bucket"}),
    "aws_s3_bucket_policy": frozenset({"bucket"}),
    "aws_s3_bucket_lifecycle_configuration": frozenset({"bucket"}),
    "aws_cloudwatch_log_group": frozenset({"name"}),
}


def forces_replacement(resource_type: str, argument: str) -> bool:
    """Whether changing `argument` of a `resource_type` replaces the resource."""
    return argument in FORCE_NEW.get(resource_type, frozenset())
