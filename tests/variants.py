"""Blueprint variants every Terraform-level test runs: the example at each stage, plus
the shapes a user is likely to pick (three AZs, another region, PostgreSQL, Aurora,
single NAT for dev, no domain). Shared by the validate and the apply suites."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import example_data, write_blueprint

Mutation = Callable[[dict[str, Any]], None]


def _stage(name: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["stage"] = name
    return mutate


def _three_azs(data: dict[str, Any]) -> None:
    data["availability_zones"] = ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"]


def _other_region(data: dict[str, Any]) -> None:
    data["region"] = "eu-west-1"
    data["availability_zones"] = ["eu-west-1a", "eu-west-1b"]
    data["frontend"]["bucket_name"] = "shopping-mall-prod-frontend-euw1"


def _postgres(data: dict[str, Any]) -> None:
    data["database"] = {"engine": "postgres", "engine_version": "16",
                        "instance_class": "db.t3.medium", "read_replicas": 1}


def _aurora(data: dict[str, Any]) -> None:
    data["database"] = {"engine": "aurora-postgresql", "instance_class": "db.r6g.large",
                        "read_replicas": 1}


def _single_nat_dev(data: dict[str, Any]) -> None:
    data["environment"] = "dev"
    data["network"]["nat"] = "single"
    data["deletion_protection"] = False
    data["frontend"]["bucket_name"] = "shopping-mall-dev-frontend-apne2"


def _health_alarm(data: dict[str, Any]) -> None:
    data["dns"]["health_check"] = True
    data["dns"]["alarm_email"] = "ops@example.com"


def _no_domain(data: dict[str, Any]) -> None:
    data.pop("dns", None)


#: name -> (stage, mutations); stage variants first, then shapes (at the stage named).
VARIANTS: dict[str, list[Mutation]] = {
    "aws": [_stage("aws")],
    "multi-az": [_stage("multi-az")],
    "static-web": [_stage("static-web")],
    "cdn": [_stage("cdn")],
    "three-azs-cdn": [_stage("cdn"), _three_azs],
    # Outside us-east-1, so the health check's alarm goes through the provider alias.
    "eu-west-1-multi-az": [_stage("multi-az"), _other_region, _health_alarm],
    "postgres-multi-az": [_stage("multi-az"), _postgres],
    "aurora-multi-az": [_stage("multi-az"), _aurora],
    "single-nat-dev-aws": [_stage("aws"), _single_nat_dev],
    "no-domain-cdn": [_stage("cdn"), _no_domain],
}


def variant_data(name: str) -> dict[str, Any]:
    """The example blueprint with the variant's mutations applied."""
    data = copy.deepcopy(example_data())
    for mutate in VARIANTS[name]:
        mutate(data)
    return data


def write_variant(tmp: Path, name: str) -> Path:
    """Write the variant as a blueprint under `tmp/blueprints/` and return its path."""
    return write_blueprint(tmp, variant_data(name), f"{name}.yaml")


def dev_ladder_data() -> dict[str, Any]:
    """The dev-like blueprint the ladder walks: single NAT, no domain, no protection."""
    data = copy.deepcopy(example_data())
    _single_nat_dev(data)
    _no_domain(data)
    data["stage"] = "aws"
    return data
