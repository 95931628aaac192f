"""Subnets big enough for what lives in them.

The public subnets hold the internet-facing ALB, the app subnets the internal ALB (and
the app tier). AWS: "verify that each subnet for your load balancer has a CIDR block
with at least a /27 bitmask (for example, 10.0.0.0/27) and has at least 8 free IP
addresses" (Application Load Balancers, "Subnets for your load balancer":
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#subnets-load-balancer).
A /28 therefore passes `terraform plan` and fails at apply; tfgen refuses it up front.
Data subnets hold only the database and may be /28 (the VPC minimum).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from tfgen.blueprint.loader import Document
from tfgen.blueprint.model import Network
from tfgen.errors import Problem

#: The smallest subnet (longest prefix) a load balancer may be placed in.
LB_SUBNET_MAX_PREFIX = 27
_WHY = "AWS wants a /27 or larger subnet for a load balancer"


def size_problems(doc: Document, net: Network, bad: frozenset[str]) -> Iterator[Problem]:
    """Derived or explicit public/app subnets smaller than a load balancer needs."""
    if net.subnets is None:
        if "subnet_prefix_length" not in bad and \
                net.subnet_prefix_length > LB_SUBNET_MAX_PREFIX:
            yield doc.problem(("network", "subnet_prefix_length"),
                              f"/{net.subnet_prefix_length} subnets are too small for the load "
                              f"balancers in the public and app subnets ({_WHY}) — use "
                              f"{LB_SUBNET_MAX_PREFIX} or less")
        return
    if "subnets" in bad:
        return
    for az, sset in net.subnets.items():
        for purpose in ("public", "app"):
            cidr = ipaddress.IPv4Network(getattr(sset, purpose))
            if cidr.prefixlen > LB_SUBNET_MAX_PREFIX:
                yield doc.problem(("network", "subnets", az, purpose),
                                  f"{cidr} is too small for the {purpose} subnet, which holds "
                                  f"a load balancer ({_WHY}) — use a /27 or larger range")
