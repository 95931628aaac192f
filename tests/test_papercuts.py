"""Small first-hour messages (issue 15.7): each says what is really wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import EXAMPLE
from tfgen.cli import main


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "blueprints").mkdir()
    shutil.copyfile(EXAMPLE, tmp_path / "blueprints" / "mall.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_unknown_stage_after_at_names_the_stage_not_the_file(project: Path) -> None:
    result = CliRunner().invoke(main, ["diff", "blueprints/mall.yaml@bogus",
                                       "blueprints/mall.yaml"])
    assert result.exit_code == 2
    assert "no such blueprint file" not in result.output
    assert ("'blueprints/mall.yaml@bogus': unknown stage 'bogus' — choose one of aws (2), "
            "multi-az (3), static-web (4), cdn (5)") in result.output


def test_a_missing_file_with_a_stage_is_still_a_missing_file(project: Path) -> None:
    result = CliRunner().invoke(main, ["diff", "blueprints/nope.yaml@bogus",
                                       "blueprints/mall.yaml"])
    assert result.exit_code == 2 and "no such blueprint file" in result.output


@pytest.mark.parametrize("blocker, args, message", [
    ("out/mall", [], "out/mall: the output path is a file; the root module needs a "
                     "directory"),
    ("out", [], "out/mall: cannot create the output directory because out is a file"),
    ("build/f", ["--out", "build/f/x"], "build/f/x: cannot create the output directory "
                                        "because build/f is a file"),
])
def test_an_output_path_that_is_a_file_is_named(project: Path, blocker: str,
                                                args: list[str], message: str) -> None:
    (project / blocker).parent.mkdir(parents=True, exist_ok=True)
    (project / blocker).write_text("not a directory\n")
    result = CliRunner().invoke(main, ["render", "blueprints/mall.yaml", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "journal" not in result.output


def test_validate_stage_help_says_validate() -> None:
    result = CliRunner().invoke(main, ["validate", "--help"])
    assert "Validate as if the blueprint targeted STAGE" in result.output
    assert "Render as if" not in result.output
