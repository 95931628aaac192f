"""The resources a render creates, computed in Python from the render context.

`tfgen diff` compares two renders by their resources, not by their text: which
Terraform addresses exist, and with which review-relevant arguments. Terraform would
tell us the same after `init` and `plan`, but that needs a provider, credentials and
seconds per side; this module mirrors the templates (templates/modules/*/main.tf.j2)
instead, and tests/integration/test_inventory_plan.py proves the address sets equal a
real `terraform plan` at every stage.

Arguments use the provider's argument names so `tfgen.review.forcenew` can say which changes
replace a resource. A value that Terraform only knows after apply (an ID, an ARN) is a
:class:`Ref` to the resource that produces it: if that resource is replaced, every
argument referring to it changes too.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from tfgen.blueprint.engines import ENGINES
from tfgen.blueprint.regions import partition
from tfgen.render.context import RenderContext
from tfgen.render.module_facts import TARGET_GROUP_PREFIX
from tfgen.review import inventory_edge as edge
from tfgen.review.inventory_model import (
    ANYWHERE_V4,
    ANYWHERE_V6,
    CLOUDFRONT_PREFIX_LIST,
    ORIGIN_VERIFY_HEADER,
    Builder,
    Inventory,
    Ref,
    Resource,
    address,
    plain,
)

#: The policy every instance role gets (Session Manager instead of SSH), in the
#: Region's partition (the template reads it from data.aws_partition).
SSM_POLICY = "arn:{partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
def inventory(ctx: RenderContext) -> Inventory:
    """Every managed resource instance the rendered root module plans to create."""
    v = ctx.values
    f = ctx.features
    tags = {"Project": v["name"], "Environment": v["environment"], "ManagedBy": "tfgen",
            **v["tags"]}
    b = Builder(tags)
    name = f"{v['name']}-{v['environment']}"
    azs = sorted(v["network"]["azs"])
    net = _network(b, ctx, name, azs)
    sgs = _security(b, ctx, name, net["vpc"])
    alb_names = [v["dns"]["record_name"], f"origin.{v['dns']['record_name']}"] \
        if f.dns else []
    alb_cert = _certificate(b, "alb_certificate", alb_names[0], alb_names[1:]) \
        if f.dns else None
    app_port = v["app_tier"]["port"]
    front = v["web_tier"] if f.web_tier else v["app_tier"]
    alb = _load_balancer(b, "alb", f"{name}-alb", internal=False, subnets="public",
                         sg=sgs["alb"], target_port=front["port"],
                         health_check_path=front["health_check_path"],
                         certificate=alb_cert, deletion_protection=v["deletion_protection"],
                         tg_prefix=TARGET_GROUP_PREFIX["alb"], origin_verify=f.cdn)
    if f.web_tier:
        _tier(b, ctx, "web", f"{name}-web", sgs["web"], alb)
        internal = _load_balancer(b, "internal_alb", f"{name}-int", internal=True,
                                  subnets="app", sg=sgs["internal_alb"], target_port=app_port,
                                  health_check_path=v["app_tier"]["health_check_path"],
                                  certificate=None, deletion_protection=False,
                                  tg_prefix=TARGET_GROUP_PREFIX["internal_alb"])
        _tier(b, ctx, "app", f"{name}-app", sgs["app"], internal)
    else:
        _tier(b, ctx, "app", f"{name}-app", sgs["app"], alb)
    _database(b, ctx, f"{name}-db", sgs["db"], azs)
    bucket = edge.static_site(b, ctx) if f.static_site else None
    cdn_cert = _certificate(b, "cdn_certificate", v["dns"]["record_name"], [],
                            records_of=alb_names) if f.cdn and f.dns else None
    cdn = edge.cdn(b, ctx, name, bucket, alb, cdn_cert) if f.cdn and bucket else None
    if bucket:
        edge.bucket_policy(b, ctx, cdn)
    if f.dns:
        edge.dns(b, ctx, alb, cdn)
    return dict(sorted(b.items.items()))


def _network(b: Builder, ctx: RenderContext, name: str, azs: list[str]) -> dict[str, str]:
    v = ctx.values["network"]
    m = "network"
    vpc = b.add(m, "aws_vpc", "this", {"cidr_block": v["vpc_cidr"], "enable_dns_support": True,
                                        "enable_dns_hostnames": True})
    b.add(m, "aws_default_security_group", "this", {"vpc_id": Ref(vpc), "ingress": [],
                                                    "egress": []})
    subnets: dict[tuple[str, str], str] = {}
    for tier in ("public", "app", "data"):
        for az in azs:
            subnets[tier, az] = b.add(m, "aws_subnet", tier, {
                "vpc_id": Ref(vpc), "availability_zone": az,
                "cidr_block": v["azs"][az][f"{tier}_cidr"], "map_public_ip_on_launch": False,
            }, az, tier=tier)
    igw = b.add(m, "aws_internet_gateway", "this", {"vpc_id": Ref(vpc)})
    public_rt = b.add(m, "aws_route_table", "public", {"vpc_id": Ref(vpc)}, tier="public")
    b.add(m, "aws_route", "public_internet_gateway", {
        "route_table_id": Ref(public_rt), "destination_cidr_block": ANYWHERE_V4,
        "gateway_id": Ref(igw)}, tagged=False)
    for az in azs:
        b.add(m, "aws_route_table_association", "public", {
            "subnet_id": Ref(subnets["public", az]), "route_table_id": Ref(public_rt)},
            az, tagged=False)
    nat_azs = azs[:1] if v["single_nat_gateway"] else azs
    nats: dict[str, str] = {}
    for az in nat_azs:
        eip = b.add(m, "aws_eip", "nat", {"domain": "vpc"}, az)
        nats[az] = b.add(m, "aws_nat_gateway", "this", {
            "allocation_id": Ref(eip), "subnet_id": Ref(subnets["public", az]),
            "connectivity_type": "public"}, az)
    private_rts: dict[str, str] = {}
    for az in azs:
        private_rts[az] = b.add(m, "aws_route_table", "private", {"vpc_id": Ref(vpc)}, az)
    for az in azs:
        b.add(m, "aws_route", "private_nat_gateway", {
            "route_table_id": Ref(private_rts[az]), "destination_cidr_block": ANYWHERE_V4,
            "nat_gateway_id": Ref(nats[nat_azs[0] if v["single_nat_gateway"] else az])},
            az, tagged=False)
    for tier in ("app", "data"):
        for az in azs:
            b.add(m, "aws_route_table_association", tier, {
                "subnet_id": Ref(subnets[tier, az]), "route_table_id": Ref(private_rts[az])},
                az, tagged=False)
    if ctx.features.s3_endpoint:
        b.add(m, "aws_vpc_endpoint", "s3", {
            "vpc_id": Ref(vpc), "service_name": f"com.amazonaws.{ctx.values['region']}.s3",
            "vpc_endpoint_type": "Gateway",
            "route_table_ids": [Ref(private_rts[az]) for az in azs]}, 0)
    return {"vpc": vpc}


#: Human names of the security-group roles (as the security module labels them).
ROLE_LABEL = {"alb": "public ALB", "web": "web tier", "internal_alb": "internal ALB",
              "app": "app tier", "db": "database"}
_GROUP_DESCRIPTION = {
    "alb": "Public ALB: admits clients on its listener ports, sends only to its targets",
    "web": "Web tier instances: admit the public ALB only",
    "internal_alb": "Internal ALB: admits the web tier only, sends only to the app tier",
    "app": "App tier instances: admit the load balancer in front of them only",
    "db": "Database: admits the app tier only, no egress",
}


def _security(b: Builder, ctx: RenderContext, name: str, vpc: str) -> dict[str, str]:
    f = ctx.features
    v = ctx.values
    m = "security"
    chain = ["alb", "web", "internal_alb", "app", "db"] if f.web_tier else ["alb", "app", "db"]
    groups: dict[str, str] = {}
    for role in sorted(chain):
        groups[role] = b.add(m, "aws_security_group", "this", {
            "name_prefix": f"{name}-{role.replace('_', '-')}-",
            "description": _GROUP_DESCRIPTION[role], "vpc_id": Ref(vpc)}, role)
    listen = {"web": v["web_tier"]["port"] if f.web_tier else None, "internal_alb": 80,
              "app": v["app_tier"]["port"], "db": v["database"]["port"]}
    listener_ports = [80, 443] if f.https else [80]

    def rule(kind: str, key: str, role: str, port: int, **source: Any) -> None:
        args = {"security_group_id": Ref(groups[role]), "ip_protocol": "tcp",
                "from_port": port, "to_port": port, "cidr_ipv4": None,
                "referenced_security_group_id": None}
        if kind == "aws_vpc_security_group_ingress_rule":
            args |= {"cidr_ipv6": None, "prefix_list_id": None}
        args |= source
        b.add(m, kind, "this", args, key)

    ingress = "aws_vpc_security_group_ingress_rule"
    egress = "aws_vpc_security_group_egress_rule"
    if f.cdn:
        port = 443 if 443 in listener_ports else max(listener_ports)
        rule(ingress, f"alb-from-cloudfront-{port}", "alb", port,
             prefix_list_id=CLOUDFRONT_PREFIX_LIST)
    else:
        for port in listener_ports:
            rule(ingress, f"alb-from-internet-ipv4-{port}", "alb", port, cidr_ipv4=ANYWHERE_V4)
            rule(ingress, f"alb-from-internet-ipv6-{port}", "alb", port, cidr_ipv6=ANYWHERE_V6)
    for src, dst in itertools.pairwise(chain):
        port = listen[dst]
        assert port is not None
        rule(ingress, f"{dst}-from-{src}", dst, port, referenced_security_group_id=Ref(groups[src]))
        rule(egress, f"{src}-to-{dst}", src, port, referenced_security_group_id=Ref(groups[dst]))
    for role in chain:
        if role in ("web", "app"):
            for proto, port in (("https", 443), ("http", 80)):
                rule(egress, f"{role}-to-internet-{proto}", role, port, cidr_ipv4=ANYWHERE_V4)
    return groups


def _certificate(b: Builder, module: str, domain: str, sans: list[str], *,
                 records_of: list[str] | None = None) -> str:
    """A certificate that owns its validation records, or (`records_of`: the names whose
    records another certificate owns) one that creates none and waits on those."""
    cert = b.add(module, "aws_acm_certificate", "this", {
        "domain_name": domain, "subject_alternative_names": sorted(sans),
        "validation_method": "DNS"})
    for fqdn in sorted([domain, *sans]) if records_of is None else []:
        b.add(module, "aws_route53_record", "validation", {"name": f"_validation.{fqdn}",
                                                            "type": "CNAME"}, fqdn, tagged=False)
    names = [domain, *sans] if records_of is None else records_of
    b.add(module, "aws_acm_certificate_validation", "this", {
        "certificate_arn": Ref(cert, "arn"),
        "validation_record_fqdns": sorted(f"_validation.{d}" for d in names)},
        tagged=False)
    return cert


def _load_balancer(b: Builder, module: str, name: str, *, internal: bool, subnets: str,
                   sg: str, target_port: int, health_check_path: str, certificate: str | None,
                   deletion_protection: bool, tg_prefix: str,
                   origin_verify: bool = False) -> str:
    lb = b.add(module, "aws_lb", "this", {
        "name": name, "load_balancer_type": "application", "internal": internal,
        "subnets": f"{subnets} subnets", "security_groups": [Ref(sg)],
        "enable_deletion_protection": deletion_protection})
    tg = b.add(module, "aws_lb_target_group", "this", {
        "name_prefix": tg_prefix, "port": target_port, "protocol": "HTTP",
        "target_type": "instance", "health_check_path": health_check_path})
    https = certificate is not None
    # With origin verification the forwarding listener answers 403 unless its rule matches.
    forward = "fixed-response 403" if origin_verify else "forward"
    http_action = "redirect to HTTPS" if https else forward
    http = b.add(module, "aws_lb_listener", "http", {
        "load_balancer_arn": Ref(lb, "arn"), "port": 80, "protocol": "HTTP",
        "default_action": http_action,
        "target_group_arn": Ref(tg, "arn") if http_action == "forward" else None})
    listener = http
    if https:
        assert certificate is not None
        listener = b.add(module, "aws_lb_listener", "https", {
            "load_balancer_arn": Ref(lb, "arn"), "port": 443, "protocol": "HTTPS",
            "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "certificate_arn": Ref(certificate, "arn"), "default_action": forward,
            "target_group_arn": Ref(tg, "arn") if forward == "forward" else None}, 0)
    if origin_verify:
        b.add(module, "aws_lb_listener_rule", "origin_verify", {
            "listener_arn": Ref(listener, "arn"), "priority": 1,
            "condition": f"header {ORIGIN_VERIFY_HEADER} = CloudFront's secret",
            "action": "forward", "target_group_arn": Ref(tg, "arn")}, 0)
    return tg


#: The tier module's default user data (templates/modules/tier/bootstrap.sh.tftpl.j2).
BOOTSTRAP_TEMPLATE = "modules/tier/bootstrap.sh.tftpl"


def _user_data_digest(ctx: RenderContext, tier: str) -> str:
    for extra in ctx.files:
        if extra.tier == tier:
            return "sha256:" + hashlib.sha256(extra.content.encode()).hexdigest()[:12]
    t = ctx.values[f"{tier}_tier"]
    return f"default bootstrap (placeholder answering {t['health_check_path']} on {t['port']})"


def _database_address(ctx: RenderContext) -> str:
    """The database's writer resource: the DB instance, or the Aurora cluster."""
    if ENGINES[ctx.values["database"]["engine"]].aurora:
        return address("database", "aws_rds_cluster", "this", 0)
    return address("database", "aws_db_instance", "this", 0)


