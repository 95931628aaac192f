"""A what-if render (another stage, or another directory) never uses the real remote state."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.helpers import REPO
from tfgen.cli import main

STATE = "s3://shopping-mall-tfstate-apne2/shopping-mall/prod/terraform.tfstate"


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's blueprints: prod.yaml has an S3 backend and targets cdn."""
    shutil.copytree(REPO / "blueprints", tmp_path / "blueprints")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _render(*args: str) -> Result:
    result = CliRunner().invoke(main, ["render", "blueprints/envs/prod.yaml", *args])
    assert result.exit_code == 0, result.output
    return result


def test_the_real_render_keeps_the_backend(project: Path) -> None:
    result = _render()
    assert (project / "out/envs/prod/backend.tf").is_file()
    assert "what-if" not in result.output
    readme = (project / "out/envs/prod/README.md").read_text()
    assert "State is **remote**" in readme and "what-if" not in readme


@pytest.mark.parametrize("args", [
    ["--stage", "multi-az", "--out", "build/mall-s3"],  # the README's own example
    ["--stage", "multi-az"],                            # another stage, own directory
    ["--out", "build/copy"],                            # own stage, another directory
])
def test_a_what_if_render_has_local_state_and_says_so(project: Path, args: list[str]) -> None:
    result = _render(*args)
    out = project / (args[args.index("--out") + 1] if "--out" in args else "out/envs/prod")
    assert not (out / "backend.tf").exists()
    assert not any('backend "s3"' in p.read_text() for p in out.rglob("*.tf"))
    assert f"state is local here; the blueprint's remote state {STATE} is not used" \
        in result.output
    readme = (out / "README.md").read_text()
    assert "this is a what-if render" in readme and "State is **remote**" not in readme


def test_json_names_the_what_if(project: Path) -> None:
    result = _render("--stage", "aws", "--out", "build/x", "--format", "json")
    [entry] = json.loads(result.stdout)["results"]
    assert entry["what_if"].startswith("what-if render (--stage aws, the blueprint targets cdn")
    real = json.loads(_render("--format", "json").stdout)["results"][0]
    assert real["what_if"] is None
