"""The Python inventory against a real `terraform plan` (hashicorp/aws pointed at moto).

`tfgen diff` trusts `tfgen.review.inventory` to list exactly the resource instances Terraform
will create. This proves it: at every stage the managed addresses of a real plan equal
the inventory's. A second test applies stage aws to moto, plans stage multi-az on top of
it and feeds that plan to `tfgen diff --plan`.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.helpers import EXAMPLE, example_data, write_blueprint
from tests.integration.harness import MOTO_ACCESS_KEY, MOTO_SECRET_KEY, applied, prepare_workdir
from tfgen.blueprint.stages import Stage
from tfgen.cli import main
from tfgen.deploy.terraform import Terraform
from tfgen.deploy.terraform_env import TerraformEnv
from tfgen.project import render_blueprint
from tfgen.review.inventory import inventory

pytestmark = pytest.mark.integration


def _write(files: dict[str, str], folder: Path) -> Path:
    for rel, text in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder


def _hosted_zone(endpoint: str, name: str) -> None:
    """The root module reads its public zone with a data source: create it in moto.

    moto makes up zone IDs that do not start with "Z", which the dns module's variable
    validation rejects; the moto server runs in this process, so pin a realistic ID.
    """
    import boto3
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.route53.models import HostedZoneIdentifier
    from moto.utilities.id_generator import moto_id_manager

    zone = HostedZoneIdentifier(DEFAULT_ACCOUNT_ID, f"{name}.", None)
    moto_id_manager.set_custom_id(zone, "Z0123456789ABCDEFGHIJ")
    client = boto3.client("route53", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=MOTO_ACCESS_KEY,
                          aws_secret_access_key=MOTO_SECRET_KEY)
    client.create_hosted_zone(Name=name, CallerReference=str(uuid.uuid4()))


def _planned(plan: dict[str, Any]) -> dict[str, list[str]]:
    return {rc["address"]: rc["change"]["actions"] for rc in plan.get("resource_changes", [])
            if rc["mode"] == "managed"}


def _no_dns(tmp: Path, **database: Any) -> Path:
    """The example without Route 53 / ACM: smaller, and no certificate validation to wait on."""
    data = example_data()
    del data["dns"]
    data["database"].update(database)
    return write_blueprint(tmp, data, "no-dns.yaml")


def _workdir(blueprint: Path, stage: Stage, tmp: Path, endpoint: str) -> Path:
    rendered = render_blueprint(blueprint, stage=stage)
    module = _write(rendered.files, tmp / "render" / "mall")
    return prepare_workdir(module, tmp / "work", endpoint)


CASES = [(s, True) for s in Stage] + [(Stage.AWS, False), (Stage.CDN, False)]


@pytest.mark.parametrize(("stage", "dns"), CASES,
                         ids=[f"{s.value}{'' if d else '-no-dns'}" for s, d in CASES])
def test_inventory_addresses_equal_a_real_plan(
    stage: Stage, dns: bool, terraform_bin: Path, tf_env: TerraformEnv, moto_endpoint: str,
    tmp_path: Path,
) -> None:
    _hosted_zone(moto_endpoint, "example.com")
    blueprint = EXAMPLE if dns else _no_dns(tmp_path)
    workdir = _workdir(blueprint, stage, tmp_path, moto_endpoint)
    tf = Terraform(terraform_bin, workdir, tf_env, timeout=900)
    tf.init(backend=True)
    tf.plan(workdir / "p.tfplan")
    planned = _planned(tf.show_json(workdir / "p.tfplan"))
    expected = inventory(render_blueprint(blueprint, stage=stage).context)
    assert set(planned) - set(expected) == set(), "in the plan, missing from the inventory"
    assert set(expected) - set(planned) == set(), "in the inventory, not in the plan"
    assert {tuple(a) for a in planned.values()} == {("create",)}


def test_health_alarm_addresses_equal_a_real_plan(
    terraform_bin: Path, tf_env: TerraformEnv, moto_endpoint: str, tmp_path: Path,
) -> None:
    """The health check's alarm, topic and subscription (us-east-1 alias) are planned."""
    _hosted_zone(moto_endpoint, "example.com")
    data = example_data()
    data["dns"].update(health_check=True, alarm_email="ops@example.com")
    blueprint = write_blueprint(tmp_path, data, "alarm.yaml")
    workdir = _workdir(blueprint, Stage.AWS, tmp_path, moto_endpoint)
    tf = Terraform(terraform_bin, workdir, tf_env, timeout=900)
    tf.init(backend=True)
    tf.plan(workdir / "p.tfplan")
    planned = _planned(tf.show_json(workdir / "p.tfplan"))
    expected = inventory(render_blueprint(blueprint, stage=Stage.AWS).context)
    assert set(planned) == set(expected)
    assert "module.health_alarm.aws_sns_topic_subscription.email[0]" in planned


def test_plan_from_aws_to_multi_az_confirms_the_prediction(
    terraform_bin: Path, tf_env: TerraformEnv, moto_endpoint: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # moto (in this process) loads AWS managed policies, such as the SSM instance policy,
    # only when asked; its backends are created lazily after the fixture's reset.
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    # No read replica: moto's RDS does not find a replica by identifier after creating it.
    blueprint = _no_dns(tmp_path, read_replicas=0)
    workdir = _workdir(blueprint, Stage.AWS, tmp_path, moto_endpoint)
    # Deletion protection off, or moto could not destroy the database and the ALB afterwards.
    unprotected = {"deletion_protection": "false"}
    with applied(terraform_bin, workdir, tf_env, unprotected):
        # Same directory, same state: swap in the multi-az render and plan on top.
        for path in workdir.rglob("*.tf"):
            if path.name != "zz_moto_override.tf":
                path.unlink()
        _write(render_blueprint(blueprint, stage=Stage.MULTI_AZ).files, workdir)
        tf = Terraform(terraform_bin, workdir, tf_env, timeout=900)
        tf.plan(workdir / "next.tfplan", unprotected)
        plan = tf.show_json(workdir / "next.tfplan")
        (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
        changes = {a: act for a, act in _planned(plan).items() if act != ["no-op"]}
        print(f"\nreal plan aws -> multi-az: {changes}")
        result = CliRunner().invoke(main, [
            "diff", f"{blueprint}@aws", f"{blueprint}@multi-az", "--format", "json",
            "--plan", str(tmp_path / "plan.json")])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        db = next(r for r in data["resources"]
                  if r["address"] == "module.database.aws_db_instance.this[0]")
        assert db["action"] == "change"
        assert db["plan"] == "confirmed"
        assert changes["module.database.aws_db_instance.this[0]"] == ["update"]
        # Whatever else the provider wants to touch is reported, not hidden.
        assert [m["address"] for m in data["plan"]["missed"]] == sorted(
            a for a in changes if a != "module.database.aws_db_instance.this[0]")
