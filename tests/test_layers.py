"""Layering (`extends:`): merge rules, provenance of every value, cycles and missing bases."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.helpers import REPO
from tfgen.blueprint.layers import load_chain, load_layers
from tfgen.blueprint.validate import load_blueprint
from tfgen.errors import BlueprintInvalid
from tfgen.project import default_out_dir, render_blueprint

BASE = """\
name: mall
environment: prod
stage: cdn
tags:
  Team: commerce
  CostCenter: mall
availability_zones:
  - ap-northeast-2a
  - ap-northeast-2c
network:
  nat: per-az
database:
  instance_class: db.t3.medium
  read_replicas: 1
dns:
  zone: example.com
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return _write(tmp_path, "base.yaml", BASE)


def test_maps_merge_scalars_and_lists_replace(tmp_path: Path, base: Path) -> None:
    dev = _write(tmp_path, "blueprints/envs/dev.yaml", """\
        extends: ../../base.yaml
        environment: dev
        tags:
          Environment: dev
        availability_zones:
          - ap-northeast-2b
          - ap-northeast-2d
        database:
          instance_class: db.t3.micro
        """)
    doc = load_layers(dev, "envs/dev.yaml")
    assert "extends" not in doc.data
    assert doc.data["environment"] == "dev"
    assert doc.data["tags"] == {"Team": "commerce", "CostCenter": "mall", "Environment": "dev"}
    assert doc.data["availability_zones"] == ["ap-northeast-2b", "ap-northeast-2d"]
    assert doc.data["database"] == {"instance_class": "db.t3.micro", "read_replicas": 1}
    assert doc.data["network"] == {"nat": "per-az"}


def test_every_path_remembers_its_file_and_line(tmp_path: Path, base: Path) -> None:
    dev = _write(tmp_path, "blueprints/envs/dev.yaml", """\
        extends: ../../base.yaml
        database:
          instance_class: db.t3.micro
        """)
    doc = load_layers(dev, "blueprints/envs/dev.yaml")
    file, mark = doc.locate(("database", "instance_class"))
    assert (file, mark.line, mark.column) == ("blueprints/envs/dev.yaml", 3, 19)
    file, mark = doc.locate(("database", "read_replicas"))
    assert (file, mark.line) == ("base.yaml", 14)
    file, mark = doc.locate(("availability_zones", 1))
    assert (file, mark.line) == ("base.yaml", 9)


def test_null_removes_a_section(tmp_path: Path, base: Path) -> None:
    dev = _write(tmp_path, "dev.yaml", "extends: base.yaml\ndns: null\nstage: aws\n")
    bp, doc = load_blueprint(dev, display="dev.yaml")
    assert bp.dns is None
    assert doc.locate(("dns",))[0] == "dev.yaml"


def test_chains_merge_in_order(tmp_path: Path, base: Path) -> None:
    _write(tmp_path, "mid.yaml",
           "extends: base.yaml\nenvironment: stage\nnetwork:\n  nat: single\n")
    top = _write(tmp_path, "top.yaml", "extends: mid.yaml\nenvironment: qa\n")
    chain = load_chain(top, "top.yaml")
    assert [d.file for d in chain] == ["base.yaml", "mid.yaml", "top.yaml"]
    doc = load_layers(top, "top.yaml")
    assert doc.data["environment"] == "qa"
    assert doc.data["network"]["nat"] == "single"
    assert doc.locate(("network", "nat"))[0] == "mid.yaml"
    assert doc.locate(("environment",))[0] == "top.yaml"


def test_validation_error_in_base_names_the_base(tmp_path: Path) -> None:
    _write(tmp_path, "base.yaml", BASE.replace("read_replicas: 1", "read_replicas: lots"))
    dev = _write(tmp_path, "dev.yaml", "extends: base.yaml\nenvironment: dev\n")
    with pytest.raises(BlueprintInvalid) as err:
        load_blueprint(dev, display="dev.yaml")
    [problem] = err.value.problems
    assert (problem.file, problem.line, problem.path) == ("base.yaml", 14, "database.read_replicas")


def test_validation_error_in_overlay_names_the_overlay(tmp_path: Path, base: Path) -> None:
    dev = _write(tmp_path, "dev.yaml", "extends: base.yaml\nnetwork:\n  nat: sometimes\n")
    with pytest.raises(BlueprintInvalid) as err:
        load_blueprint(dev, display="dev.yaml")
    [problem] = err.value.problems
    assert (problem.file, problem.line, problem.column) == ("dev.yaml", 3, 8)


