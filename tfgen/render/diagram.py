"""The architecture of a stage as a diagram model, read from the render context.

The picture is built from the same decided values the templates read (features, AZs,
subnets, tiers, database), so it cannot drift from the Terraform. A diagram is a flat,
frozen model of clusters, nodes and edges whose ids are the same at every stage: that is
what lets a stage step be drawn as before/after pictures with the added and removed parts
marked. Turning the model into DOT, mermaid, SVG or PNG is tfgen/render/diagram_emit.py's job.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from tfgen.render.context import RenderContext

#: `--stage` spellings of the on-premises starting point (stage 1, never rendered).
ON_PREM = ("on-prem", "1")


@dataclass(frozen=True)
class Cluster:
    """A box around nodes: region, VPC, AZ, subnet, data centre. `parent` "" = top."""

    id: str
    label: str
    kind: str
    parent: str = ""


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str
    parent: str = ""


@dataclass(frozen=True)
class Edge:
    """From node or cluster `src` to `dst` (a cluster stands for its route table)."""

    src: str
    dst: str
    label: str = ""
    #: Dashed: not request traffic (DNS, replication, egress, S3 API calls).
    dashed: bool = False
    #: Points back up the picture (egress): graphviz must not rank nodes by it.
    back: bool = False


@dataclass(frozen=True)
class Diagram:
    title: str
    clusters: tuple[Cluster, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    #: Layout hints for graphviz only: node ids on one row (left to right) ...
    rows: tuple[tuple[str, ...], ...] = ()
    #: ... and node ids stacked in one column (top to bottom), one per AZ.
    columns: tuple[tuple[str, ...], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The model for `--format json` (layout hints left out: they are not facts)."""
        data = asdict(self)
        del data["rows"], data["columns"]
        return data

    def same_picture(self, other: Diagram) -> bool:
        """Whether both draw the same parts (the title may differ)."""
        return (self.clusters, self.nodes, self.edges) == (
            other.clusters, other.nodes, other.edges)


class _Builder:
    def __init__(self) -> None:
        self.clusters: list[Cluster] = []
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []

    def cluster(self, id_: str, label: str, kind: str, parent: str = "") -> str:
        self.clusters.append(Cluster(id_, label, kind, parent))
        return id_

    def node(self, id_: str, label: str, kind: str, parent: str = "") -> str:
        self.nodes.append(Node(id_, label, kind, parent))
        return id_

    def edge(self, src: str, dst: str, label: str = "", dashed: bool = False,
             back: bool = False) -> None:
        self.edges.append(Edge(src, dst, label, dashed, back))

    def build(self, title: str, rows: list[list[str]] | None = None,
              columns: list[list[str]] | None = None) -> Diagram:
        return Diagram(title, tuple(self.clusters), tuple(self.nodes), tuple(self.edges),
                       tuple(tuple(r) for r in rows or [] if r),
                       tuple(tuple(c) for c in columns or [] if len(c) > 1))


def _slug(text: str) -> str:
    """An id both DOT and mermaid accept: `ap-northeast-2a` -> `ap_northeast_2a`."""
    return re.sub(r"[^A-Za-z0-9]", "_", text)


def _tier_label(name: str, tier: dict[str, Any]) -> str:
    return (f"{name} tier (Auto Scaling {tier['min_size']}–{tier['max_size']})\n"
            f"{tier['instance_type']} :{tier['port']}")


def _database(b: _Builder, ctx: RenderContext, subnet: dict[str, str]) -> list[str]:
    """Primary, standby and replicas, in the zones the database module gives Aurora's.

    (For RDS instances RDS picks the zones; the picture uses the same rule: primary in the
    first AZ, standby in the second, replica n in zone n modulo the AZ count.)
    """
    db, azs = ctx.values["database"], list(subnet)
    aurora = db["engine"].startswith("aurora-")
    head = f"{db['engine']} {db['engine_version']}\n{db['instance_class']}"
    made = [b.node("db_primary", ("Aurora writer\n" if aurora else "RDS primary\n") + head,
                   "database", subnet[azs[0]])]
    if db["multi_az"]:
        standby = "Aurora reader (failover)" if aurora else "RDS standby (Multi-AZ)"
        made.append(b.node("db_standby", f"{standby}\nsynchronous copy, no queries",
                           "database", subnet[azs[1 % len(azs)]]))
        b.edge("db_primary", "db_standby", dashed=True, back=True)
    for n in range(1, db["read_replica_count"] + 1):
        made.append(b.node(f"db_replica_{n}", f"read replica {n}\nasynchronous copy, reads",
                           "database", subnet[azs[n % len(azs)]]))
        b.edge("db_primary", f"db_replica_{n}", dashed=True, back=True)
    return made


