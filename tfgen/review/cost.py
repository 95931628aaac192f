"""The monthly bill of a render context, and the cost delta of a change: an estimate.

Counts come from the same decisions the templates read (`RenderContext`), prices from
the dated table in `tfgen.review.prices`. Every line carries the usage assumption it rests on
(hours, GB, LCU, requests), because a number without its assumption cannot be reviewed.
Free tiers are not deducted; scaling above the desired capacity is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tfgen.render.context import RenderContext
from tfgen.review.prices import HOURS_PER_MONTH, PRICES_DATE, known_region, quote

H = HOURS_PER_MONTH
#: Usage assumptions (the review prints each next to its line).
NAT_GB_MONTH = 100          # GB through the NAT gateway(s) a month: updates, packages, APIs
ALB_LCU = 1.0               # average LCUs per load balancer per hour
CDN_GB_MONTH = 100          # GB CloudFront serves to viewers a month
CDN_REQUESTS = 1_000_000    # HTTPS requests to CloudFront a month
S3_GB = 1                   # front-end build plus 30 days of noncurrent versions
S3_PUTS = 1_000             # uploads a month (deploys)
S3_GETS_WEBSITE = 1_000_000  # GETs a month when S3 serves the viewers (stage static-web)
S3_GETS_CDN = 100_000        # GETs a month behind CloudFront (90 % cache hits assumed)


@dataclass(frozen=True)
class Line:
    """One line of a bill: what, how much a month (None: no price), and on what basis."""

    key: str
    label: str
    monthly: float | None
    assumption: str
    sources: tuple[str, ...] = ()
    #: Price items of this line priced at us-east-1 for want of the region's own.
    fallback: tuple[str, ...] = ()
    #: Price items with no price at all (the line's `monthly` is then None).
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bill:
    """The monthly estimate of one render (or of nothing applied yet: no lines)."""

    region: str
    lines: tuple[Line, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        """Sum of the lines that have a price (see `incomplete`)."""
        return round(sum(ln.monthly or 0.0 for ln in self.lines), 2)

    @property
    def incomplete(self) -> bool:
        return any(ln.monthly is None for ln in self.lines)

    def line(self, key: str) -> Line | None:
        return next((ln for ln in self.lines if ln.key == key), None)


@dataclass
class _Builder:
    region: str
    lines: list[Line] = field(default_factory=list)

    def add(self, key: str, label: str, parts: list[tuple[str, float]], assumption: str) -> None:
        """A line priced as the sum of quantity x price(item) over `parts`."""
        total, sources, fallback, missing = 0.0, [], [], []
        for item, quantity in parts:
            q = quote(item, self.region)
            if q.usd is None:
                missing.append(f"{item} ({q.note})")
                continue
            if q.fallback:
                fallback.append(item)
            total += quantity * q.usd
            if q.source and q.source not in sources:
                sources.append(q.source)
        self.lines.append(Line(key, label, None if missing else round(total, 2), assumption,
                               tuple(sources), tuple(fallback), tuple(missing)))


def _money(value: float) -> str:
    return f"${value:,.3f}".rstrip("0").rstrip(".") if value < 0.1 else f"${value:,.2f}"


def _tier_lines(b: _Builder, name: str, tier: dict[str, object]) -> None:
    count = int(str(tier["desired_capacity"]))
    itype = str(tier["instance_type"])
    disk = int(str(tier["root_volume_size"]))
    b.add(f"{name}_instances", f"{name} tier instances", [(f"ec2.{itype}", count * H)],
          f"{count} × {itype} (desired capacity) × {H} h, Linux on-demand; scale-out above "
          "desired not counted")
    b.add(f"{name}_volumes", f"{name} tier root volumes", [("ebs.gp3_gb", count * disk)],
          f"{count} × {disk} GB gp3")


def database_parts(ctx: RenderContext, multi_az: bool) -> tuple[str, int, int]:
    """(price item, instance count, GB stored) of the primary (+ standby): no replicas."""
    db = ctx.values["database"]
    copies = 2 if multi_az else 1
    return (f"rds.{db['engine']}.{db['instance_class']}", copies,
            copies * int(db["allocated_storage"]))


def _database_lines(b: _Builder, ctx: RenderContext) -> None:
    db = ctx.values["database"]
    item, copies, gb = database_parts(ctx, bool(db["multi_az"]))
    who = "primary + Multi-AZ standby" if copies == 2 else "single-AZ primary"
    b.add("db_instances", "database instances", [(item, copies * H)],
          f"{copies} × {db['instance_class']} ({who}) × {H} h, {db['engine']}")
    replicas = int(db["read_replica_count"])
    if replicas:
        b.add("db_replicas", "database read replicas", [(item, replicas * H)],
              f"{replicas} × {db['instance_class']} × {H} h (same class as the primary)")
    if str(db["engine"]).startswith("aurora"):
        # One cluster volume shared by writer and readers, billed per GB-month and I/O at
        # Aurora's own prices, which the table does not have: said, not guessed.
        b.add("db_storage", "database storage", [("rds.aurora_gb", int(db["allocated_storage"]))],
              "Aurora cluster volume (shared by all instances), GB-month and I/O")
        return
    stored = gb + replicas * int(db["allocated_storage"])
    b.add("db_storage", "database storage", [("rds.gp3_gb", stored)],
          f"{copies + replicas} × {db['allocated_storage']} GB gp3 (each instance its own "
          "copy); growth to max_allocated_storage and backups beyond 100 % not counted")


def bill(ctx: RenderContext) -> Bill:
    """The monthly estimate of everything `ctx` renders, line by line."""
    v, f = ctx.values, ctx.features
    region = str(v["region"])
    b = _Builder(region)
    azs = len(v["network"]["azs"])
    nats = 1 if v["network"]["single_nat_gateway"] else azs
    b.add("nat_hours", "NAT gateways", [("nat_hour", nats * H)],
          f"{nats} × {H} h ({'one for the VPC' if nats == 1 else 'one per AZ'})")
    b.add("nat_data", "NAT data processing", [("nat_gb", NAT_GB_MONTH)],
          f"{NAT_GB_MONTH} GB a month in total through NAT"
          + ("; S3 traffic takes the free gateway endpoint" if f.s3_endpoint else ""))
    ipv4 = nats + azs
    b.add("public_ipv4", "public IPv4 addresses", [("public_ipv4_hour", ipv4 * H)],
          f"one Elastic IP per NAT gateway + one per AZ of the internet-facing ALB "
          f"({nats} + {azs}) × {H} h; an ALB may add addresses as it scales")
    albs = 2 if f.web_tier else 1
    which = "public + internal" if albs == 2 else "public"
    b.add("alb_hours", "load balancers", [("alb_hour", albs * H)],
          f"{albs} ({which}) × {H} h")
    b.add("alb_lcu", "load balancer capacity (LCU)", [("alb_lcu_hour", albs * ALB_LCU * H)],
          f"{ALB_LCU:g} LCU per ALB per hour (25 new connections/s, 3,000 active "
          f"connections/min or 1 GB/h) × {albs} × {H} h")
    if f.web_tier:
        _tier_lines(b, "web", v["web_tier"])
    _tier_lines(b, "app", v["app_tier"])
    _database_lines(b, ctx)
    if f.dns:
        b.add("dns_zone", "Route 53 hosted zone", [],
              f"the zone {v['dns']['zone_name']} is looked up, not created: its "
              "$0.50/month is billed with or without tfgen; alias queries are free")
    if f.health_check:
        b.add("dns_health_check", "Route 53 health check (HTTPS)",
              [("route53.health_check", 1)], "1 HTTPS check of an AWS endpoint")
        b.add("dns_health_alarm", "CloudWatch alarm on the health check (us-east-1)",
              [("cloudwatch.alarm", 1)], "1 standard alarm; its SNS topic's few emails "
              "($2 per 100,000) are not counted")
    if f.static_site:
        gets = S3_GETS_CDN if f.cdn else S3_GETS_WEBSITE
        b.add("s3", "S3 front-end bucket",
              [("s3.gb", S3_GB), ("s3.put_1k", S3_PUTS / 1000), ("s3.get_1k", gets / 1000)],
              f"{S3_GB} GB stored, {S3_PUTS:,} PUT and {gets:,} GET a month"
              + (" (CloudFront caches the rest)" if f.cdn else " (S3 serves every viewer)"))
    if f.s3_endpoint:
        b.add("s3_endpoint", "S3 gateway endpoint", [("vpc.gateway_endpoint", 1)],
              "gateway endpoints have no hourly or data charge")
    if f.cdn:
        b.add("cdn_egress", "CloudFront data transfer out", [("cloudfront.egress_gb",
                                                              CDN_GB_MONTH)],
              f"{CDN_GB_MONTH} GB a month to viewers near {region} (first-10-TB price)")
        b.add("cdn_requests", "CloudFront requests",
              [("cloudfront.https_10k", CDN_REQUESTS / 10_000)],
              f"{CDN_REQUESTS:,} HTTPS requests a month")
    warnings = [] if known_region(region) else [
        f"region {region} is not in the price table (researched: us-east-1, ap-northeast-2, "
        "eu-west-1, eu-central-1): us-east-1 prices are used, the real bill differs"]
    return Bill(region, tuple(b.lines), tuple(warnings))


def nothing(region: str) -> Bill:
    """The bill of an environment with nothing applied yet."""
    return Bill(region)


@dataclass(frozen=True)
class Row:
    """One line of the change: before, after (None: not in that bill), delta."""

    key: str
    label: str
    before: float | None
    after: float | None
    assumption: str
    priced: bool
    #: Priced (partly) at us-east-1 for want of the region's own price.
    fallback: bool = False
    #: The line appears, disappears or costs another amount.
    changed: bool = True
    in_before: bool = True
    in_after: bool = True

    @property
    def delta(self) -> float:
        return round((self.after or 0.0) - (self.before or 0.0), 2)


@dataclass(frozen=True)
class CostDelta:
    """The monthly cost change of a step: every line, totals, warnings, the price date."""

    before: Bill
    after: Bill
    rows: tuple[Row, ...]
    date: str = PRICES_DATE

    @property
    def delta(self) -> float:
        return round(self.after.total - self.before.total, 2)

    @property
    def warnings(self) -> tuple[str, ...]:
        """What makes this estimate less than the region's own list prices, said once."""
        out = list(dict.fromkeys(self.before.warnings + self.after.warnings))
        by_region: dict[str, dict[str, None]] = {}
        for b in (self.before, self.after):
            if known_region(b.region):  # an unknown region's warning is said above
                by_region.setdefault(b.region, {}).update(
                    dict.fromkeys(i for ln in b.lines for i in ln.fallback))
        out += [f"no {region} price in the table for {', '.join(items)}: us-east-1 prices "
                "used for those lines (marked *), the real ones are likely higher"
                for region, items in by_region.items() if items]
        missing = list(dict.fromkeys(i for b in (self.before, self.after)
                                     for ln in b.lines for i in ln.missing))
        if missing:
            out.append(f"no price at all for {'; '.join(missing)}: not counted in the total")
        return tuple(out)


