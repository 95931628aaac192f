"""Smoke tests of the moto harness: the real AWS provider applies and destroys via moto.

Why: every stage test builds on this path (override file, mirror, plugin cache, moto),
so it is proven here on a tiny hand-written module before rendered stacks use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest

from tfgen.terraform import Terraform, TerraformEnv, TerraformFailed

from .harness import (
    MOTO_ACCESS_KEY,
    MOTO_SECRET_KEY,
    OVERRIDE_FILE,
    SERVICES,
    applied,
    aws_provider_aliases,
    override_text,
    prepare_workdir,
    state_resources,
)

REGION = "eu-west-1"

# Shaped like tfgen's root: a default provider with default_tags plus the us_east_1 alias.
SMOKE_MODULE = """\
terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7"
    }
  }
}

provider "aws" {
  region = "eu-west-1"

  default_tags {
    tags = { Project = "tfgen-smoke" }
  }
}

provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = { Project = "tfgen-smoke" }
  }
}

resource "aws_vpc" "this" {
  cidr_block           = "10.42.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = "smoke" }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.this.id
  cidr_block        = "10.42.1.0/24"
  availability_zone = "eu-west-1a"

  tags = { Name = "smoke-a" }
}

resource "aws_security_group" "web" {
  name        = "smoke-web"
  description = "Smoke test group"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "smoke-web" }
}

resource "aws_vpc" "edge" {
  provider   = aws.us_east_1
  cidr_block = "10.43.0.0/16"

  tags = { Name = "smoke-edge" }
}

output "vpc_id" {
  description = "The smoke VPC."
  value       = aws_vpc.this.id
}

output "edge_vpc_id" {
  description = "The VPC made through the us_east_1 alias."
  value       = aws_vpc.edge.id
}
"""


def _ec2(endpoint: str, region: str) -> Any:
    """A boto3 EC2 client talking to moto."""
    return boto3.client(
        "ec2",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=MOTO_ACCESS_KEY,
        aws_secret_access_key=MOTO_SECRET_KEY,
    )


def _vpcs(endpoint: str, region: str, vpc_id: str) -> list[dict[str, Any]]:
    """The VPCs with this id (empty once destroyed)."""
    found = _ec2(endpoint, region).describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    return list(found["Vpcs"])


def _write_module(root: Path) -> Path:
    module = root / "smoke"
    module.mkdir()
    (module / "main.tf").write_text(SMOKE_MODULE, encoding="utf-8")
    return module


def test_aliases_found_and_override_covers_them(tmp_path: Path) -> None:
    module = _write_module(tmp_path)
    assert aws_provider_aliases(module) == [None, "us_east_1"]
    text = override_text("http://127.0.0.1:1", [None, "us_east_1"])
    assert text.count('provider "aws"') == 2
    assert 'alias                       = "us_east_1"' in text
    for service in SERVICES:
        assert f"{service} " in text


def test_prepare_workdir_copies_and_adds_override(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    module = _write_module(tmp_path / "src")
    workdir = prepare_workdir(module, tmp_path / "work", "http://127.0.0.1:9")
    assert (workdir / "main.tf").read_text(encoding="utf-8") == SMOKE_MODULE
    override = (workdir / OVERRIDE_FILE).read_text(encoding="utf-8")
    assert '"http://127.0.0.1:9"' in override
    assert "backend" not in override


@pytest.mark.integration
def test_smoke_apply_and_destroy_against_moto(
    terraform_bin: Path, tf_env: TerraformEnv, moto_endpoint: str, tmp_path: Path
) -> None:
    module = _write_module(tmp_path)
    workdir = prepare_workdir(module, tmp_path / "work", moto_endpoint)

    with applied(terraform_bin, workdir, tf_env) as run:
        planned = {rc["address"]: rc["change"]["actions"] for rc in run.plan["resource_changes"]}
        assert planned == {
            "aws_vpc.this": ["create"],
            "aws_subnet.a": ["create"],
            "aws_security_group.web": ["create"],
            "aws_vpc.edge": ["create"],
        }
        vpc_id = run.outputs["vpc_id"]["value"]
        edge_id = run.outputs["edge_vpc_id"]["value"]
        assert {r["address"] for r in state_resources(run.state)} == set(planned)

        vpcs = _vpcs(moto_endpoint, REGION, vpc_id)
        assert [v["CidrBlock"] for v in vpcs] == ["10.42.0.0/16"]
        tags = {t["Key"]: t["Value"] for t in vpcs[0]["Tags"]}
        assert tags == {"Name": "smoke", "Project": "tfgen-smoke"}  # default_tags survived
        # The alias reached moto too (in its own region), so the override merged into it.
        assert [v["CidrBlock"] for v in _vpcs(moto_endpoint, "us-east-1", edge_id)] == [
            "10.43.0.0/16"
        ]

    assert _vpcs(moto_endpoint, REGION, vpc_id) == []
    assert _vpcs(moto_endpoint, "us-east-1", edge_id) == []
    assert state_resources(run.state_after_destroy) == []
    print(f"\nterraform timings against moto (s): {run.timings}")


@pytest.mark.integration
def test_runner_reports_invalid_config_and_fmt(
    terraform_bin: Path, tf_env: TerraformEnv, tmp_path: Path
) -> None:
    (tmp_path / "main.tf").write_text('output "x" {\nvalue = nope.y\n}\n', encoding="utf-8")
    tf = Terraform(terraform_bin, tmp_path, tf_env)
    assert tf.version().count(".") == 2
    assert tf.fmt_check() == ["main.tf"]
    tf.init(backend=False)
    result = tf.validate()
    assert result["valid"] is False
    assert result["error_count"] >= 1
    with pytest.raises(TerraformFailed) as failed:
        tf.plan(tmp_path / "x.tfplan")
    assert failed.value.returncode == 1
    assert "nope" in failed.value.stderr_tail