def _edge_services(b: _Builder, ctx: RenderContext, region: str) -> None:
    """Users, Route 53, CloudFront and the bucket, and how requests reach the VPC."""
    f, v = ctx.features, ctx.values
    b.node("users", "Users\n(internet)", "actor")
    if f.dns:
        b.node("route53", f"Route 53\n{v['dns']['record_name']}", "dns")
        b.edge("users", "route53", "DNS", dashed=True)
        b.edge("route53", "cloudfront" if f.cdn else "alb", "alias", dashed=True)
    if f.cdn:
        b.node("cloudfront", f"CloudFront ({v['cdn']['price_class']})\n"
               "cache at edge locations", "cdn")
    b.edge("users", "cloudfront" if f.cdn else "igw", "HTTPS" if f.https else "HTTP")
    if f.static_site:
        access = "private (CloudFront OAC)" if f.cdn else "static website, public HTTP"
        b.node("bucket", f"S3 bucket\n{v['frontend']['bucket_name']}\n{access}", "storage",
               region)
        if f.public_website:
            b.edge("users", "bucket", "front end, HTTP")
    if f.cdn:
        b.edge("cloudfront", "bucket", "default: front end")
        b.edge("cloudfront", "igw", f"{v['cdn']['api_path_pattern']} → ALB")
        if f.dns:
            b.edge("route53", "alb", "alias origin.", dashed=True)


def from_context(ctx: RenderContext) -> Diagram:
    """The architecture a render of `ctx` builds, as a diagram model."""
    f, v = ctx.features, ctx.values
    net, app = v["network"], v["app_tier"]
    azs = list(net["azs"])
    b = _Builder()
    region = b.cluster("region", f"Region {v['region']}", "region")
    _edge_services(b, ctx, region)
    vpc = b.cluster("vpc", f"VPC {net['vpc_cidr']}", "vpc", region)
    b.node("igw", "Internet gateway", "gateway", vpc)
    b.node("alb", "Application Load Balancer\n"
           + ("HTTPS 443 (80 redirects)" if f.https else "HTTP 80"), "lb", vpc)
    b.edge("igw", "alb")
    if f.web_tier:
        b.node("internal_alb", "internal ALB\nHTTP 80", "lb", vpc)
    if f.s3_endpoint:
        b.node("s3_endpoint", "S3 gateway endpoint\n(S3 route in private\nroute tables)",
               "gateway", vpc)
        b.edge("s3_endpoint", "bucket", dashed=True)
    nat_azs = azs[:1] if net["single_nat_gateway"] else azs
    data: dict[str, str] = {}
    columns: dict[str, list[str]] = {az: [] for az in azs}
    for az in azs:
        s, cidrs = _slug(az), net["azs"][az]
        zone = b.cluster(f"az_{s}", f"Availability Zone {az}", "az", vpc)
        public = b.cluster(f"public_{s}", f"public subnet {cidrs['public_cidr']}", "public", zone)
        private = b.cluster(f"private_app_{s}", f"private app subnet {cidrs['app_cidr']}",
                            "private", zone)
        data[az] = b.cluster(f"private_data_{s}", f"private data subnet {cidrs['data_cidr']}",
                             "private", zone)
        if az in nat_azs:
            columns[az].append(b.node(f"nat_{s}", "NAT gateway\n+ Elastic IP", "gateway",
                                      public))
            b.edge(f"nat_{s}", "igw", dashed=True, back=True)
        nat = f"nat_{_slug(az if az in nat_azs else nat_azs[0])}"
        if f.web_tier:
            web = v["web_tier"]
            columns[az].append(b.node(f"web_{s}", _tier_label("web", web), "compute", private))
            b.edge("alb", f"web_{s}", f":{web['port']}")
            b.edge(f"web_{s}", "internal_alb", ":80")
        columns[az].append(b.node(f"app_{s}", _tier_label("app", app), "compute", private))
        b.edge("internal_alb" if f.web_tier else "alb", f"app_{s}", f":{app['port']}")
        b.edge(f"app_{s}", "db_primary", f":{v['database']['port']}")
        b.edge(private, nat, "0.0.0.0/0 (updates)", dashed=True, back=True)
        if f.s3_endpoint:
            b.edge(private, "s3_endpoint", dashed=True)
    databases = _database(b, ctx, data)
    for az in azs:
        columns[az] += [n.id for n in b.nodes if n.parent == data[az]][:1]
    rows = [[f"{tier}_{_slug(az)}" for az in azs if f"{tier}_{_slug(az)}" in
             {n.id for n in b.nodes}] for tier in ("nat", "web", "app")]
    title = (f"{v['name']} ({v['environment']}) — stage {ctx.stage.number} "
             f"{ctx.stage.value}: {ctx.stage.info.title}")
    return b.build(title, [*rows, databases], list(columns.values()))


def on_premises(name: str, environment: str, servers: int = 3) -> Diagram:
    """Stage 1 of the article, the "before" picture: one data centre, all by hand."""
    b = _Builder()
    b.node("users", "Users\n(internet)", "actor")
    dc = b.cluster("datacentre", "one data centre: a disaster here stops everything",
                   "datacentre")
    b.node("lb", "load balancer\n(servers added by hand)", "lb", dc)
    b.edge("users", "lb", "HTTP")
    for n in range(1, servers + 1):
        b.node(f"server_{n}", f"web + app server {n}\n(bought and installed)", "server", dc)
        b.edge("lb", f"server_{n}")
        b.edge(f"server_{n}", "dbserver")
    b.node("dbserver", "database server\n(single)", "database", dc)
    return b.build(f"{name} ({environment}) — stage 1 on-prem: the starting point "
                   "(not generated)", [[f"server_{n}" for n in range(1, servers + 1)]])
