"""`tfgen explain`: merged values and the file:line each came from."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import REPO
from tfgen.cli import main
from tfgen.errors import InputError
from tfgen.review.explain import Origin, explain, parse_field

BASE = """\
name: mall
stage: cdn
tags:
  Team: commerce
database:
  instance_class: db.t3.medium
  read_replicas: 1
"""
MID = """\
extends: base.yaml
database:
  instance_class: db.t3.large
"""
TOP = """\
extends: mid.yaml
environment: dev
database:
  instance_class: db.t3.micro
"""


@pytest.fixture
def layered(tmp_path: Path) -> Path:
    for name, text in (("base.yaml", BASE), ("mid.yaml", MID), ("top.yaml", TOP)):
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path / "top.yaml"


def test_overridden_value_names_overlay_and_what_it_overrode(layered: Path) -> None:
    [entry] = explain(layered, "database.instance_class", display="top.yaml")
    assert entry.value == "db.t3.micro"
    assert entry.origin == Origin("top.yaml", 4, 19)
    assert entry.overridden == ((Origin("mid.yaml", 3, 19), "db.t3.large"),
                                (Origin("base.yaml", 6, 19), "db.t3.medium"))


def test_inherited_value_names_the_base(layered: Path) -> None:
    [entry] = explain(layered, "database.read_replicas", display="top.yaml")
    assert (entry.value, entry.origin, entry.overridden) == (1, Origin("base.yaml", 7, 18), ())


def test_default_has_no_origin(layered: Path) -> None:
    [entry] = explain(layered, "database.engine", display="top.yaml")
    assert (entry.value, entry.origin) == ("mysql", None)


def test_section_lists_every_leaf(layered: Path) -> None:
    entries = {e.path: e for e in explain(layered, "database", display="top.yaml")}
    assert entries["database.instance_class"].origin == Origin("top.yaml", 4, 19)
    assert entries["database.username"].origin is None
    assert len(entries) > 5


def test_whole_blueprint(layered: Path) -> None:
    entries = {e.path: e for e in explain(layered, display="top.yaml")}
    assert entries["name"].origin == Origin("base.yaml", 1, 7)
    assert entries["environment"].origin == Origin("top.yaml", 2, 14)
    assert entries["tags.Team"].value == "commerce"
    assert entries["dns"].value is None and entries["dns"].origin is None
    assert "extends" not in entries


def test_parse_field() -> None:
    assert parse_field("availability_zones[1]") == ("availability_zones", 1)
    assert parse_field("availability_zones.1") == ("availability_zones", 1)
    assert parse_field("database.instance_class") == ("database", "instance_class")


def test_unknown_field_suggests(layered: Path) -> None:
    with pytest.raises(InputError, match="did you mean 'database'"):
        explain(layered, "databse.engine", display="top.yaml")


def test_cli_on_shipped_dev_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, ["explain", "blueprints/envs/dev.yaml",
                                       "network.nat", "--format", "json"])
    assert result.exit_code == 0, result.output
    [field] = json.loads(result.output)["fields"]
    dev_lines = (REPO / "blueprints/envs/dev.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(dev_lines, 1) if text.strip().startswith("nat:"))
    assert field["value"] == "single"
    assert field["source"].startswith(f"blueprints/envs/dev.yaml:{line}:")
    assert field["overrides"][0]["source"].startswith("blueprints/shopping-mall.yaml:")
    assert field["overrides"][0]["value"] == "per-az"
    text = CliRunner().invoke(main, ["explain", "blueprints/envs/dev.yaml"]).output
    assert "(default)" in text and "database.instance_class" in text


def test_null_defaults_show_the_effective_value(layered: Path) -> None:
    """Issue 14: `null (default)` hid what the stage, engine or a derivation decides."""
    entries = {e.path: e for e in explain(layered, display="top.yaml")}
    assert (entries["database.multi_az"].value, entries["web.enabled"].value) == (True, False)
    assert "stage cdn" in (entries["database.multi_az"].decided_by or "")
    assert entries["database.engine_version"].value == "8.4"
    assert entries["frontend.bucket_name"].value == "mall-dev-frontend"
    assert entries["backend"].value == "local"
    subnets = entries["network.subnets"].value
    assert subnets["ap-northeast-2a"]["public"].endswith("/24")
    assert entries["database.instance_class"].decided_by is None  # set, not decided


def test_cli_text_never_prints_null_default_for_a_decided_field(layered: Path) -> None:
    text = CliRunner().invoke(main, ["explain", str(layered), "database.multi_az"]).output
    assert text.split()[:2] == ["database.multi_az", "true"], text
    assert "(default: stage cdn" in text
