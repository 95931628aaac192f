"""Smoke tests of the moto harness: the real AWS provider applies and destroys via moto.

Why: every stage test builds on this path (override file, mirror, plugin cache, moto),
so it is proven here on a tiny hand-written module before rendered stacks use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from botocore.parsers import ResponseParserError  # type: ignore[import-untyped]

from tfgen.deploy.moto_gaps import instance_refresh_stub, protected_load_balancers
from tfgen.deploy.terraform import Terraform
from tfgen.deploy.terraform_env import TerraformEnv
from tfgen.errors import TerraformFailed

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


# --------------------------------------------------------------------------- AWS rules
# Rules AWS enforces and moto 5.2 does not (or does): the harness must make a test that
# breaks them fail, or the ladder test proves nothing about deletion protection.


def _client(service: str, endpoint: str, region: str = REGION) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=MOTO_ACCESS_KEY,
        aws_secret_access_key=MOTO_SECRET_KEY,
    )


def _protected_alb(endpoint: str) -> str:
    """An ALB in two fresh subnets with deletion protection on; returns its ARN."""
    ec2 = _client("ec2", endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.50.{n}.0/24", AvailabilityZone=f"{REGION}{az}")[
            "Subnet"
        ]["SubnetId"]
        for n, az in ((1, "a"), (2, "b"))
    ]
    elbv2 = _client("elbv2", endpoint)
    arn = str(elbv2.create_load_balancer(Name="protected", Subnets=subnets)["LoadBalancers"][0][
        "LoadBalancerArn"
    ])
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=arn,
        Attributes=[{"Key": "deletion_protection.enabled", "Value": "true"}],
    )
    return arn


@pytest.mark.integration
def test_protected_load_balancer_is_not_deleted(moto_endpoint: str) -> None:
    elbv2 = _client("elbv2", moto_endpoint)
    with protected_load_balancers():
        arn = _protected_alb(moto_endpoint)
        with pytest.raises(ClientError) as refused:
            elbv2.delete_load_balancer(LoadBalancerArn=arn)
        error = refused.value.response["Error"]
        assert error["Code"] == "OperationNotPermitted"
        assert error["Message"] == (
            f"Load balancer '{arn}' cannot be deleted because deletion protection is enabled"
        )
        assert [lb["LoadBalancerArn"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]] \
            == [arn]
        elbv2.modify_load_balancer_attributes(
            LoadBalancerArn=arn,
            Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}],
        )
        elbv2.delete_load_balancer(LoadBalancerArn=arn)
        assert elbv2.describe_load_balancers()["LoadBalancers"] == []


@pytest.mark.integration
def test_moto_alone_deletes_a_protected_load_balancer(moto_endpoint: str) -> None:
    """Why the patch exists: without it moto deletes what AWS refuses to delete."""
    elbv2 = _client("elbv2", moto_endpoint)
    arn = _protected_alb(moto_endpoint)
    elbv2.delete_load_balancer(LoadBalancerArn=arn)
    assert elbv2.describe_load_balancers()["LoadBalancers"] == []


@pytest.mark.integration
def test_protected_database_is_not_deleted(moto_endpoint: str) -> None:
    """moto 5.2 enforces RDS deletion protection itself (no patch); proven, not assumed."""
    rds = _client("rds", moto_endpoint)
    rds.create_db_instance(
        DBInstanceIdentifier="protected-db", DBInstanceClass="db.t3.micro", Engine="mysql",
        AllocatedStorage=20, MasterUsername="admin", MasterUserPassword="password123",
        DeletionProtection=True,
    )
    with pytest.raises(ClientError) as refused:
        rds.delete_db_instance(DBInstanceIdentifier="protected-db", SkipFinalSnapshot=True)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterCombination"
    assert "deletion protection" in refused.value.response["Error"]["Message"]
    rds.create_db_cluster(
        DBClusterIdentifier="protected-cluster", Engine="aurora-postgresql",
        MasterUsername="admin", MasterUserPassword="password123", DeletionProtection=True,
    )
    with pytest.raises(ClientError) as refused_cluster:
        rds.delete_db_cluster(DBClusterIdentifier="protected-cluster", SkipFinalSnapshot=True)
    assert refused_cluster.value.response["Error"]["Code"] == "InvalidParameterCombination"
    assert "deletion protection" in refused_cluster.value.response["Error"]["Message"]
    assert [d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]] == [
        "protected-db"
    ]
    assert [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]] == [
        "protected-cluster"
    ]


@pytest.mark.integration
def test_start_instance_refresh_is_answered(moto_endpoint: str) -> None:
    ec2 = _client("ec2", moto_endpoint)
    ec2.create_launch_template(
        LaunchTemplateName="refresh", LaunchTemplateData={"ImageId": "ami-12c6146b",
                                                          "InstanceType": "t3.micro"},
    )
    autoscaling = _client("autoscaling", moto_endpoint)
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="refresh", MinSize=0, MaxSize=1, DesiredCapacity=0,
        LaunchTemplate={"LaunchTemplateName": "refresh", "Version": "$Latest"},
        AvailabilityZones=[f"{REGION}a"],
    )
    with instance_refresh_stub() as started:
        answer = autoscaling.start_instance_refresh(AutoScalingGroupName="refresh")
    assert answer["InstanceRefreshId"]
    assert started == ["refresh"]
    # Without the stub moto has no such action (HTTP 500, which the provider retries).
    no_retry = boto3.client(
        "autoscaling", region_name=REGION, endpoint_url=moto_endpoint,
        aws_access_key_id=MOTO_ACCESS_KEY, aws_secret_access_key=MOTO_SECRET_KEY,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    with pytest.raises(ResponseParserError, match="500 Internal Server Error"):
        no_retry.start_instance_refresh(AutoScalingGroupName="refresh")


def test_a_retried_delete_gets_the_first_attempts_answer() -> None:
    """moto answers an SDK-retried delete with NotFound; the harness answers as AWS did
    the first time. An id moto never had still fails, so a wrong id is not hidden."""
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws

    from tfgen.deploy.moto_gaps import idempotent_retried_deletes

    with mock_aws(), idempotent_retried_deletes():
        ec2 = boto3.client("ec2", region_name="ap-northeast-2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        sg = ec2.create_security_group(GroupName="a", Description="a", VpcId=vpc)["GroupId"]
        rule = ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
            "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])["SecurityGroupRules"][0]
        ec2.revoke_security_group_ingress(GroupId=sg, SecurityGroupRuleIds=[
            rule["SecurityGroupRuleId"]])
        ec2.revoke_security_group_ingress(GroupId=sg, SecurityGroupRuleIds=[
            rule["SecurityGroupRuleId"]])  # the retry
        with pytest.raises(ClientError, match=r"InvalidPermission\.NotFound"):
            ec2.revoke_security_group_ingress(GroupId=sg, SecurityGroupRuleIds=["sgr-0"])

        elb = boto3.client("elbv2", region_name="ap-northeast-2")
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24",
                                     AvailabilityZone=f"ap-northeast-2{z}")["Subnet"]["SubnetId"]
                   for n, z in ((1, "a"), (2, "c"))]
        lb = elb.create_load_balancer(Name="x", Subnets=subnets)["LoadBalancers"][0]
        listener = elb.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {
                "StatusCode": "404"}}])["Listeners"][0]["ListenerArn"]
        elb.delete_listener(ListenerArn=listener)
        elb.delete_listener(ListenerArn=listener)  # the retry
        with pytest.raises(ClientError, match="ListenerNotFound"):
            elb.delete_listener(ListenerArn=listener.replace(listener[-4:], "ffff"))

        template = ec2.create_launch_template(LaunchTemplateName="t", LaunchTemplateData={
            "InstanceType": "t3.micro"})["LaunchTemplate"]["LaunchTemplateId"]
        ec2.delete_launch_template(LaunchTemplateId=template)
        again = ec2.delete_launch_template(LaunchTemplateId=template)  # the retry
        assert again["LaunchTemplate"]["LaunchTemplateId"] == template
        with pytest.raises(ClientError, match=r"InvalidLaunchTemplateName\.NotFound"):
            ec2.delete_launch_template(LaunchTemplateId="lt-0123456789abcdef0")
