"""The blueprint reference (docs/blueprint-reference.md), generated from the model.

Defaults are read from the pydantic models themselves, so the documentation cannot
drift from the code; a test regenerates it and compares.
"""

from __future__ import annotations

import enum
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from tfgen.blueprint.model import Blueprint

#: One line per field: what it means and what tfgen does with it.
DESCRIPTIONS: dict[str, str] = {
    "name": "Service name; prefixes every AWS resource name. Lowercase letters, digits, "
    "hyphens. `name-environment` must fit in 22 characters.",
    "environment": "Environment name (prod, staging, dev …); part of every resource name.",
    "stage": "Target stage: `aws`, `multi-az`, `static-web`, `cdn` (or 2–5). "
    "`tfgen stages` explains each.",
    "region": "AWS region (the article's is Seoul); one of the dated table in "
    "tfgen/blueprint/regions.py.",
    "availability_zones": "AZs to spread over, at least two, all in `region`. Default: two "
    "AZs of `region` (the default shown is Seoul's). Explicit names: no data-source "
    "lookups, so output is deterministic.",
    "tags": "Extra tags on every resource (Project, Environment, ManagedBy are added).",
    "deletion_protection": "Protect the public load balancer and the database from "
    "deletion (turn off for throw-away environments). The internal load balancer and read "
    "replicas are never protected: they hold no data of their own and stage steps retire "
    "them.",
    "network.vpc_cidr": "VPC CIDR block, /16 to /24. AWS allows down to /28; /24 is tfgen's "
    "floor: three subnets per AZ in two AZs, each at least the /27 a load balancer needs.",
    "network.nat": "`per-az`: a NAT gateway in every AZ, each AZ's private subnets route "
    "through their own (an AZ failure cuts no one off). `single`: one NAT for all (cheap "
    "dev environments).",
    "network.subnet_prefix_length": "Size of derived subnets. Public subnet of the i-th AZ "
    "= `cidrsubnet(vpc_cidr, newbits, i)`, app = block `16 + i`, data = block `32 + i` "
    "(the stride is a quarter of the blocks when there are fewer than 64).",
    "network.subnets": "Explicit subnets instead: `{AZ: {public, app, data}}`; must lie "
    "inside the VPC and not overlap.",
    "web.enabled": "Whether the web tier exists. Default: yes below `static-web`, no from "
    "`static-web` up (the front end moves to S3) unless `frontend.keep_web_tier`.",
    "app.enabled": "Always on (`false` is an error): the database admits only the app tier, "
    "and from `static-web` the public ALB forwards to it.",
    "web.instance_type": "EC2 instance type.",
    "web.ami": "`ssm:<public parameter>` (default: latest Amazon Linux 2023) or an AMI ID.",
    "web.min_size": "Auto Scaling minimum.",
    "web.max_size": "Auto Scaling maximum.",
    "web.desired_capacity": "Initial size (min ≤ desired ≤ max); scaling owns it afterwards.",
    "web.port": "Port the instances listen on.",
    "web.cpu_target": "Target-tracking scaling on average CPU, in percent.",
    "web.health_check_path": "Load balancer health check path.",
    "web.user_data": "Path (relative to the blueprint) of a user-data script, at most 12 KiB "
    "(16,384 characters in base64: the tier module's limit); copied to `files/` next to the "
    "rendered module.",
    "web.root_volume_size": "Encrypted gp3 root volume size, GiB.",
    "database.engine": "One of the article's engines: mysql, mariadb, postgres, oracle-se2, "
    "oracle-ee, sqlserver-ex/-web/-se/-ee, aurora-mysql, aurora-postgresql.",
    "database.engine_version": "Engine version; default per engine (mysql 8.4, mariadb "
    "11.8, postgres 17, oracle 19, sqlserver 16.00, aurora-mysql 8.0.mysql_aurora.3.10.3, "
    "aurora-postgresql 17.7). A major past RDS end of standard support is refused "
    "(calendar in tfgen/blueprint/engines.py).",
    "database.app_user": "Database user the app tier may connect as with IAM database "
    "authentication (`rds-db:connect`, MySQL/MariaDB/PostgreSQL/Aurora); create it in "
    "the database yourself.",
    "database.instance_class": "DB instance class; Aurora accepts only db.r*, db.x2g and "
    "db.t3/t4g medium/large.",
    "database.allocated_storage": "Initial storage, GiB (not used by Aurora).",
    "database.max_allocated_storage": "Storage autoscaling ceiling, GiB; larger than "
    "allocated_storage.",
    "database.backup_retention_days": "Automated backup retention, 1–35 days.",
    "database.multi_az": "Synchronous standby in another AZ. Forced on from `multi-az` up; "
    "`false` there is an error.",
    "database.apply_immediately": "Apply database changes now, not in the next maintenance "
    "window: turning Multi-AZ on (no outage) takes effect in the same apply, but so does a "
    "restart for a new instance class or engine version (a failover with Multi-AZ).",
    "database.read_replicas": "Asynchronous read replicas for read load (not a failover "
    "target), 0–5; rendered from `multi-az` up (the article's step 3).",
    "database.db_name": "Initial database name (not for SQL Server; Oracle ≤ 8 characters; "
    "not a word the engine reserves, e.g. `order` in MySQL, `user` in PostgreSQL).",
    "database.username": "Master user name. The password is generated and rotated by RDS in "
    "Secrets Manager — never in a file or the state.",
    "frontend.bucket_name": "S3 bucket for the front end (from `static-web`). Default: "
    "`<name>-<environment>-frontend`; bucket names are global, so set your own.",
    "frontend.index_document": "Index document of the static site.",
    "frontend.error_document": "Error document of the static site.",
    "frontend.keep_web_tier": "Keep the web tier at `static-web` and above.",
    "cdn.price_class": "CloudFront price class (PriceClass_All, _200, _100).",
    "cdn.static_ttl": "Default TTL of static content at the edge, seconds.",
    "cdn.api_path": "Path pattern CloudFront forwards to the ALB uncached.",
    "extends": "Path (relative to this file, inside the project) of a base blueprint this "
    "one overlays; see docs/environments.md for the merge rules.",
    "network": "VPC, subnets and NAT.",
    "web": "The web tier (launch template + Auto Scaling group behind the public ALB).",
    "app": "The app tier (behind the internal ALB, or the public ALB from `static-web`).",
    "database": "The RDS database (or Aurora cluster).",
    "frontend": "The S3 static site (from `static-web`).",
    "cdn": "CloudFront (at `cdn`).",
    "backend": "Optional S3 remote state (encrypted, S3-native locking); without it, local "
    "state. See docs/environments.md.",
    "backend.bucket": "State bucket (create it with `tfgen bootstrap-state`).",
    "backend.key": "State object key; default `<name>/<environment>/terraform.tfstate`.",
    "backend.region": "Region of the state bucket; default the blueprint's region.",
    "backend.encrypt": "Server-side encryption of the state object.",
    "backend.use_lockfile": "S3-native state locking (Terraform >= 1.10).",
    "backend.dynamodb_table": "Legacy DynamoDB lock table, only if you ask for it.",
    "backend.kms_key_id": "KMS key for state encryption (default: SSE-S3).",
    "dns": "Optional. With it: Route 53 records, ACM certificates validated in Route 53, "
    "HTTPS on the ALB (and CloudFront), a health check.",
    "dns.zone": "Public hosted zone name (looked up by name).",
    "dns.record": "Record name inside the zone (`shop` → shop.example.com; empty for the "
    "apex).",
    "dns.health_check": "Create a Route 53 HTTPS health check of the record, with a "
    "CloudWatch alarm on its `HealthCheckStatus` and an SNS topic for the alarm (both in "
    "us-east-1, where Route 53 publishes the metric; output `health_alarm_topic_arn`). Off by "
    "default: about $1.60 a month (docs/cost-defaults.md).",
    "dns.alarm_email": "Email address subscribed to the alarm's topic (AWS mails a "
    "confirmation link first); needs `health_check: true`.",
    "dns.health_check_path": "Path the health check requests.",
}


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    args = [a for a in get_args(annotation) if a is not type(None)]
    if annotation is None:
        return "null"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "stage"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return "mapping"
    if str(origin).endswith("Literal"):
        return " \\| ".join(f"`{a}`" for a in get_args(annotation))
    if args and origin is not None and len(args) < len(get_args(annotation)):
        return f"{_type_name(args[0])} (optional)"
    if args:
        return _type_name(args[0])
    return getattr(annotation, "__name__", str(annotation))