def _app_environment(ctx: RenderContext) -> dict[str, Any]:
    """The app tier's user-data environment (tfgen.render.context.database_env), resolved."""
    v, db = ctx.values, _database_address(ctx)
    known = {"AWS_REGION": v["region"], "DB_ENGINE": v["database"]["engine"],
             "DB_HOST": Ref(db, "endpoint"), "DB_PORT": Ref(db, "port"),
             "DB_SECRET_ARN": Ref(db, "master_user_secret_arn"),
             "DB_NAME": v["database"]["db_name"], "DB_IAM_USER": v["database"]["iam_db_user"]}
    return {key: known[key] for key in ctx.database_env}


def _tier(b: Builder, ctx: RenderContext, module: str, name: str, sg: str,
          target_group: str) -> None:
    t = ctx.values[f"{module}_tier"]
    role_name = f"{name}-instance"
    role = b.add(module, "aws_iam_role", "this", {"name": role_name, "path": "/"})
    b.add(module, "aws_iam_role_policy_attachment", "ssm_managed_instance_core", {
        "role": role_name,
        "policy_arn": SSM_POLICY.format(partition=partition(ctx.values["region"]))}, tagged=False)
    profile = b.add(module, "aws_iam_instance_profile", "this", {"name": role_name,
                                                                 "role": Ref(role, "name")})
    if module == "app":
        d = ctx.values["database"]
        db = _database_address(ctx)
        grants = "secretsmanager:GetSecretValue on the database's master secret"
        if d["iam_db_user"] is not None:
            grants += f"; rds-db:connect as {d['iam_db_user']}"
        b.add(module, "aws_iam_role_policy", "database", {
            "name": "database-access", "role": role_name, "policy": grants,
            "secret": Ref(db, "master_user_secret_arn"),
            "db_resource_id": Ref(db, "cluster_resource_id" if "rds_cluster" in db
                                  else "resource_id")}, 0, tagged=False)
    image = f"ssm:{t['ami_ssm_parameter']}" if t["ami_ssm_parameter"] else t["ami_id"]
    own_script = any(extra.tier == module for extra in ctx.files)
    lt = b.add(module, "aws_launch_template", "this", {
        "name": name, "image_id": image, "instance_type": t["instance_type"],
        "vpc_security_group_ids": [Ref(sg)], "user_data": _user_data_digest(ctx, module),
        "user_data_environment": _app_environment(ctx)
        if module == "app" and not own_script else {},
        "root_volume_size": t["root_volume_size"],
        "iam_instance_profile": Ref(profile, "arn"), "http_tokens": "required"})
    asg = b.add(module, "aws_autoscaling_group", "this", {
        "name": name, "vpc_zone_identifier": "app subnets", "min_size": t["min_size"],
        "max_size": t["max_size"],  # desired_capacity: ignore_changes (scaling owns it)
        "target_group_arns": [Ref(target_group, "arn")], "launch_template": Ref(lt),
        "launch_template_version": Ref(lt, "latest_version"),
        "instance_refresh": "Rolling, min healthy 50%"})
    b.add(module, "aws_autoscaling_policy", "cpu", {
        "name": f"{name}-cpu-target-tracking", "autoscaling_group_name": Ref(asg, "name"),
        "target_value": t["cpu_target"]}, tagged=False)


