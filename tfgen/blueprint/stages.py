"""The architecture ladder from the source article: which stage builds what, and why.

Stages are ordered; a stage includes everything below it unless it says it replaces
something. Everything else in tfgen asks this module "is feature X on at stage S"
instead of comparing stage names.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Stage(enum.Enum):
    """A rung of the ladder. The value is the stage's name in blueprints."""

    AWS = "aws"
    MULTI_AZ = "multi-az"
    STATIC_WEB = "static-web"
    CDN = "cdn"

    @property
    def number(self) -> int:
        """The article's numbering: stage 1 is on-premises (not generated)."""
        return list(Stage).index(self) + 2

    @property
    def info(self) -> StageInfo:
        return _INFO[self]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Stage):
            return NotImplemented
        return self.number >= other.number

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Stage):
            return NotImplemented
        return self.number > other.number

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Stage):
            return NotImplemented
        return self.number <= other.number

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Stage):
            return NotImplemented
        return self.number < other.number


@dataclass(frozen=True)
class StageInfo:
    """What a stage adds, in one line and in the article's words."""

    title: str
    adds: str
    story: str


_INFO: dict[Stage, StageInfo] = {
    Stage.AWS: StageInfo(
        title="The service on AWS",
        adds="VPC over 2+ AZs, NAT per AZ, ALB, web and app Auto Scaling groups, RDS, "
        "Route 53, security groups chained ALB → web → app → DB",
        story="The on-premises mall moves to AWS: servers become launch templates in Auto "
        "Scaling groups behind a load balancer, spread over several Availability Zones, "
        "so capacity follows demand and one data centre failing no longer stops the shop.",
    ),
    Stage.MULTI_AZ: StageInfo(
        title="No single point of failure in the database",
        adds="RDS Multi-AZ (a synchronous standby in another AZ); optional read replicas",
        story="Growth overloaded the single database and took the whole service down. "
        "Multi-AZ keeps a synchronous standby in another AZ that takes no queries; on "
        "failure RDS promotes it and clients reconnect to the same endpoint within "
        "minutes, without losing committed data. The standby's instance-hours and storage are "
        "billed like the primary's. "
        "Read replicas are different: asynchronous, for read load, no automatic failover.",
    ),
    Stage.STATIC_WEB: StageInfo(
        title="Static content from S3",
        adds="S3 static website for the front end, web tier retired, S3 gateway endpoint",
        story="Static files duplicated on every web server waste storage. The front end "
        "moves to S3 static website hosting, the web tier is retired and the load "
        "balancer sends API traffic straight to the app tier, which now reaches S3 "
        "through a gateway VPC endpoint instead of the NAT gateway. Until stage cdn the "
        "front end is served over plain HTTP only, from the bucket's S3 website endpoint "
        "(S3 website endpoints have no HTTPS), while the shop's domain still points at the "
        "load balancer. The bucket needs a public-read policy: if the account's S3 Block "
        "Public Access blocks public policies, the apply fails.",
    ),
    Stage.CDN: StageInfo(
        title="A cache near the users",
        adds="CloudFront in front of S3 (OAC, bucket private) and the ALB; Route 53 → CloudFront",
        story="Users abroad find the {home}-hosted shop slow. CloudFront caches content at "
        "edge locations near them; Route 53 now points the domain at CloudFront, the "
        "bucket becomes private (readable only through Origin Access Control) and the "
        "load balancer admits only CloudFront instead of the whole internet.",
    ),
}

_ALIASES: dict[str, Stage] = {
    **{s.value: s for s in Stage},
    **{str(s.number): s for s in Stage},
}

STAGE_CHOICES = tuple(_ALIASES)


def parse_stage(value: object) -> Stage:
    """A stage from its name or number (2–5); ValueError names the valid choices."""
    if isinstance(value, Stage):
        return value
    names = ", ".join(f"{s.value} ({s.number})" for s in Stage)
    key = "" if isinstance(value, bool) else str(value).strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(f"unknown stage {value!r} — choose one of {names}")
