"""Issue 14 §4 papercuts: diff lists only changed fields, the stage story names the
blueprint's Region, `--plan` says when it got a binary plan, NO_COLOR everywhere."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import EXAMPLE, REPO, example_data, write_blueprint
from tfgen.blueprint.validate import load_blueprint
from tfgen.cli import main
from tfgen.review.diff import compare_blueprints, diff_sides

BP = str(EXAMPLE)
ANSI = re.compile(r"\x1b\[")


def test_blueprint_diff_never_lists_an_unchanged_field(tmp_path: Path) -> None:
    """Adding `dns:` used to list `dns: null → null` next to the fields it really set."""
    data = example_data()
    data.pop("dns")
    old = write_blueprint(tmp_path, data, "old.yaml")
    changes = compare_blueprints(load_blueprint(old)[0], load_blueprint(EXAMPLE)[0])
    assert changes, "the dns section was added"
    assert all(c.old != c.new for c in changes), [(c.path, c.old, c.new) for c in changes]
    assert "dns" not in {c.path for c in changes}
    assert {"dns.zone", "dns.record"} <= {c.path for c in changes}
    text = CliRunner().invoke(main, ["diff", str(old), BP]).output
    assert "null → null" not in text and "null -> null" not in text


@pytest.mark.parametrize(("region", "home"), [("eu-central-1", "Frankfurt"),
                                               ("ap-southeast-6", "ap-southeast-6")])
def test_stage_story_names_the_blueprints_own_region(tmp_path: Path, region: str,
                                                     home: str) -> None:
    data = example_data()
    data["region"] = region
    data.pop("availability_zones", None)
    if region == "ap-southeast-6":
        data["availability_zones"] = [f"{region}a", f"{region}b"]
    path = write_blueprint(tmp_path, data)
    up = diff_sides(f"{path}@static-web", f"{path}@cdn")
    down = diff_sides(f"{path}@cdn", f"{path}@static-web")
    story = " ".join(n.text for n in (*up.narrative, *down.narrative))
    assert "Seoul" not in story
    assert f"the {home}-hosted shop" in story and f"far from {home}" in story


def test_the_example_story_still_says_seoul() -> None:
    [step] = diff_sides(f"{BP}@static-web", f"{BP}@cdn").narrative
    assert "Seoul-hosted" in step.text


@pytest.fixture
def binary_plan(tmp_path: Path) -> Path:
    """What `terraform plan -out` writes: a zip archive holding `tfplan` (Terraform 1.11.4)."""
    path = tmp_path / "mall.tfplan"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tfplan", b"\x0a\x02\x08\x01binary protobuf")
        archive.writestr("tfstate", "{}")
    return path


def test_diff_plan_given_a_binary_plan_says_so(binary_plan: Path) -> None:
    result = CliRunner().invoke(main, ["diff", f"{BP}@static-web", f"{BP}@cdn",
                                       "--plan", str(binary_plan)])
    assert result.exit_code == 2, result.output
    assert f"{binary_plan}: --plan takes JSON, and this is a binary plan file saved by " \
           "`terraform plan -out`" in result.output
    assert f"terraform show -json {binary_plan} > plan.json" in result.output
    assert "Traceback" not in result.output


def test_diff_plan_with_broken_json_is_located(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{\n  "format_version": ,\n}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", f"{BP}@static-web", f"{BP}@cdn",
                                       "--plan", str(path)])
    assert result.exit_code == 2
    assert f"{path}:2:21: --plan takes the JSON" in result.output
    undecodable = tmp_path / "plan.bin"
    undecodable.write_bytes(b"\xff\xfe\x00binary")
    result = CliRunner().invoke(main, ["diff", f"{BP}@static-web", f"{BP}@cdn",
                                       "--plan", str(undecodable)])
    assert result.exit_code == 2 and "this is a binary file (byte 0" in result.output


COLOURED = [
    ["stages"],
    ["validate", str(REPO / "tests" / "bad" / "az-twice.yaml")],
    ["diff", f"{BP}@aws", f"{BP}@multi-az"],
    ["explain", BP, "deletion_protection"],
    ["render", BP, "--out", "{tmp}/out", "--dry-run", "--diff"],
]


@pytest.mark.parametrize("args", COLOURED, ids=lambda a: a[0])
def test_no_color_is_honoured_by_every_coloured_command(
        args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each command colours on a terminal (so the test can fail) and never with NO_COLOR."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr("tfgen.cli.render._stdout_is_terminal", lambda: True)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    coloured = CliRunner().invoke(main, argv, color=True)
    assert ANSI.search(coloured.output), coloured.output
    plain = CliRunner().invoke(main, argv, color=True, env={"NO_COLOR": "1"})
    assert plain.exit_code == coloured.exit_code
    assert not ANSI.search(plain.output), plain.output
