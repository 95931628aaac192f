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

from tfgen.blueprint.engines import ENGINES, calendar_today, past_standard_support, version_matches
from tfgen.blueprint.loader import Document
from tfgen.blueprint.name_checks import MAX_PREFIX
from tfgen.blueprint.schema import blueprint_schema
from tfgen.blueprint.validate import validate_document
from tfgen.errors import BlueprintInvalid

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


@given(st.fixed_dictionaries({}, optional={
    "engine": st.sampled_from(["mysql", "postgres", "oracle-se2", "sqlserver-ex",
                               "sqlserver-web", "sqlserver-se", "sqlserver-ee",
                               "aurora-mysql", "aurora-postgresql"]),
    "instance_class": st.sampled_from(["db.t3.micro", "db.t3.medium", "db.t3.xlarge",
                                       "db.r6g.large", "db.serverless", "db.x2g.large",
                                       "db.m5.large", "db.m5.8xlarge", "db.t3.2xlarge"]),
    "engine_version": st.sampled_from(["8.4", "8.4.3", "8.0.mysql_aurora.3.10.3", "16",
                                       "16.4", "19", "16.00", "160", "10.11"]) | st.none(),
    "db_name": st.sampled_from(["mall", "shopping_mall"]) | st.none(),
    "multi_az": st.booleans() | st.none(),
    "read_replicas": st.integers(0, 2)}),
    st.sampled_from(["aws", "multi-az", "CDN", 2, 4]) | st.none())
@settings(max_examples=300, deadline=None)
def test_schema_and_tfgen_agree_on_engine_rules(database: dict[str, Any],
                                                stage: str | int | None) -> None:
    """Engine, class, version, db_name, Multi-AZ and replicas (tfgen/blueprint/engines.py) and the
    stage; a version past RDS standard support is tfgen's alone (a dated calendar)."""
    data: dict[str, Any] = {"name": "shop", "database": database}
    if stage is not None:
        data["stage"] = stage
    version = database.get("engine_version")
    assume(not _past_support(database.get("engine", "mysql"), version))
    assert VALIDATOR.is_valid(data) == _tfgen_accepts(data), data


def _past_support(engine: str, version: str | None) -> bool:
    facts = ENGINES[engine]
    chosen = version or facts.default_version
    if not version_matches(engine, chosen):
        return False
    return past_standard_support(engine, chosen, calendar_today()) is not None
