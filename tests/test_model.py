"""Unit tests of the stage ladder, subnet layout, HCL literals and render context."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers import example_data, write_blueprint
from tfgen.blueprint import subnets
from tfgen.blueprint.stages import Stage, parse_stage
from tfgen.blueprint.validate import load_blueprint
from tfgen.deploy.terraform_env import find_terraform
from tfgen.errors import BlueprintInvalid
from tfgen.render import hcl
from tfgen.render.context import build_context

# --- stages ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "stage"), [
    ("aws", Stage.AWS), ("2", Stage.AWS), (3, Stage.MULTI_AZ), ("STATIC-WEB", Stage.STATIC_WEB),
    ("5", Stage.CDN), ("cdn", Stage.CDN),
])
def test_parse_stage_accepts_names_and_numbers(text: object, stage: Stage) -> None:
    assert parse_stage(text) is stage


@pytest.mark.parametrize("bad", ["1", "6", "multiaz", True, ""])
def test_parse_stage_rejects_others_naming_the_choices(bad: object) -> None:
    with pytest.raises(ValueError, match="aws \\(2\\), multi-az \\(3\\)"):
        parse_stage(bad)


def test_stages_are_ordered_like_the_article() -> None:
    assert [s.number for s in Stage] == [2, 3, 4, 5]
    assert Stage.AWS < Stage.MULTI_AZ < Stage.STATIC_WEB < Stage.CDN
    assert Stage.CDN >= Stage.STATIC_WEB and not Stage.AWS >= Stage.MULTI_AZ


# --- subnets -----------------------------------------------------------------------------

def test_derived_subnets_match_terraform_cidrsubnet() -> None:
    layout = subnets.derive("10.0.0.0/16", 24, ["a", "b", "c"])
    assert layout["a"] == subnets.AzSubnets("10.0.0.0/24", "10.0.16.0/24", "10.0.32.0/24")
    assert layout["c"] == subnets.AzSubnets("10.0.2.0/24", "10.0.18.0/24", "10.0.34.0/24")


def test_adding_an_az_moves_no_existing_subnet() -> None:
    two = subnets.derive("10.0.0.0/16", 24, ["a", "b"])
    three = subnets.derive("10.0.0.0/16", 24, ["a", "b", "c"])
    assert {k: three[k] for k in two} == two


def test_derived_subnets_agree_with_real_cidrsubnet(tmp_path: Path) -> None:
    """The documented formula is Terraform's own: check it with `terraform console`."""
    layout = subnets.derive("10.20.0.0/20", 26, ["a", "b"])
    expr = ('[cidrsubnet("10.20.0.0/20", 6, 1), cidrsubnet("10.20.0.0/20", 6, 17), '
            'cidrsubnet("10.20.0.0/20", 6, 33)]')
    binary = find_terraform()  # the project's own lookup: never a silent skip
    out = subprocess.run([str(binary), "console"], input=expr, capture_output=True, text=True,
                         cwd=tmp_path, check=True).stdout
    assert [s.strip(' ",') for s in out.splitlines() if "/" in s] == [
        layout["b"].public, layout["b"].app, layout["b"].data]


def test_too_small_vpc_is_refused() -> None:
    with pytest.raises(ValueError, match="room for 2 AZs"):
        subnets.derive("10.0.0.0/24", 27, ["a", "b", "c"])


# --- hcl ---------------------------------------------------------------------------------

def test_hcl_literals() -> None:
    assert hcl.literal(None) == "null"
    assert hcl.literal(True) == "true"
    assert hcl.literal(60.0) == "60"
    assert hcl.literal(0.5) == "0.5"
    assert hcl.literal('a "b" ${c}') == '"a \\"b\\" $${c}"'
    assert hcl.literal(["a", 1]) == '["a", 1]'
    assert hcl.literal({}) == "{}"


def test_hcl_objects_align_like_fmt() -> None:
    text = hcl.literal({"a": 1, "long_key": "x", "nested": {"k": 1}, "z": 2, "my key": 3})
    assert text == (
        '{\n'
        '  a        = 1\n'
        '  long_key = "x"\n'
        '  nested = {\n'
        '    k = 1\n'
        '  }\n'
        '  z        = 2\n'
        '  "my key" = 3\n'
        '}'
    )


# --- context -----------------------------------------------------------------------------

def _context(tmp_path: Path, **changes: object) -> object:
    data = example_data()
    data.update(changes)
    bp, _ = load_blueprint(write_blueprint(tmp_path, data))
    return build_context(bp, "bp.yaml", tmp_path / "blueprints")


