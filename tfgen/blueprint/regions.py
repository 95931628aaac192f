"""AWS Regions and the Availability Zone letters each one has: one dated table.

Checked on 2026-12-03. Sources:

* Region codes: the `aws`, `aws-us-gov` and `aws-cn` partitions of botocore 1.44.8's
  `endpoints.json` (the SDK's own region list). The isolated partitions (`aws-iso*`)
  and the European Sovereign Cloud (`eusc-de-east-1`) are left out: their AZ letters
  are not public, and tfgen does not target them.
* AZ letters: "AWS Availability Zones" and "AZ IDs"
  (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html,
  .../az-ids.html): an AZ code is the Region code plus a letter; "each Region has at
  least three Availability Zones"; Regions introduced after November 2012 map letters
  uniformly, the oldest map them per account. Hence a, b, c for every uniformly mapped
  Region. Letters beyond c, and the per-account letters of the oldest Regions, come
  from moto 5.2.5's recorded `describe-availability-zones` answers
  (moto/ec2/models/availability_zones_and_regions.py) and jsonmaur/aws-regions (readme),
  not from an AWS page: the full AWS AZ-ID table could not be read when this was
  written. For independently mapped Regions the table holds the union of the letters
  any account can see; the default AZs use letters every account has.
  cn-north-1 ("ab") rests on those two third-party sources only.

Local Zones and Wavelength Zones (e.g. us-east-1-bos-1a) are not Availability Zones and
are not accepted: the subnets of this architecture need real AZs.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

#: When this table was last checked against the sources above.
CHECKED = "2026-12-03"


@dataclass(frozen=True)
class RegionFacts:
    """The AZ letters of one Region, and the two tfgen uses when none are given."""

    letters: str
    #: Two letters every account has; None when no two are common to all accounts.
    default: tuple[str, str] | None
    #: Why the letters differ between accounts (shown in messages), if they do.
    note: str = ""


def _uniform(letters: str) -> RegionFacts:
    return RegionFacts(letters, (letters[0], letters[1]))


REGIONS: dict[str, RegionFacts] = {
    "af-south-1": _uniform("abc"),
    "ap-east-1": _uniform("abc"),
    "ap-east-2": _uniform("abc"),
    "ap-northeast-1": RegionFacts(
        "abcd", ("a", "c"), "ap-northeast-1b exists only in accounts created before 2014"),
    # Seoul: tfgen's long-standing default pair (apne2-az1 and apne2-az3).
    "ap-northeast-2": RegionFacts("abcd", ("a", "c")),
    "ap-northeast-3": _uniform("abc"),
    "ap-south-1": _uniform("abc"),
    "ap-south-2": _uniform("abc"),
    "ap-southeast-1": _uniform("abc"),
    "ap-southeast-2": _uniform("abc"),
    "ap-southeast-3": _uniform("abc"),
    "ap-southeast-4": _uniform("abc"),
    "ap-southeast-5": _uniform("abc"),
    "ap-southeast-6": _uniform("abc"),
    "ap-southeast-7": _uniform("abc"),
    "ca-central-1": RegionFacts("abd", ("a", "b")),
    "ca-west-1": _uniform("abc"),
    "cn-north-1": _uniform("ab"),
    "cn-northwest-1": _uniform("abc"),
    "eu-central-1": _uniform("abc"),
    "eu-central-2": _uniform("abc"),
    "eu-north-1": _uniform("abc"),
    "eu-south-1": _uniform("abc"),
    "eu-south-2": _uniform("abc"),
    "eu-west-1": _uniform("abc"),
    "eu-west-2": _uniform("abc"),
    "eu-west-3": _uniform("abc"),
    "il-central-1": _uniform("abc"),
    "me-central-1": _uniform("abc"),
    "me-south-1": _uniform("abc"),
    "mx-central-1": _uniform("abc"),
    "sa-east-1": _uniform("abc"),
    "us-east-1": _uniform("abcdef"),
    "us-east-2": _uniform("abc"),
    "us-gov-east-1": _uniform("abc"),
    "us-gov-west-1": _uniform("abc"),
    "us-west-1": RegionFacts(
        "abc", None, "us-west-1 has two AZs per account, lettered a+b or b+c depending on "
        "the account"),
    "us-west-2": _uniform("abcd"),
}


def is_region(name: str) -> bool:
    """Whether `name` is a Region in the table."""
    return name in REGIONS


def suggest_region(name: str) -> str | None:
    """The closest Region code to a misspelt one, if any is close."""
    close = difflib.get_close_matches(name, list(REGIONS), n=1, cutoff=0.75)
    return close[0] if close else None


def zones(region: str) -> list[str]:
    """Every AZ name the table knows for `region` (union over accounts)."""
    return [region + letter for letter in REGIONS[region].letters]


def default_zones(region: str) -> list[str] | None:
    """The two AZs tfgen uses when a blueprint names none (None: the user must choose)."""
    pair = REGIONS[region].default
    return [region + letter for letter in pair] if pair else None


def partition(region: str) -> str:
    """The partition a Region belongs to (its ARNs start `arn:<partition>:`), by the
    `regionRegex` of botocore's endpoints.json partitions named above."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
