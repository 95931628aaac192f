"""Read a stack back after an apply and check its architecture: shared by the apply suites.

test_apply.py (each stack from scratch) and test_ladder.py (one state walked up and down
the stage ladder) assert the same things about a stage, so the assertions live here once.
A check takes anything with the attributes of :class:`Stack`: the rendered blueprint,
the plan JSON it was applied from (for configuration references), the state JSON
(`terraform show -json`) and what moto holds (:func:`moto_snapshot`).
"""

from __future__ import annotations

from typing import Any, Protocol

from tests.integration.harness import MOTO_ACCESS_KEY, MOTO_SECRET_KEY, state_resources
from tfgen.blueprint.stages import Stage
from tfgen.deploy.moto_server import MotoProcess as MotoProcess  # re-exported for the suites
from tfgen.project import Rendered

#: AWS's default ports, written down here rather than read from tfgen's engine table.
ENGINE_PORTS = {"mysql": 3306, "postgres": 5432, "aurora-postgresql": 5432, "aurora-mysql": 3306}
#: Who may open a connection to whom: role -> its one upstream role.
CHAIN_WITH_WEB = {"web": "alb", "internal_alb": "web", "app": "internal_alb", "db": "app"}
CHAIN_NO_WEB = {"app": "alb", "db": "app"}


class Stack(Protocol):
    """What the checks read: a stack as applied at one stage."""

    @property
    def rendered(self) -> Rendered | None: ...

    @property
    def plan(self) -> dict[str, Any]: ...

    @property
    def state(self) -> dict[str, Any]: ...

    @property
    def moto(self) -> dict[str, Any]: ...


def client(service: str, endpoint: str, region: str) -> Any:
    import boto3

    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=MOTO_ACCESS_KEY,
        aws_secret_access_key=MOTO_SECRET_KEY,
    )



# --------------------------------------------------------------------------- moto read-back


def moto_snapshot(endpoint: str, region: str) -> dict[str, Any]:
    """What moto holds after the apply, read with boto3 (not from Terraform's state)."""
    ec2 = client("ec2", endpoint, region)
    rds = client("rds", endpoint, region)
    cloudfront = client("cloudfront", endpoint, "us-east-1")
    vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    vpc_filter = [{"Name": "vpc-id", "Values": [v["VpcId"] for v in vpcs]}]
    groups = ec2.describe_security_groups(Filters=vpc_filter)["SecurityGroups"]
    rules = ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [g["GroupId"] for g in groups]}]
    )["SecurityGroupRules"]
    templates = []
    for lt in ec2.describe_launch_templates()["LaunchTemplates"]:
        version = ec2.describe_launch_template_versions(
            LaunchTemplateId=lt["LaunchTemplateId"], Versions=["$Default"]
        )["LaunchTemplateVersions"][0]
        templates.append({"name": lt["LaunchTemplateName"], "data": version["LaunchTemplateData"]})
    distributions = []
    for item in cloudfront.list_distributions()["DistributionList"].get("Items", []):
        distributions.append(cloudfront.get_distribution(Id=item["Id"])["Distribution"])
    return {
        "vpcs": vpcs,
        "subnets": ec2.describe_subnets(Filters=vpc_filter)["Subnets"],
        "nat_gateways": [
            n
            for n in ec2.describe_nat_gateways(Filters=vpc_filter)["NatGateways"]
            if n["State"] not in ("deleted", "deleting", "failed")
        ],
        "route_tables": ec2.describe_route_tables(Filters=vpc_filter)["RouteTables"],
        # A deleted endpoint stays listed in state "deleted" (AWS shows it for a while too;
        # moto keeps it): found by the ladder's static-web -> multi-az step.
        "vpc_endpoints": [
            e for e in ec2.describe_vpc_endpoints(Filters=vpc_filter)["VpcEndpoints"]
            if e["State"].lower() not in ("deleted", "deleting")
        ],
        "security_groups": groups,
        "security_group_rules": rules,
        "launch_templates": templates,
        "db_instances": rds.describe_db_instances()["DBInstances"],
        "db_clusters": rds.describe_db_clusters()["DBClusters"],
        "distributions": distributions,
        "origin_access_controls": cloudfront.list_origin_access_controls()[
            "OriginAccessControlList"
        ].get("Items", []),
        "managed_prefix_lists": ec2.describe_managed_prefix_lists()["PrefixLists"],
        "bucket_policies": _bucket_policies(endpoint, region),
    }


