"""The inventory's building blocks: resources, references, addresses, the builder.

Shared by tfgen.review.inventory (the core modules) and tfgen.review.inventory_edge (the website's
edge), and by the review, which reads Ref and Resource.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: Shown in place of the CloudFront origin-facing managed prefix list's ID.
CLOUDFRONT_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
#: The secret header CloudFront sends and the public ALB requires from stage cdn on.
ORIGIN_VERIFY_HEADER = "X-Origin-Verify"
ANYWHERE_V4 = "0.0.0.0/0"
ANYWHERE_V6 = "::/0"


@dataclass(frozen=True, order=True)
class Ref:
    """An argument whose value is another resource's attribute (known after apply)."""

    address: str
    attribute: str = "id"

    def __str__(self) -> str:
        return f"{self.address}.{self.attribute}"


@dataclass(frozen=True)
class Resource:
    """One resource instance: its type, the root-module call it lives in, its arguments."""

    type: str
    module: str
    args: dict[str, Any] = field(default_factory=dict)


Inventory = dict[str, Resource]


def address(module: str, rtype: str, name: str, key: str | int | None = None) -> str:
    """The address exactly as Terraform prints it: `module.m.type.name["key"]` or `[0]`."""
    base = f"module.{module}.{rtype}.{name}"
    if key is None:
        return base
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}[{json.dumps(key)}]"


class Builder:
    """Collects resources of one render; `add` returns the address for references."""

    def __init__(self, tags: dict[str, str]) -> None:
        self.items: Inventory = {}
        self.tags = tags

    def add(self, module: str, rtype: str, name: str, args: dict[str, Any],
            key: str | int | None = None, *, tagged: bool = True,
            tier: str | None = None) -> str:
        addr = address(module, rtype, name, key)
        if tagged:  # the templates' merge({Name, Tier}, tags): the blueprint's tags win
            args = {**args, "tags": {"Tier": tier, **self.tags} if tier else self.tags}
        self.items[addr] = Resource(rtype, module, args)
        return addr


def plain(value: Any) -> Any:
    """A JSON-ready copy of an argument value (references become their address text)."""
    if isinstance(value, Ref):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(x) for k, x in value.items()}
    if isinstance(value, list | tuple):
        return [plain(x) for x in value]
    return value
