"""What a reviewer must know before applying a diff: data loss, disruption, exposure.

Each rule reads the resource changes of a :class:`tfgen.review.diff.DiffReport` and says, in
one sentence a reviewer understands, what happens to data, to traffic, to what the
internet can reach, and to which tier admits which (the security-group chain).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tfgen.render.module_facts import final_snapshot_name
from tfgen.review.diff_model import DiffReport, ResourceChange, Risk
from tfgen.review.inventory import (
    ANYWHERE_V4,
    ANYWHERE_V6,
    CLOUDFRONT_PREFIX_LIST,
    ORIGIN_VERIFY_HEADER,
    ROLE_LABEL,
    Ref,
)

if TYPE_CHECKING:
    from tfgen.review.inventory import Inventory

KINDS = ("data-loss", "disruption", "exposure", "security-chain", "licence")


def assess(report: DiffReport) -> list[Risk]:
    """Every risk of the report, grouped by kind in the order of KINDS."""
    risks: list[Risk] = []
    for change in report.resources:
        risks.extend(change_risks(change))
    risks.extend(_exposure(report))
    risks.extend(_chain(report.old.resources, report.new.resources))
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(dict.fromkeys(risks), key=lambda r: order[r.kind])


def change_risks(change: ResourceChange) -> list[Risk]:
    """Every risk one change carries by itself (also for changes only the plan shows, e.g.
    an argument a newer tfgen renders against a database an older one created)."""
    return [*_data_loss(change), *_disruption(change), *_licence(change)]


def _gone(change: ResourceChange) -> str | None:
    """'destroyed' / 'replaced' when the old object stops existing."""
    return {"destroy": "destroyed", "replace": "replaced"}.get(change.action)


def _arg(change: ResourceChange, name: str) -> tuple[Any, Any] | None:
    for c in change.changes:
        if c.name == name:
            return c.old, c.new
    return None


def _data_loss(change: ResourceChange) -> list[Risk]:
    verb = _gone(change)
    if verb is None:
        return []
    old = change.old.args if change.old else {}
    if change.type == "aws_db_instance" and "replicate_source_db" not in old:
        return [Risk("data-loss", change.address,
                     f"database {old.get('identifier')} is {verb}: its data goes with it "
                     f"(RDS takes the final snapshot "
                     f"{final_snapshot_name(str(old.get('identifier')), '<time it was created>')}"
                     " first; a new instance starts empty unless restored from it)")]
    if change.type == "aws_rds_cluster":
        return [Risk("data-loss", change.address,
                     f"Aurora cluster {old.get('cluster_identifier')} is {verb}: its data "
                     "goes with it (a final snapshot is taken first)")]
    if change.type == "aws_s3_bucket":
        return [Risk("data-loss", change.address,
                     f"bucket {old.get('bucket')} is {verb} with every object in it; with "
                     "force_destroy off the apply fails while it still holds objects, and a "
                     "new bucket starts empty (upload the site again)")]
    if change.type == "aws_eip":
        return [Risk("data-loss", change.address,
                     f"the NAT gateway's public IP address is {verb} and released: partners "
                     "that allow-list the shop's outbound address must be told the new one")]
    return []


_LICENCE_TEXT = {
    "general-public-license": "open-source engine, no licence to buy (general-public-license)",
    "postgresql-license": "open-source engine, no licence to buy (postgresql-license)",
    "license-included": "the licence is included in the hourly RDS price (license-included)",
    "bring-your-own-license": "bring-your-own-license: you must already hold a licence for "
    "every host it runs on — the Multi-AZ standby and each read replica included",
}


def _licence(change: ResourceChange) -> list[Risk]:
    """What a new (or re-licensed) database costs beyond its instances: licence, support."""
    new = change.new.args if change.new else None
    if new is None or change.type not in ("aws_db_instance", "aws_rds_cluster") \
            or "replicate_source_db" in new:
        return []
    relevant = ("license_model", "engine_lifecycle_support")
    if change.action == "change" and not any(_arg(change, n) for n in relevant):
        return []
    if change.action not in ("add", "replace", "change"):
        return []
    name = new.get("identifier") or new.get("cluster_identifier")
    parts = [f"database {name} ({new.get('engine')})"]
    model = new.get("license_model")
    parts.append(_LICENCE_TEXT.get(model, f"licence model {model}") if model
                 else "licence included in Aurora pricing")
    enrolment = _arg(change, "engine_lifecycle_support")
    if change.action == "change" and enrolment and enrolment[0] is not None:
        # The RDS user guide (extended-support.html): enrolment is chosen at create or
        # restore and cannot be updated on an existing instance; provider 5.x/6.x still
        # sends the update (hashicorp/terraform-provider-aws#44552), so it fails or drifts.
        parts.append(f"engine_lifecycle_support {enrolment[0]} -> {enrolment[1]} on an existing "
                     "database: AWS sets enrolment only at create or restore, so this update "
                     "may fail or show again on every plan (pin the old value, or restore "
                     "from a snapshot to change it)")
    if new.get("engine_lifecycle_support") == "open-source-rds-extended-support-disabled":
        parts.append("RDS Extended Support is off: no surcharge, but once the major leaves "
                     "standard support AWS upgrades it (plan the upgrade before)")
    if change.type == "aws_rds_cluster":
        parts.append("Terraform ignores its engine_version after creation (AWS applies minor "
                     "upgrades; a major upgrade is done with aws rds modify-db-cluster)")
    return [Risk("licence", change.address, "; ".join(parts))]


def _disruption(change: ResourceChange) -> list[Risk]:
    a, t = change.address, change.type
    verb = _gone(change)
    old = change.old.args if change.old else {}
    out: list[Risk] = []
    if t == "aws_db_instance" and change.action == "change":
        new = change.new.args if change.new else {}
        # apply_immediately: RDS makes the change now, not in the maintenance window.
        when = "now (apply_immediately)" if new.get("apply_immediately") else \
            "in the next maintenance window"
        multi = _arg(change, "multi_az")
        if multi and multi[1] is True:
            out.append(Risk("disruption", a,
                            f"Multi-AZ turns on {when}, without an outage: RDS "
                            "snapshots the primary to create a "
                            "synchronous standby in another AZ (I/O can slow while it "
                            "syncs; apply in a quiet hour). Afterwards a failure fails "
                            "over to the standby and clients reconnect to the same endpoint "
                            "within minutes"))
        elif multi and multi[1] is False:
            out.append(Risk("disruption", a,
                            "Multi-AZ turns off: the standby is removed, so losing the "
                            "primary's AZ stops the database until it is recovered"))
        if _arg(change, "instance_class"):
            out.append(Risk("disruption", a,
                            f"a new instance class restarts the database {when}: "
                            "minutes of downtime (a failover with Multi-AZ; clients "
                            "reconnect)"))
        if _arg(change, "engine_version"):
            out.append(Risk("disruption", a,
                            f"an engine version upgrade restarts the database {when} "
                            "(downtime; test the application against the new version "
                            "first)"))
    if t == "aws_db_instance" and verb and "replicate_source_db" in old:
        out.append(Risk("disruption", a, f"read replica {old.get('identifier')} is {verb}: "
                        "reads sent to its endpoint fail until they move"))
    if t == "aws_nat_gateway" and verb:
        out.append(Risk("disruption", a, f"NAT gateway {verb}: private subnets routed "
                        "through it lose outbound internet access until a new one is up "
                        "(minutes)"))
    if t == "aws_autoscaling_group" and change.action == "replace":
        out.append(Risk("disruption", a, "the Auto Scaling group is replaced, not rolled by "
                        "its instance refresh: all its instances are recreated at once"))
    if t == "aws_autoscaling_group" and change.action == "destroy":
        out.append(Risk("disruption", a, f"Auto Scaling group {old.get('name')} is "
                        "destroyed: its instances are terminated (the tier is retired)"))
    if t == "aws_launch_template" and change.action == "change" and any(
            c.name != "tags" for c in change.changes):
        names = ", ".join(c.name for c in change.changes if c.name != "tags")
        out.append(Risk("disruption", a, f"new launch template version ({names}): the "
                        "group's instance refresh replaces the instances gradually (Rolling, "
                        "at least 50% healthy), so capacity is reduced during the roll"))
    if t == "aws_lb" and verb:
        note = " Deletion protection is on: the apply fails until it is turned off." \
            if old.get("enable_deletion_protection") else ""
        out.append(Risk("disruption", a, f"load balancer {old.get('name')} is {verb}: its "
                        f"DNS name stops answering and connections through it drop.{note}"))
    if t == "aws_lb_target_group" and change.action == "replace":
        out.append(Risk("disruption", a, "a new target group is created before the old one "
                        "is destroyed; instances register again and must pass health "
                        "checks before they get traffic"))
    if t == "aws_route53_record" and change.action == "change":
        alias = _arg(change, "alias")
        if alias:
            out.append(Risk("disruption", a, f"{change.new.args.get('name') if change.new else ''}"
                            f" now points at {_target(alias[1], change)} (was: "
                            f"{_target(alias[0], change)}); resolvers follow within the "
                            "record's TTL"))
    return out


def _target(value: Any, change: ResourceChange) -> str:
    if isinstance(value, Ref):
        if "aws_cloudfront_distribution" in value.address:
            return "CloudFront"
        if value.address.startswith("module.alb."):
            return "the public ALB"
        return value.address
    if change.new is not None:
        alias = change.new.args.get("alias")
        if isinstance(alias, Ref):
            return _target(alias, change)
    return str(value)


def _exposure(report: DiffReport) -> list[Risk]:
    out: list[Risk] = []
    for change in report.resources:
        if change.type == "aws_vpc_security_group_ingress_rule":
            was = change.old is not None and _is_internet(change.old.args)
            now = change.new is not None and _is_internet(change.new.args)
            res = change.new if now else change.old
            if was != now and res is not None:
                src = res.args.get("cidr_ipv4") or res.args.get("cidr_ipv6")
                out.append(Risk("exposure", change.address,
                                f"{'opens' if now else 'closes'} port {res.args['from_port']} "
                                f"of the {_role(res.args['security_group_id'])} to the whole "
                                f"internet ({src})"))
        if change.type == "aws_s3_bucket_public_access_block":
            new = change.new.args if change.new else None
            old = change.old.args if change.old else None
            bucket = (new or old or {}).get("bucket")
            opened = new is not None and not new["block_public_policy"]
            if opened and (old is None or old["block_public_policy"]):
                out.append(Risk("exposure", change.address,
                                f"bucket {bucket} becomes public: anyone on the internet can "
                                "read every object (S3 static website with a public-read "
                                "policy). The website endpoint speaks plain HTTP only (S3 "
                                "website endpoints have no HTTPS) until stage cdn puts "
                                "CloudFront in front; and if the account's S3 Block Public "
                                "Access blocks public policies, the apply fails at the "
                                "bucket policy"))
            if old and not old["block_public_policy"] and new and new["block_public_policy"]:
                out.append(Risk("exposure", change.address,
                                f"bucket {bucket} becomes private: public access is blocked "
                                "and only CloudFront (Origin Access Control) can read it; "
                                "the S3 website endpoint stops serving"))
        if change.type == "aws_lb_listener_rule" and change.address.endswith(
                ".origin_verify[0]") and change.action in ("add", "destroy"):
            out.append(Risk("exposure", change.address, (
                f"the public ALB forwards only requests carrying CloudFront's secret "
                f"{ORIGIN_VERIFY_HEADER} header; any other request (origin.<domain>, another "
                "CloudFront distribution, the ALB's own DNS name) gets 403")
                if change.action == "add" else (
                "the public ALB forwards every request again: the CloudFront origin "
                "secret is no longer required")))
    before = _public_sources(report.old.resources)
    after = _public_sources(report.new.resources)
    if after == {"CloudFront"} and "the internet" in before:
        out.append(Risk("exposure", "module.security",
                        "the public ALB admits only CloudFront (origin-facing prefix list) "
                        "instead of the whole internet"))
    if before == {"CloudFront"} and "the internet" in after:
        out.append(Risk("exposure", "module.security",
                        "the public ALB admits the whole internet again, not only CloudFront"))
    return out


def _is_internet(args: dict[str, Any]) -> bool:
    return args.get("cidr_ipv4") == ANYWHERE_V4 or args.get("cidr_ipv6") == ANYWHERE_V6


def _role(value: Any) -> str:
    if isinstance(value, Ref):
        key = value.address.rsplit("[", 1)[-1].strip('"]')
        return ROLE_LABEL.get(key, key)
    return str(value)


def _source(args: dict[str, Any]) -> str:
    if args.get("cidr_ipv4") in (ANYWHERE_V4,) or args.get("cidr_ipv6") in (ANYWHERE_V6,):
        return "the internet"
    if args.get("prefix_list_id") == CLOUDFRONT_PREFIX_LIST:
        return "CloudFront"
    if args.get("referenced_security_group_id") is not None:
        return f"the {_role(args['referenced_security_group_id'])}"
    return str(args.get("cidr_ipv4") or args.get("cidr_ipv6") or "?")


def _public_sources(inv: Inventory) -> set[str]:
    return {_source(r.args) for r in inv.values()
            if r.type == "aws_vpc_security_group_ingress_rule"
            and _role(r.args["security_group_id"]) == ROLE_LABEL["alb"]}


def admits(inv: Inventory) -> dict[str, list[str]]:
    """Security-group chain: role -> sorted 'source on port N' it admits."""
    out: dict[str, set[str]] = {}
    for addr, r in inv.items():
        if r.type == "aws_security_group":
            out.setdefault(_role(Ref(addr)), set())
    for r in inv.values():
        if r.type == "aws_vpc_security_group_ingress_rule":
            out.setdefault(_role(r.args["security_group_id"]), set()).add(
                f"{_source(r.args)} on port {r.args['from_port']}")
    return {k: sorted(v) for k, v in sorted(out.items())}


def _chain(old: Inventory, new: Inventory) -> list[Risk]:
    a, b = admits(old), admits(new)
    out: list[Risk] = []
    for role in sorted(a.keys() | b.keys()):
        before, after = a.get(role), b.get(role)
        if before == after:
            continue
        if after is None:
            out.append(Risk("security-chain", role, f"the {role} security group is removed "
                            f"(it admitted {', '.join(before or []) or 'nothing'})"))
        elif before is None:
            out.append(Risk("security-chain", role, f"new {role} security group admits "
                            f"{', '.join(after) or 'nothing'}"))
        else:
            out.append(Risk("security-chain", role, f"the {role} now admits "
                            f"{', '.join(after) or 'nothing'} (was: "
                            f"{', '.join(before) or 'nothing'})"))
    return out