def _bucket_policies(endpoint: str, region: str) -> dict[str, dict[str, Any]]:
    """Bucket name -> its policy document ({} without one)."""
    import json

    s3 = client("s3", endpoint, region)
    found: dict[str, dict[str, Any]] = {}
    for bucket in s3.list_buckets()["Buckets"]:
        try:
            found[bucket["Name"]] = json.loads(
                s3.get_bucket_policy(Bucket=bucket["Name"])["Policy"]
            )
        except s3.exceptions.ClientError:
            found[bucket["Name"]] = {}
    return found


def leftovers(endpoint: str, region: str) -> dict[str, list[str]]:
    """Everything of the stack's kinds that still exists in moto after the destroy."""
    ec2 = client("ec2", endpoint, region)
    rds = client("rds", endpoint, region)
    instances = [
        i["InstanceId"]
        for r in ec2.describe_instances()["Reservations"]
        for i in r["Instances"]
        if i["State"]["Name"] != "terminated"
    ]
    return {
        "vpcs": [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")],
        "instances": instances,
        "nat_gateways": [
            n["NatGatewayId"]
            for n in ec2.describe_nat_gateways()["NatGateways"]
            if n["State"] not in ("deleted", "deleting")
        ],
        "addresses": [a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]],
        "launch_templates": [
            t["LaunchTemplateName"] for t in ec2.describe_launch_templates()["LaunchTemplates"]
        ],
        "load_balancers": [
            lb["LoadBalancerName"]
            for lb in client("elbv2", endpoint, region).describe_load_balancers()["LoadBalancers"]
        ],
        "autoscaling_groups": [
            g["AutoScalingGroupName"]
            for g in client("autoscaling", endpoint, region).describe_auto_scaling_groups()[
                "AutoScalingGroups"
            ]
        ],
        "db_instances": [
            d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]
        ],
        "db_clusters": [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]],
        "buckets": [b["Name"] for b in client("s3", endpoint, region).list_buckets()["Buckets"]],
        "distributions": [
            d["Id"]
            for d in client("cloudfront", endpoint, "us-east-1")
            .list_distributions()["DistributionList"]
            .get("Items", [])
        ],
        "iam_roles": [
            r["RoleName"]
            for r in client("iam", endpoint, "us-east-1").list_roles()["Roles"]
            if not r["Path"].startswith("/aws-service-role/")
        ],
    }


# --------------------------------------------------------------------------- checks