def _database(b: Builder, ctx: RenderContext, name: str, sg: str, azs: list[str]) -> None:
    d = ctx.values["database"]
    m = "database"
    protect = ctx.values["deletion_protection"]
    group = b.add(m, "aws_db_subnet_group", "this", {"name": name, "subnet_ids": "data subnets"})
    aurora = ENGINES[d["engine"]].aurora
    replicas = [f"replica-{n}" for n in range(1, d["read_replica_count"] + 1)]
    # Log groups created before RDS exports into them, so that they have a retention.
    prefixes = [f"/aws/rds/cluster/{name}"] if aurora else [
        f"/aws/rds/instance/{name}", *(f"/aws/rds/instance/{name}-{k}" for k in replicas)]
    for log_group in sorted(f"{p}/{log}" for p in prefixes
                            for log in d["enabled_cloudwatch_logs_exports"]):
        b.add(m, "aws_cloudwatch_log_group", "rds", {"name": log_group,
                                                     "retention_in_days": 365}, log_group)
    common = {"instance_class": d["instance_class"], "publicly_accessible": False,
              "apply_immediately": d["apply_immediately"]}
    # Fixed at creation, replaced with the database (see the template's comment).
    suffix = b.add(m, "terraform_data", "final_snapshot_suffix", {"triggers_replace": [
        name, d["engine"], d["db_name"], d["master_username"]]}, tagged=False)
    final = {"skip_final_snapshot": False,
             "final_snapshot_identifier": Ref(suffix, "output")}
    if not aurora:
        primary = b.add(m, "aws_db_instance", "this", {
            "identifier": name, "engine": d["engine"], "engine_version": d["engine_version"],
            **common, "db_name": d["db_name"], "port": d["port"],
            "username": d["master_username"], "allocated_storage": d["allocated_storage"],
            "max_allocated_storage": d["max_allocated_storage"], "storage_type": "gp3",
            "storage_encrypted": True, "multi_az": d["multi_az"],
            "db_subnet_group_name": Ref(group, "name"), "vpc_security_group_ids": [Ref(sg)],
            "iam_database_authentication_enabled": d["iam_database_authentication_enabled"],
            "enabled_cloudwatch_logs_exports": d["enabled_cloudwatch_logs_exports"],
            "backup_retention_period": d["backup_retention_period"],
            "license_model": d["license_model"],
            "engine_lifecycle_support": d["engine_lifecycle_support"],
            "deletion_protection": protect, **final}, 0)
        for key in replicas:
            b.add(m, "aws_db_instance", "replica", {
                "identifier": f"{name}-{key}", "replicate_source_db": Ref(primary, "identifier"),
                **common, "port": d["port"], "storage_encrypted": True, "multi_az": False,
                "vpc_security_group_ids": [Ref(sg)], "deletion_protection": False}, key)
        return
    # No engine_version: the cluster ignores changes to it (minor upgrades are AWS's; see
    # templates/modules/database/main.tf.j2), so a new value in the blueprint plans nothing.
    cluster = b.add(m, "aws_rds_cluster", "this", {
        "cluster_identifier": name, "engine": d["engine"],
        "engine_lifecycle_support": d["engine_lifecycle_support"],
        "database_name": d["db_name"], "port": d["port"], "master_username": d["master_username"],
        "storage_encrypted": True, "db_subnet_group_name": Ref(group, "name"),
        "vpc_security_group_ids": [Ref(sg)],
        "backup_retention_period": d["backup_retention_period"], "apply_immediately":
        d["apply_immediately"], "deletion_protection": protect, **final}, 0)
    instance = {"cluster_identifier": Ref(cluster), "engine": d["engine"], **common,
                "db_subnet_group_name": Ref(group, "name")}
    b.add(m, "aws_rds_cluster_instance", "this", {
        "identifier": f"{name}-1", **instance, "availability_zone": azs[0] if azs else None,
        "promotion_tier": 0}, 0)
    order = azs  # the root passes keys(var.network.azs), which Terraform sorts
    readers: dict[str, tuple[str, str | None, int]] = {}
    if d["multi_az"]:
        readers["standby"] = (f"{name}-2", order[1 % len(order)], 0)
    for n, key in enumerate(replicas, start=1):
        readers[key] = (f"{name}-{key}", order[n % len(order)], 1)
    for key, (ident, zone, tier) in readers.items():
        b.add(m, "aws_rds_cluster_instance", "reader", {
            "identifier": ident, **instance, "availability_zone": zone,
            "promotion_tier": tier}, key)


__all__ = ["ANYWHERE_V4", "ANYWHERE_V6", "CLOUDFRONT_PREFIX_LIST", "ORIGIN_VERIFY_HEADER",
           "ROLE_LABEL", "Inventory", "Ref", "Resource", "address", "inventory", "plain"]
