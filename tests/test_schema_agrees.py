"""Property: on single-field rules the schema says yes exactly when `tfgen validate` does.

An editor that flags a value tfgen accepts (or keeps quiet about one it refuses) misleads
its user. For each field whose rules FIELD_RULES restates, hypothesis tries values near
the rules' edges in an otherwise valid blueprint and compares the schema's verdict
(jsonschema, in-process) with tfgen's. The real clients run in
tests/integration/test_schema_clients.py.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import jsonschema
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tfgen.errors import BlueprintInvalid
from tfgen.loader import Document
from tfgen.name_checks import MAX_PREFIX
from tfgen.schema import blueprint_schema
from tfgen.validate import validate_document

VALIDATOR = jsonschema.Draft202012Validator(blueprint_schema())
CHARS = "ab09-._/ :sgxnSAWiter*\t\u202e"
TEXT = st.text(alphabet=CHARS, max_size=20) | st.sampled_from([
    "shop", "sg-shop", "internal", "internal-x", "a--b", "xn--shop", "shop-s3alias",
    "192.168.0.1", "a.b", "a..b", "a-.b", "rdsadmin", "RDSAdmin", "aws:x", "AWS:Name",
    "/", "/api/*", "/health", "/a b", "ami-0123456789abcdef0", "ami-0123456", "ssm:/x/y",
    "example.com", "-x.com", "shop.example", "", "10.0.0.0/16", "10.0.0.0/25",
    "10.0.0.0/12", "10.0.0.1/16", "010.0.0.0/16", "2", "cdn", " CDN ", "Multi-AZ", "6",
])

#: Where a generated value goes: (path, the valid blueprint around it).
FIELDS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "name": (("name",), {}),
    "environment": (("environment",), {}),
    "stage": (("stage",), {}),
    "vpc_cidr": (("network", "vpc_cidr"), {}),
    "ami": (("web", "ami"), {}),
    "health_check_path": (("app", "health_check_path"), {}),
    "username": (("database", "username"), {}),
    "bucket_name": (("frontend", "bucket_name"), {}),
    "index_document": (("frontend", "index_document"), {}),
    "api_path": (("cdn", "api_path"), {}),
    "zone": (("dns", "zone"), {}),
    "record": (("dns", "record"), {"dns": {"zone": "example.com"}}),
    "backend_bucket": (("backend", "bucket"), {}),
}


def _place(path: tuple[str, ...], base: dict[str, Any], value: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "shop", **{k: dict(v) for k, v in base.items()}}
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return data


def _host_bits(value: str) -> bool:
    """A CIDR with host bits set: refused by tfgen, not expressible (NOT_EXPRESSIBLE)."""
    try:
        return str(ipaddress.ip_network(value, strict=False)) != value and \
            "/" in value and ipaddress.ip_network(value.split("/")[0]).version == 4
    except ValueError:
        return False


def _tfgen_accepts(data: dict[str, Any]) -> bool:
    try:
        validate_document(Document("bp.yaml", data))
    except BlueprintInvalid:
        return False
    return True


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_schema_and_tfgen_agree_on_single_fields(field: str) -> None:
    path, base = FIELDS[field]

    @settings(max_examples=100, deadline=None)
    @given(TEXT)
    def check(value: str) -> None:
        data = _place(path, base, value)
        if field in ("name", "environment"):  # name-environment length: not expressible
            assume(len(data["name"]) + 1 + len(data.get("environment", "prod")) <= MAX_PREFIX)
        if field == "vpc_cidr":
            assume(not _host_bits(value))
        assert VALIDATOR.is_valid(data) == _tfgen_accepts(data), data

    check()


@given(st.dictionaries(TEXT, TEXT, max_size=3))
@settings(max_examples=100, deadline=None)
def test_schema_and_tfgen_agree_on_tags(tags: dict[str, str]) -> None:
    data = {"name": "shop", "tags": tags}
    assert VALIDATOR.is_valid(data) == _tfgen_accepts(data), data


@given(st.sampled_from(["eu-west-1", "us-east-1", "ap-northeast-1", "ap-northeast-2",
                        "us-west-1", "eu-wst-1"]),
       st.lists(st.sampled_from(["eu-west-1a", "us-east-1f", "ap-northeast-1b",
                                 "ap-northeast-2c", "ap-northeast-2a", "us-west-1b",
                                 "us-west-1c"]), max_size=3) | st.none())
@settings(max_examples=100, deadline=None)
def test_schema_and_tfgen_agree_on_zones_of_the_region(region: str,
                                                       zones: list[str] | None) -> None:
    data: dict[str, Any] = {"name": "shop", "region": region}
    if zones is not None:
        data["availability_zones"] = zones
    assert VALIDATOR.is_valid(data) == _tfgen_accepts(data), data
