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

import annotated_types
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from tests.plan_check import plan_many
from tfgen.blueprint.model import Cdn, Database, Tier
from tfgen.blueprint.validate import load_blueprint
from tfgen.deploy.terraform_env import TerraformEnv
from tfgen.errors import BlueprintInvalid

pytestmark = pytest.mark.integration

#: Accepted blueprints planned per run, from at most TRIES drawn. Raise locally to dig.
BATCH = int(os.environ.get("TFGEN_PLAN_BATCH", "16"))
TRIES = int(os.environ.get("TFGEN_PLAN_TRIES", "1500"))


def _edges(model: type[BaseModel], field: str) -> st.SearchStrategy[Any]:
    """The model's own bounds for `field` and one step inside each, read from the model.

    Read, not copied: loosen a bound in tfgen/blueprint/model.py and these values move with it,
    so a module that still refuses them fails the plan below.
    """
    info = model.model_fields[field]
    is_int = info.annotation is int
    step: float = 1 if is_int else 0.5
    low = high = None
    for meta in info.metadata:
        if isinstance(meta, annotated_types.Ge):
            low = meta.ge
        elif isinstance(meta, annotated_types.Gt):
            low = meta.gt + (1 if is_int else 0.001)
        elif isinstance(meta, annotated_types.Le):
            high = meta.le
        elif isinstance(meta, annotated_types.Lt):
            high = meta.lt - (1 if is_int else 0.001)
    assert low is not None and high is not None, f"{model.__name__}.{field} has no range"
    return st.sampled_from(sorted({low, low + step, high - step, high}))


def _mostly(usual: list[Any], odd: list[Any]) -> st.SearchStrategy[Any]:
    """Edge values the model should accept, and now and then one it may refuse."""
    return st.sampled_from(usual * 4 + odd)


_NAMES = _mostly(["ab", "a1", "shop", "a-b", "a" * 17], ["internal", "sg-shop", "a" * 24])
_ENVS = _mostly(["prod", "ab"], ["internal", "a" * 8])
_REGIONS = _mostly(["ap-northeast-2", "eu-central-1", "us-east-1", "ap-northeast-1",
                    "cn-north-1", "us-gov-west-1"], ["us-west-1"])
_PATHS = _mostly(["/", "/health", "/" + "a" * 254], ["/" + "a" * 255, "/" + "a" * 1023,
                                                     "/" + "a" * 1024, "/ü"])


@st.composite
def _tier(draw: st.DrawFn) -> dict[str, Any]:
    low, high = draw(st.sampled_from([0, 1, 2])), draw(st.sampled_from([2, 3, 99, 100]))
    return {
        "min_size": low, "max_size": high, "desired_capacity": draw(st.sampled_from([low, high])),
        "port": draw(_edges(Tier, "port")),
        "cpu_target": draw(_edges(Tier, "cpu_target")),
        "root_volume_size": draw(_edges(Tier, "root_volume_size")),
        "health_check_path": draw(_PATHS),
        "instance_type": draw(st.sampled_from(["t3.small", "m7g.large", "u-6tb1.metal"])),
        "ami": draw(_mostly(["ami-0123456789abcdef0", "ami-01234567", "ssm:/aws/service/x"],
                            ["ssm:/a:b"])),
    }


@st.composite
def _database(draw: st.DrawFn) -> dict[str, Any]:
    engine = draw(st.sampled_from(["mysql", "postgres", "mariadb", "oracle-se2", "oracle-ee",
                                   "sqlserver-se", "aurora-mysql", "aurora-postgresql"]))
    return {
        "engine": engine,
        "instance_class": draw(_mostly(["db.r6g.large", "db.r5.xlarge"], ["db.t3.micro"])),
        "allocated_storage": draw(st.sampled_from([20, 21, 1000])),
        "max_allocated_storage": draw(st.sampled_from([1001, 65535, 65536])),
        "backup_retention_days": draw(_edges(Database, "backup_retention_days")),
        "read_replicas": draw(_mostly([0], [1, 4, 5])),
        "db_name": draw(_mostly(["mall", "m" * 8], ["m" * 9, "m" * 63, "select", "a_b"])),
        "username": draw(_mostly(["mall_admin", "a", "u" * 16], ["rdsadmin", "admin"])),
    }


