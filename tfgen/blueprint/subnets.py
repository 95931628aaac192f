"""Subnet layout: the CIDR of every subnet, derived like Terraform's `cidrsubnet`.

Derived layout (documented in docs/blueprint-reference.md): the VPC is cut into
`/subnet_prefix_length` blocks numbered 0, 1, 2 … (`cidrsubnet(vpc_cidr, newbits, n)`);
the public subnet of the i-th AZ is block `i`, its app subnet block `stride + i`, its
data subnet block `2 * stride + i`, where `stride` is 16 (or a quarter of the blocks
when there are fewer than 64). Adding an AZ at the end never moves an existing subnet.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

PURPOSES = ("public", "app", "data")

#: AWS: a VPC's IPv4 block is /16 (largest) to /28 (smallest) — EC2 CreateVpc API reference.
AWS_VPC_PREFIXES = (16, 28)
#: tfgen's own floor. The derived layout needs 3 purposes x 2 AZs of subnets spaced a
#: quarter of the VPC apart (see `stride`), and a subnet a load balancer uses needs at least
#: a /27 (ALB guide, "Subnets for your load balancer"): a /24 cut into /27 blocks is the
#: smallest VPC that holds that (8 blocks, stride 2); a /25 has stride 1.
MIN_VPC_PREFIX = 24


@dataclass(frozen=True)
class AzSubnets:
    """The three subnets of one Availability Zone."""

    public: str
    app: str
    data: str


def stride(vpc_prefix: int, subnet_prefix: int) -> int:
    """Distance in blocks between the purposes' ranges."""
    blocks: int = 2 ** (subnet_prefix - vpc_prefix)
    return min(16, blocks // 4)


def derive(vpc_cidr: str, subnet_prefix: int, azs: list[str]) -> dict[str, AzSubnets]:
    """Subnets per AZ; ValueError when the VPC is too small for them."""
    vpc = ipaddress.IPv4Network(vpc_cidr)
    if subnet_prefix <= vpc.prefixlen:
        raise ValueError(f"subnet_prefix_length /{subnet_prefix} must be longer than the "
                         f"VPC's /{vpc.prefixlen}")
    step = stride(vpc.prefixlen, subnet_prefix)
    if step < len(azs):
        raise ValueError(f"a /{vpc.prefixlen} VPC cut into /{subnet_prefix} subnets has room "
                         f"for {max(step, 0)} AZs per purpose, not {len(azs)} — use a larger "
                         "VPC or a longer subnet_prefix_length")
    size = 2 ** (32 - subnet_prefix)
    base = int(vpc.network_address)

    def block(n: int) -> str:
        return str(ipaddress.IPv4Network((base + n * size, subnet_prefix)))

    return {
        az: AzSubnets(public=block(i), app=block(step + i), data=block(2 * step + i))
        for i, az in enumerate(azs)
    }


def vpc_size_problem(prefix: int) -> str | None:
    """Why a VPC of size `/prefix` is refused (AWS's limits, then tfgen's floor), or None."""
    largest, smallest = AWS_VPC_PREFIXES
    wanted = f"use a prefix between /{largest} and /{MIN_VPC_PREFIX}"
    if not largest <= prefix <= smallest:
        return (f"/{prefix} is not a VPC size AWS allows (/{largest} to /{smallest}) "
                f"— {wanted}")
    if prefix > MIN_VPC_PREFIX:
        return (f"/{prefix} is smaller than tfgen's floor of /{MIN_VPC_PREFIX} (AWS allows "
                f"down to /{smallest}): tfgen cuts the VPC into public, app and data "
                "subnets in at least two AZs, a quarter of the VPC apart, and a load "
                f"balancer's subnets need at least a /27 — {wanted}")
    return None