def test_stage_features(tmp_path: Path) -> None:
    aws = _context(tmp_path, stage="aws")
    assert aws.features.web_tier and not aws.features.multi_az  # type: ignore[attr-defined]
    assert "static_site" not in aws.modules  # type: ignore[attr-defined]
    multi = _context(tmp_path, stage="multi-az")
    assert multi.values["database"]["multi_az"] is True  # type: ignore[attr-defined]
    static = _context(tmp_path, stage="static-web")
    assert not static.features.web_tier  # type: ignore[attr-defined]
    assert static.features.public_website and static.features.s3_endpoint  # type: ignore[attr-defined]
    cdn = _context(tmp_path, stage="cdn")
    assert cdn.features.cdn and not cdn.features.public_website  # type: ignore[attr-defined]
    assert cdn.features.us_east_1  # type: ignore[attr-defined]


def test_keep_web_tier_keeps_it_at_static_web(tmp_path: Path) -> None:
    data = example_data()
    data["frontend"]["keep_web_tier"] = True
    data["stage"] = "static-web"
    bp, _ = load_blueprint(write_blueprint(tmp_path, data))
    assert build_context(bp, "bp.yaml").features.web_tier


def test_engine_decides_port_version_and_logs(tmp_path: Path) -> None:
    data = example_data()
    data["database"] = {"engine": "postgres"}
    bp, _ = load_blueprint(write_blueprint(tmp_path, data))
    db = build_context(bp, "bp.yaml").values["database"]
    assert (db["port"], db["engine_version"]) == (5432, "17")
    assert db["enabled_cloudwatch_logs_exports"] == ["postgresql", "upgrade"]


def test_sqlserver_gets_no_db_name(tmp_path: Path) -> None:
    data = example_data()
    data["database"] = {"engine": "sqlserver-se", "instance_class": "db.m5.xlarge"}
    data["stage"] = "aws"
    bp, _ = load_blueprint(write_blueprint(tmp_path, data))
    assert build_context(bp, "bp.yaml").values["database"]["db_name"] is None


def test_single_nat_and_explicit_subnets(tmp_path: Path) -> None:
    data = example_data()
    data["network"] = {"vpc_cidr": "10.1.0.0/16", "nat": "single", "subnets": {
        "ap-northeast-2a": {"public": "10.1.0.0/24", "app": "10.1.10.0/24", "data": "10.1.20.0/24"},
        "ap-northeast-2c": {"public": "10.1.1.0/24", "app": "10.1.11.0/24", "data": "10.1.21.0/24"},
    }}
    bp, _ = load_blueprint(write_blueprint(tmp_path, data))
    net = build_context(bp, "bp.yaml").values["network"]
    assert net["single_nat_gateway"] is True
    assert net["azs"]["ap-northeast-2c"]["data_cidr"] == "10.1.21.0/24"


def test_user_data_file_is_copied_next_to_the_module(tmp_path: Path) -> None:
    data = example_data()
    data["app"]["user_data"] = "app.sh"
    path = write_blueprint(tmp_path, data)
    (path.parent / "app.sh").write_text("#!/bin/sh\necho hi\n", encoding="utf-8")
    from tfgen.project import render_blueprint
    files = render_blueprint(path).files
    assert files["files/app-user-data.sh"] == "#!/bin/sh\necho hi\n"
    assert 'file("${path.module}/files/app-user-data.sh")' in files["main.tf"]


def test_three_errors_give_three_located_messages(tmp_path: Path) -> None:
    text = (
        "name: shopping-mall\n"
        "stage: aws\n"
        "web:\n"
        "  min_size: 5\n"
        "  max_size: 2\n"
        "network:\n"
        "  vpc_cidr: 10.0.0.1/16\n"
        "database:\n"
        "  engine: postgress\n"
    )
    with pytest.raises(BlueprintInvalid) as info:
        load_blueprint(write_blueprint(tmp_path, text))
    rendered = [str(p) for p in info.value.problems]
    assert len(rendered) == 3, rendered
    assert rendered[0].startswith("blueprints/bp.yaml:4:13: web.min_size: min_size 5 is larger") \
        or any(":4:" in r and "web.min_size" in r for r in rendered)
    assert any(":7:13: network.vpc_cidr:" in r and "did you mean 10.0.0.0/16" in r
               for r in rendered)
    assert any(":9:11: database.engine:" in r and "'postgress'" in r for r in rendered)