@st.composite
def blueprints(draw: st.DrawFn) -> dict[str, Any]:
    """One blueprint dict with values at the edges of its fields' ranges."""
    data: dict[str, Any] = {
        "name": draw(_NAMES), "environment": draw(_ENVS),
        "stage": draw(st.sampled_from(["aws", "multi-az", "static-web", "cdn"])),
        "region": draw(_REGIONS),
        "web": draw(_tier()), "app": draw(_tier()), "database": draw(_database()),
        "network": draw(st.sampled_from([
            {"vpc_cidr": "10.0.0.0/16", "subnet_prefix_length": 24},
            {"vpc_cidr": "10.0.0.0/16", "subnet_prefix_length": 28},
            {"vpc_cidr": "10.0.0.0/20", "subnet_prefix_length": 26},
            {"vpc_cidr": "10.0.0.0/24", "subnet_prefix_length": 27}])),
        "frontend": {"index_document": draw(_mostly(["index.html", "i"], ["a/b.html"])),
                     "error_document": draw(_mostly(["e.html", "e" * 1024], ["e" * 1025]))},
        "cdn": {"static_ttl": draw(_edges(Cdn, "static_ttl")),
                "api_path": draw(_mostly(["/api/*", "/a", "/" + "a" * 254], ["/"]))},
    }
    if draw(st.booleans()):
        data["dns"] = {"zone": draw(st.sampled_from(["example.com", "a" * 63 + ".com"])),
                       "record": draw(st.sampled_from(["shop", "", "a" * 63])),
                       "health_check_path": draw(_PATHS)}
    return data


def draw_accepted(tmp: Path, count: int, tries: int) -> dict[str, Path]:
    """Up to `count` drawn blueprints that `tfgen validate` accepts, written to files.

    Hypothesis draws `tries` blueprints (derandomized: the same ones every run); each is
    validated in memory, and the accepted ones are kept for one batched plan.
    """
    kept: dict[str, Path] = {}
    #: Spread over every stage, with and without a domain (each renders differently).
    quota = -(-count // 8)
    buckets: dict[tuple[str, bool], int] = {}

    @settings(max_examples=tries, deadline=None, derandomize=True, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=blueprints())
    def collect(data: dict[str, Any]) -> None:
        bucket = (str(data["stage"]), "dns" in data)
        if len(kept) >= count or buckets.get(bucket, 0) >= quota:
            return
        # Same file name everywhere: the generated headers (which name it) then agree,
        # and blueprints of one stage share a rendered directory (tests/plan_check.py).
        path = tmp / f"bp{len(kept)}" / "blueprint.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        try:
            load_blueprint(path)
        except BlueprintInvalid:
            return
        kept[path.parent.name] = path
        buckets[bucket] = buckets.get(bucket, 0) + 1

    collect()
    return kept


def test_every_accepted_blueprint_plans(tmp_path: Path, terraform_bin: Path,
                                        tf_env: TerraformEnv) -> None:
    accepted = draw_accepted(tmp_path, BATCH, TRIES)
    assert len(accepted) >= BATCH // 2, "too few drawn blueprints were valid: fix the strategy"
    outcomes = plan_many(accepted, tmp_path / "work", terraform_bin, tf_env)
    assert set(outcomes) == set(accepted)
    failed = {name: o.errors for name, o in outcomes.items() if not o.passed}
    assert not failed, "\n\n".join(
        f"{accepted[name].read_text()}\n{errors}" for name, errors in failed.items())


def test_the_harness_reports_a_module_refusal(tmp_path: Path, terraform_bin: Path,
                                              tf_env: TerraformEnv,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Plant a value the modules refuse (model bypassed): the harness must say so."""
    (tmp_path / "good").mkdir()
    (tmp_path / "bad").mkdir()
    good = tmp_path / "good" / "blueprint.yaml"
    good.write_text("name: shop\n", encoding="utf-8")
    import tfgen.render.context as context

    real = context.build_context

    def planted(bp: Any, source: str, base_dir: Path | None = None, **kwargs: Any) -> Any:
        ctx = real(bp, source, base_dir, **kwargs)
        if bp.name == "bad":
            ctx.values["app_tier"]["port"] = 70000
        return ctx

    bad = tmp_path / "bad" / "blueprint.yaml"
    bad.write_text("name: bad\n", encoding="utf-8")
    monkeypatch.setattr(context, "build_context", planted)  # project imports it per call
    outcomes = plan_many({"good": good, "bad": bad}, tmp_path / "work", terraform_bin, tf_env)
    assert outcomes["good"].passed, outcomes["good"].errors
    assert not outcomes["bad"].passed
    assert "The app_port must be an integer between 1 and 65535." in outcomes["bad"].errors
