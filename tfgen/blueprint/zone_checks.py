"""Availability Zones against the region's table (tfgen/blueprint/regions.py), located messages.

Separate from tfgen/blueprint/validate.py so the region facts and their messages stay together.
A problem about AZs the user did not write names them as the default and says how to
override it, and points at `region` (what the user did write), not at line 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tfgen.blueprint import regions
from tfgen.blueprint.loader import Document
from tfgen.blueprint.model import DEFAULT_REGION
from tfgen.errors import Problem


def zone_problems(doc: Document, data: dict[str, Any], azs: list[str]) -> Iterator[Problem]:
    """Every AZ must be one the region has; each listed once; a default must exist."""
    region = data.get("region", DEFAULT_REGION)
    if not isinstance(region, str) or not regions.is_region(region):
        return  # the region's own error is reported; comparing AZs with it is noise
    facts = regions.REGIONS[region]
    valid = ", ".join(regions.zones(region))
    if "availability_zones" not in data:
        if regions.default_zones(region) is None:
            yield doc.problem(("region",) if "region" in data else (),
                              f"{region} has no default Availability Zones ({facts.note}) "
                              "— set availability_zones to the two your account lists "
                              "(aws ec2 describe-availability-zones)")
        return
    seen: set[str] = set()
    for i, az in enumerate(azs):
        if az not in regions.zones(region):
            yield doc.problem(("availability_zones", i),
                              f"'{az}' is not an Availability Zone of region {region} — use "
                              f"one of {valid}")
        if az in seen:
            yield doc.problem(("availability_zones", i),
                              f"'{az}' is listed twice — list each AZ once")
        seen.add(az)


def default_note(data: dict[str, Any], azs: list[str]) -> str:
    """' (the default …; set availability_zones to override)' when the AZs were not given."""
    if "availability_zones" in data:
        return ""
    return (f" (availability_zones defaults to {', '.join(azs)} from the region; set "
            "availability_zones to override)")