def compare(before: Bill, after: Bill) -> CostDelta:
    """Line-by-line change from `before` to `after` (lines keep the after bill's order)."""
    keys = [ln.key for ln in after.lines]
    keys += [ln.key for ln in before.lines if ln.key not in keys]
    rows = []
    for key in keys:
        old, new = before.line(key), after.line(key)
        shown = new or old
        assert shown is not None
        both = [ln for ln in (old, new) if ln is not None]
        label = shown.label if len(both) == 1 or both[0].label == both[1].label \
            else f"{both[0].label} → {both[1].label}"
        rows.append(Row(key, label, None if old is None else old.monthly,
                        None if new is None else new.monthly, shown.assumption,
                        all(ln.monthly is not None for ln in both),
                        any(ln.fallback for ln in both),
                        len(both) == 1 or both[0].monthly != both[1].monthly
                        or both[0].assumption != both[1].assumption,
                        old is not None, new is not None))
    return CostDelta(before, after, tuple(rows))


def multi_az_sentence(ctx: RenderContext, reverse: bool = False) -> str:
    """The stage story's Multi-AZ cost, computed from the table for `ctx`'s database
    (primary + storage, without replicas); `reverse`: the step back to one instance."""
    db = ctx.values["database"]
    where = str(ctx.values["region"])
    amounts = []
    for multi in (False, True):
        item, copies, gb = database_parts(ctx, multi)
        inst, store = quote(item, where), quote("rds.gp3_gb", where)
        if inst.usd is None or store.usd is None:
            return (f"Here Multi-AZ bills two {db['instance_class']} instances and two "
                    f"copies of {db['allocated_storage']} GB (no {db['engine']} "
                    f"{db['instance_class']} price in the table to put a number on it).")
        amounts.append(copies * H * inst.usd + gb * store.usd)
    old, new = (amounts[1], amounts[0]) if reverse else (amounts[0], amounts[1])
    fallback = f" at us-east-1 prices, {where}'s not in the table" \
        if quote(f"rds.{db['engine']}.{db['instance_class']}", where).fallback else ""
    return (f"Here the database ({db['instance_class']}, {db['allocated_storage']} GB) goes "
            f"from {_money(old)} to {_money(new)} a month (×{new / old:.2f}{fallback}; "
            f"estimate, list prices of {PRICES_DATE}).")


__all__ = ["Bill", "CostDelta", "Line", "Row", "bill", "compare", "database_parts",
           "multi_az_sentence", "nothing"]
