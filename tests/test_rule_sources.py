"""One source per rule: every module `validation` block is accounted for by the model.

Each `validation {}` block in templates/**/variables.tf.j2 is listed below with where
its value comes from: a blueprint field (the model must enforce the same rule; the
offline plan property test, tests/integration/test_plan_agrees.py, proves it at the
edges of the field's range), or a value tfgen or AWS decides (an ID, an ARN, a fixed
literal: no blueprint can break it). A new block, or a block whose variable disappears,
fails here, so a rule cannot be added to a module without deciding how the model
covers it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from pydantic import BaseModel

from tfgen.blueprint.model import Blueprint

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

#: (module, variable) -> (number of validation blocks, blueprint fields it derives from,
#: or "" when tfgen/AWS decides the value). Field paths are checked to exist.
SOURCES: dict[tuple[str, str], tuple[int, str]] = {
    ("cdn", "alb_domain_name"): (1, ""), ("cdn", "alb_origin_protocol_policy"): (1, ""),
    ("cdn", "aliases"): (1, "dns.zone dns.record"),
    ("cdn", "api_path_pattern"): (1, "cdn.api_path"),
    ("cdn", "bucket_id"): (1, "frontend.bucket_name"),
    ("cdn", "bucket_regional_domain_name"): (1, ""), ("cdn", "certificate_arn"): (1, ""),
    ("cdn", "name"): (1, "name environment"), ("cdn", "price_class"): (1, "cdn.price_class"),
    ("cdn", "static_default_ttl"): (1, "cdn.static_ttl"),
    ("certificate", "domain_name"): (1, "dns.zone dns.record"),
    ("certificate", "subject_alternative_names"): (2, "dns.zone dns.record"),
    ("certificate", "zone_id"): (1, ""),
    ("database", "allocated_storage"): (1, "database.allocated_storage"),
    ("database", "availability_zones"): (1, "availability_zones"),
    ("database", "backup_retention_period"): (1, "database.backup_retention_days"),
    ("database", "db_name"): (1, "database.db_name"),
    ("database", "enabled_cloudwatch_logs_exports"): (1, ""),
    ("database", "engine"): (1, "database.engine"),
    ("database", "engine_version"): (1, "database.engine_version"),
    ("database", "instance_class"): (1, "database.instance_class"),
    ("database", "master_username"): (1, "database.username"),
    ("database", "max_allocated_storage"): (1, "database.max_allocated_storage"),
    ("database", "name"): (1, "name environment"), ("database", "port"): (1, ""),
    ("database", "read_replica_count"): (1, "database.read_replicas"),
    ("database", "security_group_ids"): (1, ""), ("database", "subnet_ids"): (2, ""),
    ("dns", "alias_target"): (1, ""), ("dns", "health_check_path"): (1, "dns.health_check_path"),
    ("dns", "origin_alias_target"): (1, ""),
    ("health_alarm", "alarm_email"): (1, "dns.alarm_email"),
    ("dns", "origin_record_name"): (1, "dns.zone dns.record"),
    ("dns", "record_name"): (1, "dns.zone dns.record"), ("dns", "zone_id"): (1, ""),
    ("load_balancer", "certificate_arn"): (1, ""),
    ("load_balancer", "health_check_path"): (1, "web.health_check_path app.health_check_path"),
    ("load_balancer", "listener_port"): (1, ""),
    ("load_balancer", "name"): (2, "name environment"),
    ("load_balancer", "security_group_ids"): (1, ""), ("load_balancer", "subnet_ids"): (2, ""),
    ("load_balancer", "target_group_name_prefix"): (1, ""),
    # E1 (issue 11): decided by tfgen from the engine, or passed from a blueprint field.
    ("database", "engine_lifecycle_support"): (1, ""),
    ("database", "license_model"): (1, ""),
    ("database", "iam_db_user"): (1, "database.app_user"),
    ("tier", "role"): (1, ""),
    ("tier", "port"): (1, "web.port app.port"),
    ("tier", "health_check_path"): (1, "web.health_check_path app.health_check_path"),
    ("load_balancer", "target_port"): (1, "web.port app.port"),
    ("load_balancer", "vpc_id"): (1, ""),
    ("network", "azs"): (5, "availability_zones network.vpc_cidr network.subnets "
                            "network.subnet_prefix_length"),
    ("network", "name"): (1, "name environment"), ("network", "region"): (1, "region"),
    ("network", "vpc_cidr"): (3, "network.vpc_cidr"),
    ("root", "cdn"): (1, "cdn.price_class"),
    ("root", "database"): (2, "database.engine database.backup_retention_days"),
    ("root", "dns"): (1, "dns.zone dns.record"), ("root", "environment"): (1, "environment"),
    ("root", "frontend"): (1, "frontend.bucket_name name environment"),
    ("root", "name"): (1, "name"),
    ("root", "network"): (2, "availability_zones network.subnets"),
    ("root", "region"): (1, "region"),
    ("root", "{{ tier }}"): (2, "web.min_size web.max_size web.desired_capacity web.ami "
                                "app.min_size app.max_size app.desired_capacity app.ami"),
    ("security", "alb_listener_ports"): (2, ""), ("security", "app_port"): (1, "app.port"),
    ("security", "db_port"): (1, ""), ("security", "internal_alb_port"): (1, ""),
    ("security", "name"): (1, "name environment"), ("security", "vpc_id"): (1, ""),
    ("security", "web_port"): (1, "web.port"),
    ("static_site", "bucket_name"): (1, "frontend.bucket_name name environment"),
    # E2 (issue 11): CloudFront's documents, origin verification, retention settings.
    ("cdn", "error_document"): (1, "frontend.error_document"),
    ("cdn", "index_document"): (1, "frontend.index_document"),
    ("cdn", "origin_verify_header_name"): (1, ""),
    ("database", "log_retention_days"): (1, ""),
    ("static_site", "noncurrent_version_days"): (1, ""),
    ("static_site", "error_document"): (1, "frontend.error_document"),
    ("static_site", "index_document"): (1, "frontend.index_document"),
    ("tier", "ami_id"): (1, "web.ami app.ami"),
    ("tier", "ami_ssm_parameter"): (1, "web.ami app.ami"),
    ("tier", "cpu_target"): (1, "web.cpu_target app.cpu_target"),
    ("tier", "desired_capacity"): (1, "web.desired_capacity app.desired_capacity"),
    ("tier", "health_check_grace_period"): (1, ""),
    ("tier", "instance_type"): (1, "web.instance_type app.instance_type"),
    ("tier", "max_size"): (1, "web.max_size app.max_size"),
    ("tier", "min_size"): (1, "web.min_size app.min_size"),
    ("tier", "name"): (1, "name environment"),
    ("tier", "root_volume_size"): (1, "web.root_volume_size app.root_volume_size"),
    ("tier", "security_group_ids"): (1, ""), ("tier", "subnet_ids"): (2, ""),
    ("tier", "target_group_arns"): (1, ""),
    ("tier", "user_data"): (1, "web.user_data app.user_data"),
}


def _blocks() -> Counter[tuple[str, str]]:
    """(module, variable) -> number of validation blocks, read from the templates."""
    found: Counter[tuple[str, str]] = Counter()
    for path in sorted(TEMPLATES.glob("*/**/variables.tf.j2")):
        module = path.parent.name
        variable = ""
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r'^variable "([^"]+)"', line)
            if match:
                variable = match.group(1)
            elif re.match(r"^\s*validation \{", line):
                found[(module, variable)] += 1
    return found


def _field_exists(dotted: str) -> bool:
    model: type[BaseModel] = Blueprint
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return False
        if i < len(parts) - 1:
            args = [a for a in getattr(field.annotation, "__args__", (field.annotation,))
                    if isinstance(a, type) and issubclass(a, BaseModel)]
            if not args:
                return False
            model = args[0]
    return True


def test_every_validation_block_is_accounted_for() -> None:
    found = _blocks()
    assert sum(found.values()) >= 90
    listed = {key: count for key, (count, _) in SOURCES.items()}
    assert dict(found) == listed, (
        "a module validation block was added or removed: say in SOURCES which blueprint "
        "field it derives from, and make the model enforce the same rule")


def test_every_named_field_exists_in_the_model() -> None:
    for key, (_, fields) in SOURCES.items():
        for field in fields.split():
            assert _field_exists(field), f"{key}: no blueprint field {field}"