def by_type(state: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return [r for r in state_resources(state) if r["type"] == rtype and r["mode"] == "managed"]


def _security_roles(state: dict[str, Any]) -> dict[str, str]:
    """Security group ID -> role (alb, web, ...) from the state of the security module."""
    return {
        r["values"]["id"]: r["index"]
        for r in by_type(state, "aws_security_group")
        if r["address"].startswith("module.security.")
    }


def check_network(o: Stack) -> None:
    bp = o.rendered.blueprint
    azs = list(bp.availability_zones)
    snap = o.moto
    assert len(snap["vpcs"]) == 1
    subnet_az = {s["SubnetId"]: s["AvailabilityZone"] for s in snap["subnets"]}
    nats = snap["nat_gateways"]
    nat_az = {n["NatGatewayId"]: subnet_az[n["SubnetId"]] for n in nats}
    if bp.network.nat == "single":
        assert len(nats) == 1, "single-NAT: one NAT gateway"
    else:
        assert sorted(nat_az.values()) == sorted(azs), "one NAT gateway in each AZ"
    # NAT gateways sit in public subnets (those routing to the internet gateway).
    public_rt = [
        rt
        for rt in snap["route_tables"]
        if any(r.get("GatewayId", "").startswith("igw-") for r in rt["Routes"])
    ]
    public_subnets = {
        a["SubnetId"] for rt in public_rt for a in rt["Associations"] if "SubnetId" in a
    }
    assert {n["SubnetId"] for n in nats} <= public_subnets
    private_rt = [
        rt for rt in snap["route_tables"] if any(r.get("NatGatewayId") for r in rt["Routes"])
    ]
    assert len(private_rt) == len(azs), "one private route table per AZ"
    private_subnets: set[str] = set()
    for rt in private_rt:
        subnets = [a["SubnetId"] for a in rt["Associations"] if "SubnetId" in a]
        rt_azs = {subnet_az[s] for s in subnets}
        assert len(subnets) == 2 and len(rt_azs) == 1, "app + data subnet of one AZ"
        default = [r for r in rt["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        assert len(default) == 1 and default[0].get("NatGatewayId") in nat_az
        if bp.network.nat != "single":
            assert nat_az[default[0]["NatGatewayId"]] in rt_azs, "private route to its own AZ's NAT"
        private_subnets.update(subnets)
    assert len(private_subnets) == 2 * len(azs)
    assert not private_subnets & public_subnets
    # The S3 gateway endpoint is on every private route table from static-web up.
    s3 = [
        e
        for e in snap["vpc_endpoints"]
        if e["ServiceName"] == f"com.amazonaws.{bp.region}.s3" and e["VpcEndpointType"] == "Gateway"
    ]
    if bp.stage >= Stage.STATIC_WEB:
        assert len(s3) == 1, "one S3 gateway endpoint"
        assert sorted(s3[0]["RouteTableIds"]) == sorted(rt["RouteTableId"] for rt in private_rt)
    else:
        assert s3 == [], f"no S3 gateway endpoint below static-web: {s3}"


def check_database(o: Stack, protection: bool = False) -> None:
    bp = o.rendered.blueprint
    engine = bp.database.engine
    multi_az = bp.stage >= Stage.MULTI_AZ
    # Read replicas spread read load; the ladder adds them with Multi-AZ (STAGES.md stage 3).
    replicas_wanted = bp.database.read_replicas if multi_az else 0
    instances = o.moto["db_instances"]
    if engine.startswith("aurora-"):
        [cluster] = o.moto["db_clusters"]
        members = [
            i for i in instances if i.get("DBClusterIdentifier") == cluster["DBClusterIdentifier"]
        ]
        zones = {i["AvailabilityZone"] for i in members}
        # writer + (Multi-AZ reader) + read replicas
        assert len(members) == 1 + int(multi_az) + replicas_wanted
        if multi_az:
            assert len(zones) >= 2, f"Aurora instances in two AZs, got {zones}"
        assert cluster["Port"] == ENGINE_PORTS[engine]
        assert cluster["StorageEncrypted"] is True
    else:
        assert o.moto["db_clusters"] == []
        primary = [i for i in instances if not i.get("ReadReplicaSourceDBInstanceIdentifier")]
        replicas = [i for i in instances if i.get("ReadReplicaSourceDBInstanceIdentifier")]
        assert len(primary) == 1 and len(replicas) == replicas_wanted
        assert primary[0]["MultiAZ"] is multi_az
        assert primary[0]["Engine"] == engine
        assert all(i["StorageEncrypted"] for i in instances)
        assert not any(i["PubliclyAccessible"] for i in instances)
        assert {i["Endpoint"]["Port"] for i in instances} == {ENGINE_PORTS[engine]}
    for db in by_type(o.state, "aws_db_instance") + by_type(o.state, "aws_rds_cluster"):
        # Read replicas are never protected: a copy of the primary, retired by
        # multi-az -> aws (docs/design/stage-steps.md).
        wanted = False if ".replica[" in db["address"] else protection
        assert db["values"]["deletion_protection"] is wanted, db["address"]


def check_launch_templates(o: Stack) -> None:
    templates = o.moto["launch_templates"]
    tiers = 2 if o.rendered.blueprint.stage < Stage.STATIC_WEB else 1  # web tier retired
    assert len(templates) == tiers
    for lt in templates:
        assert lt["data"]["MetadataOptions"]["HttpTokens"] == "required", f"IMDSv2: {lt['name']}"
    for lt in by_type(o.state, "aws_launch_template"):
        assert lt["values"]["metadata_options"][0]["http_tokens"] == "required"


def check_security_chain(o: Stack) -> None:
    bp = o.rendered.blueprint
    roles = _security_roles(o.state)
    chain = CHAIN_WITH_WEB if bp.stage < Stage.STATIC_WEB else CHAIN_NO_WEB
    assert sorted(roles.values()) == sorted(["alb", *chain])
    role_id = {role: gid for gid, role in roles.items()}
    ingress = [r for r in o.moto["security_group_rules"] if not r["IsEgress"]]
    by_role: dict[str, list[dict[str, Any]]] = {role: [] for role in role_id}
    for rule in ingress:
        # Only the stack's groups and the VPC's default group (which must have no rule).
        assert rule["GroupId"] in roles, f"ingress rule on a group outside the chain: {rule}"
        by_role[roles[rule["GroupId"]]].append(rule)
    internet = [
        r for r in ingress if r.get("CidrIpv4") == "0.0.0.0/0" or r.get("CidrIpv6") == "::/0"
    ]
    cidr_rules = [r for r in ingress if r.get("CidrIpv4") or r.get("CidrIpv6")]
    if bp.stage >= Stage.CDN:
        cloudfront_pl = next(
            p["PrefixListId"]
            for p in o.moto["managed_prefix_lists"]
            if p["PrefixListName"] == "com.amazonaws.global.cloudfront.origin-facing"
        )
        assert cidr_rules == [], f"at cdn no ingress rule admits a CIDR: {cidr_rules}"
        assert by_role["alb"] and all(
            r.get("PrefixListId") == cloudfront_pl for r in by_role["alb"]
        )
    else:
        opened = sorted({roles[r["GroupId"]] for r in internet})
        found = [
            (roles[r["GroupId"]], r.get("CidrIpv4") or r.get("CidrIpv6"), r["FromPort"])
            for r in internet
        ]
        assert opened == ["alb"], (
            f"internet ingress (0.0.0.0/0 or ::/0) only on the public ALB; found on {opened}: "
            f"{found}"
        )
        assert {r.get("CidrIpv4") or r.get("CidrIpv6") for r in by_role["alb"]} == {
            "0.0.0.0/0",
            "::/0",
        }
    for role, upstream in chain.items():
        rules = by_role[role]
        assert rules, f"{role} admits nobody"
        for rule in rules:
            referenced = rule.get("ReferencedGroupInfo", {}).get("GroupId")
            assert referenced == role_id[upstream], (
                f"{role} ingress must reference the {upstream} group only: {rule}"
            )
    db_port = ENGINE_PORTS[bp.database.engine]
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in by_role["db"]] == [
        ("tcp", db_port, db_port)
    ], "the database admits the app tier on its engine port only"


def _config_resource(plan: dict[str, Any], module: str, address: str) -> dict[str, Any]:
    """A resource's configuration (expressions and references) from a plan's JSON."""
    resources = plan["configuration"]["root_module"]["module_calls"][module]["module"]["resources"]
    [found] = [r for r in resources if r["address"] == address]
    return found


def check_bucket(o: Stack) -> None:
    bp = o.rendered.blueprint
    policies = o.moto["bucket_policies"]
    if bp.stage < Stage.STATIC_WEB:
        assert policies == {}, f"no bucket policy below static-web: {sorted(policies)}"
        return
    statements = policies[bp.frontend.bucket_name]["Statement"]
    public = [
        st
        for st in statements
        if st["Effect"] == "Allow" and st.get("Principal") in ("*", {"AWS": "*"})
    ]
    if bp.stage >= Stage.CDN:
        assert public == [], "behind CloudFront the bucket is private"
        [dist] = o.moto["distributions"]
        cloudfront = [
            st
            for st in statements
            if st["Effect"] == "Allow"
            and st.get("Principal") == {"Service": "cloudfront.amazonaws.com"}
        ]
        assert len(cloudfront) == 1
        assert cloudfront[0]["Condition"]["StringEquals"]["AWS:SourceArn"] == dist["ARN"]
    else:
        assert len(public) == 1 and public[0]["Action"] in ("s3:GetObject", ["s3:GetObject"])


def check_cdn(o: Stack) -> None:
    bp = o.rendered.blueprint
    dists = o.moto["distributions"]
    if bp.stage < Stage.CDN:
        assert dists == [], f"no CloudFront distribution below cdn: {len(dists)}"
        return
    [dist] = dists
    config = dist["DistributionConfig"]
    origins = {x["Id"]: x for x in config["Origins"]["Items"]}
    bucket = bp.frontend.bucket_name
    s3 = [x for x in origins.values() if x["DomainName"].startswith(f"{bucket}.s3.")]
    assert len(s3) == 1, "one S3 origin (the bucket's REST endpoint)"
    # OAC: the one moto holds signs S3 requests. moto 5.2 drops OriginAccessControlId from
    # the distribution it returns, so the binding is checked in the plan's configuration.
    [oac] = o.moto["origin_access_controls"]
    assert (
        oac["OriginAccessControlOriginType"],
        oac["SigningBehavior"],
        oac["SigningProtocol"],
    ) == (
        "s3",
        "always",
        "sigv4",
    )
    [oac_state] = by_type(o.state, "aws_cloudfront_origin_access_control")
    assert oac_state["values"]["id"] == oac["Id"]
    dist_config = _config_resource(o.plan, "cdn", "aws_cloudfront_distribution.this")
    bound = [
        origin["origin_access_control_id"]["references"]
        for origin in dist_config["expressions"]["origin"]
        if "origin_access_control_id" in origin
    ]
    assert bound == [
        [
            "aws_cloudfront_origin_access_control.this.id",
            "aws_cloudfront_origin_access_control.this",
        ]
    ]
    alb = [x for x in origins.values() if x is not s3[0]]
    assert len(alb) == 1 and alb[0]["CustomOriginConfig"]["OriginProtocolPolicy"] in (
        "https-only",
        "http-only",
    )
    if bp.dns is not None:
        assert alb[0]["DomainName"] == f"origin.{bp.dns.record}.{bp.dns.zone}"
    else:
        [lb] = [r for r in by_type(o.state, "aws_lb") if r["address"].startswith("module.alb.")]
        assert alb[0]["DomainName"] == lb["values"]["dns_name"]
    behaviours = config["CacheBehaviors"].get("Items", [])
    assert [(b["PathPattern"], b["TargetOriginId"]) for b in behaviours] == [
        (bp.cdn.api_path, alb[0]["Id"])
    ]
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == s3[0]["Id"]
    check_origin_verification(o)


def check_origin_verification(o: Stack) -> None:
    """The ALB forwards only what carries the secret CloudFront sends (issue 11, point 7),
    and the distribution serves the blueprint's documents (point 6); read back from moto
    through the provider's refresh (the state), the secret never from a rendered file."""
    assert o.rendered is not None
    bp = o.rendered.blueprint
    [secret] = [r for r in by_type(o.state, "terraform_data")
                if r["address"].endswith("origin_verify")]
    value = secret["values"]["output"]
    assert isinstance(value, str) and len(value) == 36, "a uuid() generated at apply time"
    assert all(value not in text for text in o.rendered.files.values())
    [dist] = by_type(o.state, "aws_cloudfront_distribution")
    headers = [h for origin in dist["values"]["origin"] for h in origin["custom_header"]]
    assert headers == [{"name": "X-Origin-Verify", "value": value}], headers
    assert dist["values"]["default_root_object"] == bp.frontend.index_document
    assert [(e["error_code"], e["response_code"], e["response_page_path"])
            for e in dist["values"]["custom_error_response"]] == [
        (403, 404, f"/{bp.frontend.error_document}")]
    [rule] = by_type(o.state, "aws_lb_listener_rule")
    [cond] = rule["values"]["condition"]
    assert cond["http_header"] == [{"http_header_name": "X-Origin-Verify", "values": [value]}]
    forwarding = [r for r in by_type(o.state, "aws_lb_listener")
                  if r["address"].startswith("module.alb.")
                  and r["values"]["arn"] == rule["values"]["listener_arn"]]
    assert len(forwarding) == 1, "the rule sits on the public ALB's forwarding listener"
    assert forwarding[0]["values"]["default_action"][0]["type"] == "fixed-response"




def check_architecture(o: Stack, protection: bool = False) -> None:
    """Every read-back check of the stage the stack was rendered at.

    `protection`: the deletion protection the database must have in the state.
    """
    check_network(o)
    check_database(o, protection)
    check_launch_templates(o)
    check_security_chain(o)
    check_bucket(o)
    check_cdn(o)
