"""Every blueprint `tfgen validate` accepts passes `terraform plan`'s variable validation.

Blueprints are drawn by hypothesis from values at the edges of every field's range
(the bound, one step inside, one step beyond) at every stage, with and without a
domain; the ones tfgen accepts are rendered and planned offline (tests/plan_check.py:
`terraform test` with a mocked AWS provider, so the root and module `validation`
blocks and the provider's own argument checks run on the real values). A blueprint
the model accepts and a module refuses fails this test: the model is looser than the
module, so the rule has two sources that disagree.

A second test plants values the modules refuse, bypassing the model, and checks the
harness reports them: the check can fail.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plan_check import plan_many
from tfgen.errors import BlueprintInvalid
from tfgen.terraform import TerraformEnv
from tfgen.validate import load_blueprint

pytestmark = pytest.mark.integration

#: Blueprints planned per hypothesis example; examples per run. Raise locally to dig.
BATCH = int(os.environ.get("TFGEN_PLAN_BATCH", "10"))
EXAMPLES = int(os.environ.get("TFGEN_PLAN_EXAMPLES", "2"))


def _edges(low: int, high: int) -> st.SearchStrategy[int]:
    """The bounds, one step inside and one step beyond each."""
    return st.sampled_from(sorted({low - 1, low, low + 1, high - 1, high, high + 1}))


_NAMES = st.sampled_from(["ab", "a1", "internal", "shop", "sg-shop", "a" * 17, "a" * 18,
                          "a" * 24, "a-b", "xn--shop"])
_ENVS = st.sampled_from(["prod", "dev", "ab", "internal", "a" * 8])
_REGIONS = st.sampled_from(["ap-northeast-2", "eu-central-1", "us-east-1", "ap-northeast-1",
                            "cn-north-1", "us-gov-west-1", "us-west-1"])
_PATHS = st.sampled_from(["/", "/health", "/" + "a" * 254, "/" + "a" * 255,
                          "/" + "a" * 1023, "/" + "a" * 1024, "/a b", "/ü"])


@st.composite
def _tier(draw: st.DrawFn) -> dict[str, Any]:
    low, high = draw(_edges(0, 100)), draw(_edges(1, 100))
    return {
        "min_size": low, "max_size": high, "desired_capacity": draw(st.sampled_from([low, high])),
        "port": draw(_edges(1, 65535)),
        "cpu_target": draw(st.sampled_from([0.5, 1, 50, 99.5, 100, 100.5])),
        "root_volume_size": draw(_edges(8, 16384)),
        "health_check_path": draw(_PATHS),
        "instance_type": draw(st.sampled_from(["t3.small", "m7g.large", "u-6tb1.metal"])),
        "ami": draw(st.sampled_from(["ami-0123456789abcdef0", "ami-01234567",
                                     "ssm:/aws/service/x", "ssm:/a:b", "ssm:/a~b"])),
    }


@st.composite
def _database(draw: st.DrawFn) -> dict[str, Any]:
    engine = draw(st.sampled_from(["mysql", "postgres", "mariadb", "oracle-se2",
                                   "sqlserver-ex", "aurora-mysql", "aurora-postgresql"]))
    return {
        "engine": engine,
        "instance_class": draw(st.sampled_from(["db.t3.medium", "db.r6g.large",
                                                "db.t3.micro", "db.m5.xlarge"])),
        "allocated_storage": draw(_edges(20, 65536)),
        "max_allocated_storage": draw(_edges(20, 65536)),
        "backup_retention_days": draw(_edges(1, 35)),
        "read_replicas": draw(_edges(0, 5)),
        "db_name": draw(st.sampled_from(["mall", "m" * 8, "m" * 9, "m" * 63, "m" * 64,
                                         "select", "a_b"])),
        "username": draw(st.sampled_from(["mall_admin", "a", "u" * 16, "u" * 17, "rdsadmin",
                                          "admin"])),
    }


@st.composite
def blueprints(draw: st.DrawFn) -> dict[str, Any]:
    """One blueprint dict with values at the edges of its fields' ranges."""
    data: dict[str, Any] = {
        "name": draw(_NAMES), "environment": draw(_ENVS),
        "stage": draw(st.sampled_from(["aws", "multi-az", "static-web", "cdn"])),
        "region": draw(_REGIONS),
        "web": draw(_tier()), "app": draw(_tier()), "database": draw(_database()),
        "network": {"subnet_prefix_length": draw(_edges(16, 28)),
                    "vpc_cidr": draw(st.sampled_from(["10.0.0.0/16", "10.0.0.0/20",
                                                      "10.0.0.0/22", "10.0.0.0/24"]))},
        "frontend": {"index_document": draw(st.sampled_from(["index.html", "a/b.html"])),
                     "error_document": draw(st.sampled_from(["e.html", "e" * 1024,
                                                             "e" * 1025]))},
        "cdn": {"static_ttl": draw(_edges(0, 31536000)),
                "api_path": draw(st.sampled_from(["/api/*", "/", "/" + "a" * 255]))},
    }
    if draw(st.booleans()):
        data["dns"] = {"zone": draw(st.sampled_from(["example.com", "a" * 63 + ".com"])),
                       "record": draw(st.sampled_from(["shop", "", "a" * 63])),
                       "health_check_path": draw(_PATHS)}
    return data


def _accepted(tmp: Path, drawn: list[dict[str, Any]]) -> dict[str, Path]:
    """The drawn blueprints `tfgen validate` accepts, written to files."""
    kept: dict[str, Path] = {}
    for i, data in enumerate(drawn):
        path = tmp / f"bp{i}.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        try:
            load_blueprint(path)
        except BlueprintInvalid:
            continue
        kept[f"bp{i}"] = path
    return kept


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(drawn=st.lists(blueprints(), min_size=BATCH * 8, max_size=BATCH * 8))
def test_every_accepted_blueprint_plans(drawn: list[dict[str, Any]],
                                        tmp_path_factory: pytest.TempPathFactory,
                                        terraform_bin: Path, tf_env: TerraformEnv) -> None:
    tmp = tmp_path_factory.mktemp("plan")
    accepted = dict(list(_accepted(tmp, drawn).items())[:BATCH])
    assert accepted, "no drawn blueprint was valid: the strategy is broken"
    outcomes = plan_many(accepted, tmp / "work", terraform_bin, tf_env)
    failed = {name: o.errors for name, o in outcomes.items() if not o.passed}
    assert not failed, "\n\n".join(
        f"{accepted[name].read_text()}\n{errors}" for name, errors in failed.items())


def test_the_harness_reports_a_module_refusal(tmp_path: Path, terraform_bin: Path,
                                              tf_env: TerraformEnv,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Plant a value the modules refuse (model bypassed): the harness must say so."""
    good = tmp_path / "good.yaml"
    good.write_text("name: shop\n", encoding="utf-8")
    import tfgen.context as context

    real = context.build_context

    def planted(bp: Any, source: str, base_dir: Path | None = None) -> Any:
        ctx = real(bp, source, base_dir)
        if bp.name == "bad":
            ctx.values["app_tier"]["port"] = 70000
        return ctx

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\n", encoding="utf-8")
    monkeypatch.setattr("tfgen.project.build_context", planted)
    outcomes = plan_many({"good": good, "bad": bad}, tmp_path / "work", terraform_bin, tf_env)
    assert outcomes["good"].passed, outcomes["good"].errors
    assert not outcomes["bad"].passed
    assert "The app_port must be an integer between 1 and 65535." in outcomes["bad"].errors
