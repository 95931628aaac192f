"""Where a Region is, in words, for the stage story ("the Seoul-hosted shop").

The story was written for the article's Region (Seoul); a blueprint in Frankfurt should
read "Frankfurt". Names are the location part of AWS's Region names (AWS Solutions
docs, "Supported AWS Regions", docs.aws.amazon.com/solutions/latest/
automated-security-response-on-aws/supported-aws-regions.html). A Region not listed is
named by its code.
"""

from __future__ import annotations

_LOCATIONS = {
    "us-east-2": "Ohio", "us-east-1": "N. Virginia", "us-west-1": "N. California",
    "us-west-2": "Oregon", "af-south-1": "Cape Town", "ap-east-1": "Hong Kong",
    "ap-south-2": "Hyderabad", "ap-southeast-3": "Jakarta", "ap-southeast-4": "Melbourne",
    "ap-south-1": "Mumbai", "ap-northeast-3": "Osaka", "ap-northeast-2": "Seoul",
    "ap-southeast-1": "Singapore", "ap-southeast-2": "Sydney", "ap-northeast-1": "Tokyo",
    "ca-central-1": "Central Canada", "eu-central-1": "Frankfurt", "eu-west-1": "Ireland",
    "eu-west-2": "London", "eu-south-1": "Milan", "eu-west-3": "Paris",
    "eu-south-2": "Spain", "eu-north-1": "Stockholm", "eu-central-2": "Zurich",
    "me-south-1": "Bahrain", "me-central-1": "UAE", "sa-east-1": "São Paulo",
    "cn-north-1": "Beijing", "cn-northwest-1": "Ningxia",
}


def home(region: str) -> str:
    """`Seoul` for ap-northeast-2; the code itself for a Region without a listed name."""
    return _LOCATIONS.get(region, region)


def tell(story: str, region: str) -> str:
    """A stage story with `{home}` naming the blueprint's own Region."""
    return story.replace("{home}", home(region))