def test_cycle_is_an_error_naming_the_cycle(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "name: mall\nextends: b.yaml\n")
    b = _write(tmp_path, "b.yaml", "name: mall\n\nextends: a.yaml\n")
    with pytest.raises(BlueprintInvalid) as err:
        load_layers(b, "b.yaml")
    [problem] = err.value.problems
    assert (problem.file, problem.line, problem.column) == ("a.yaml", 2, 1)
    assert "cycle: b.yaml -> a.yaml -> b.yaml" in problem.message


def test_self_extension_is_a_cycle(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.yaml", "name: mall\nextends: ./a.yaml\n")
    with pytest.raises(BlueprintInvalid, match="cycle"):
        load_layers(a, "a.yaml")


def test_missing_base_is_located_at_extends(tmp_path: Path) -> None:
    dev = _write(tmp_path, "dev.yaml", "environment: dev\nextends: nope.yaml\n")
    with pytest.raises(BlueprintInvalid) as err:
        load_layers(dev, "dev.yaml")
    [problem] = err.value.problems
    assert (problem.file, problem.line, problem.column) == ("dev.yaml", 2, 1)
    assert "nope.yaml" in problem.message and "not found" in problem.message


def test_extends_must_be_a_path(tmp_path: Path) -> None:
    dev = _write(tmp_path, "dev.yaml", "name: mall\nextends: [a, b]\n")
    with pytest.raises(BlueprintInvalid, match="extends takes the path"):
        load_layers(dev, "dev.yaml")


def test_syntax_error_in_base_names_the_base(tmp_path: Path) -> None:
    _write(tmp_path, "base.yaml", "name: [unclosed\n")
    dev = _write(tmp_path, "dev.yaml", "extends: base.yaml\n")
    with pytest.raises(BlueprintInvalid) as err:
        load_layers(dev, "dev.yaml")
    assert err.value.problems[0].file == "base.yaml"


def test_plain_blueprint_is_unchanged(base: Path) -> None:
    doc = load_layers(base, "base.yaml")
    assert doc.files == {}
    assert doc.locate(("database", "read_replicas"))[0] == "base.yaml"


def test_shipped_environments() -> None:
    dev = REPO / "blueprints" / "envs" / "dev.yaml"
    prod = REPO / "blueprints" / "envs" / "prod.yaml"
    dev_bp, _ = load_blueprint(dev)
    prod_bp, _ = load_blueprint(prod)
    assert (dev_bp.stage.value, dev_bp.environment) == ("aws", "dev")
    assert dev_bp.network.nat == "single" and dev_bp.deletion_protection is False
    assert dev_bp.dns is None and dev_bp.backend is None
    assert dev_bp.database.instance_class == "db.t3.micro"
    assert (prod_bp.stage.value, prod_bp.environment) == ("cdn", "prod")
    assert prod_bp.backend is not None
    assert default_out_dir(dev) == REPO / "out" / "envs" / "dev"
    assert default_out_dir(prod) == REPO / "out" / "envs" / "prod"


def test_backend_renders_only_when_configured() -> None:
    dev = render_blueprint(REPO / "blueprints" / "envs" / "dev.yaml")
    prod = render_blueprint(REPO / "blueprints" / "envs" / "prod.yaml")
    assert "backend.tf" not in dev.files
    assert 'required_version = ">= 1.5"' in dev.files["versions.tf"]
    assert "locally" in dev.files["README.md"]
    text = prod.files["backend.tf"]
    assert 'key          = "shopping-mall/prod/terraform.tfstate"' in text
    assert "use_lockfile = true" in text and "encrypt      = true" in text
    assert "dynamodb_table" not in text
    assert 'required_version = ">= 1.10"' in prod.files["versions.tf"]
    assert "remote" in prod.files["README.md"]


def test_backend_lock_rules(tmp_path: Path, base: Path) -> None:
    ok = _write(tmp_path, "ddb.yaml", "extends: base.yaml\nbackend:\n  bucket: my-state-bucket\n"
                "  use_lockfile: false\n  dynamodb_table: tf-locks\n  key: x/y.tfstate\n")
    rendered = render_blueprint(ok)
    assert 'dynamodb_table = "tf-locks"' in rendered.files["backend.tf"]
    assert "use_lockfile" not in rendered.files["backend.tf"]
    assert 'required_version = ">= 1.5"' in rendered.files["versions.tf"]
    bad = _write(tmp_path, "nolock.yaml", "extends: base.yaml\nbackend:\n"
                 "  bucket: my-state-bucket\n  use_lockfile: false\n")
    with pytest.raises(BlueprintInvalid, match="needs a lock"):
        load_blueprint(bad)