def _default(field: Any) -> str:
    if field.is_required():
        return "**required**"
    value = field.default
    if value is PydanticUndefined and field.default_factory is not None:
        value = field.default_factory()
    if isinstance(value, BaseModel):
        return "(see below)"
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None:
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return ", ".join(f"`{v}`" for v in value)
    if isinstance(value, dict):
        return "`{}`" if not value else str(value)
    return f"`{value}`"


def _rows(model: type[BaseModel], prefix: str) -> list[tuple[str, str, str, str]]:
    rows = []
    for key, field in model.model_fields.items():
        path = f"{prefix}{key}"
        meaning = DESCRIPTIONS.get(path) or DESCRIPTIONS.get(path.replace("app.", "web.", 1), "")
        rows.append((path, _type_name(field.annotation), _default(field), meaning))
    return rows


def reference_markdown() -> str:
    """The whole reference page."""
    out = [
        "# Blueprint reference",
        "",
        "<!-- Generated from tfgen/blueprint/model.py by `python -m tfgen.blueprint.reference`; "
        "a test keeps it current. -->",
        "",
        "A blueprint is one YAML file describing one deployment of the shopping-mall "
        "service. Only `name` is required; everything else has the default shown. "
        "Unknown keys are errors (with a \"did you mean\"). The `app` tier has the same "
        "keys as `web`, with defaults `port: 8080` and `health_check_path: /health`.",
        "",
    ]
    sections: list[tuple[str, type[BaseModel], str]] = [("Top level", Blueprint, "")]
    for key, field in Blueprint.model_fields.items():
        annotation = field.annotation
        args = [a for a in get_args(annotation) if a is not type(None)] or [annotation]
        model = args[0]
        if isinstance(model, type) and issubclass(model, BaseModel):
            sections.append((f"`{key}`", model, f"{key}."))
    for title, model, prefix in sections:
        out += [f"## {title}", "", "| key | type | default | meaning |", "|---|---|---|---|"]
        if prefix and prefix.rstrip(".") in DESCRIPTIONS:
            out.insert(len(out) - 2, DESCRIPTIONS[prefix.rstrip(".")] + "\n")
        for path, kind, default, meaning in _rows(model, prefix):
            out.append(f"| `{path}` | {kind} | {default} | {meaning} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover - regeneration entry point
    import sys
    from pathlib import Path

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/blueprint-reference.md")
    target.write_text(reference_markdown(), encoding="utf-8")
