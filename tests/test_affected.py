"""`tfgen affected`: blueprints whose rendered files differ from a git revision.

Each test builds a real git repository in a temporary directory and commits to it; the
comparison renders both sides for real (child processes, as the command does).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import REPO
from tfgen.cli import main
from tfgen.errors import GitError, InputError
from tfgen.review.affected import affected

BASE = """\
# the shared base
name: shop
environment: base
stage: aws
region: ap-northeast-2
availability_zones: [ap-northeast-2a, ap-northeast-2c]
"""
CHILD = "extends: ../base.yaml\nenvironment: dev\n"
OTHER = "name: other\nenvironment: qa\nstage: aws\n"


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True,
                          text=True, check=True)
    return done.stdout.strip()


def _commit(repo: Path, message: str) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A project repository: a base, an overlay of it, and an unrelated blueprint."""
    if shutil.which("git") is None:
        pytest.fail("git is required by tfgen affected and its tests")
    root = tmp_path / "repo"
    (root / "blueprints" / "envs").mkdir(parents=True)
    (root / "blueprints" / "base.yaml").write_text(BASE, encoding="utf-8")
    (root / "blueprints" / "envs" / "dev.yaml").write_text(CHILD, encoding="utf-8")
    (root / "blueprints" / "other.yaml").write_text(OTHER, encoding="utf-8")
    _git(root, "init", "-q", "-b", "main")
    _commit(root, "first")
    return root


def _names(root: Path, since: str = "HEAD", *, trust: bool = False) -> list[str]:
    return [a.blueprint for a in affected(root, since, trust_repo_code=trust).affected]


def test_nothing_and_comments_affect_nothing(repo: Path) -> None:
    base = repo / "blueprints" / "base.yaml"
    base.write_text(base.read_text(encoding="utf-8").replace("# the shared base",
                                                             "# reworded comment"),
                    encoding="utf-8")
    report = affected(repo)
    assert report.affected == []
    assert report.unchanged == ["blueprints/base.yaml", "blueprints/envs/dev.yaml",
                                "blueprints/other.yaml"]


def test_base_change_affects_its_overlays_and_new_blueprints_count(repo: Path) -> None:
    first = _git(repo, "rev-parse", "HEAD")
    base = repo / "blueprints" / "base.yaml"
    base.write_text(base.read_text(encoding="utf-8") + "web:\n  instance_type: t3.large\n",
                    encoding="utf-8")
    _commit(repo, "bigger web tier")
    (repo / "blueprints" / "envs" / "prod.yaml").write_text(
        "extends: ../base.yaml\nenvironment: prod\n", encoding="utf-8")  # uncommitted
    (repo / "blueprints" / "other.yaml").unlink()
    report = affected(repo, first)
    assert [a.blueprint for a in report.affected] == [
        "blueprints/base.yaml", "blueprints/envs/dev.yaml", "blueprints/envs/prod.yaml"]
    dev = report.affected[1]
    assert (dev.out, dev.stage) == ("out/envs/dev", "aws")
    assert "rendered file(s) differ" in dev.reason and "variables.tf" in dev.reason
    assert report.affected[2].reason == "new since the revision"
    assert report.removed == ["blueprints/other.yaml"]
    assert _names(repo) == ["blueprints/envs/prod.yaml"]  # since HEAD: only the new one


def test_cli_json_is_a_one_line_ci_matrix(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "blueprints" / "envs" / "dev.yaml").write_text(CHILD + "stage: multi-az\n",
                                                           encoding="utf-8")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["affected", "--since", "HEAD", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1
    assert json.loads(result.output) == {"include": [
        {"blueprint": "blueprints/envs/dev.yaml", "out": "out/envs/dev", "stage": "multi-az"}]}
    text = CliRunner().invoke(main, ["affected"])
    assert text.exit_code == 0
    assert text.output.startswith("blueprints/envs/dev.yaml -> out/envs/dev (stage multi-az):")


def test_unknown_revision_is_invalid_input(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(GitError, match="unknown git revision 'no-such-rev'"):
        affected(repo, "no-such-rev")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["affected", "--since", "no-such-rev"])
    assert result.exit_code == 2


def test_each_side_renders_with_its_own_tfgen_when_trusted(repo: Path) -> None:
    """--trust-repo-code in a repository holding tfgen: a template change affects every
    blueprint; a code change that renders the same affects none (REV's code renders
    REV's side)."""
    shutil.copytree(REPO / "tfgen", repo / "tfgen",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "templates", repo / "templates",
                    ignore=shutil.ignore_patterns("__pycache__"))
    _commit(repo, "vendor tfgen")
    hcl = repo / "tfgen" / "render" / "hcl.py"
    hcl.write_text(hcl.read_text(encoding="utf-8") + "\n# a comment only\n", encoding="utf-8")
    assert _names(repo, trust=True) == []
    template = repo / "templates" / "root" / "versions.tf.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n# new line\n",
                        encoding="utf-8")
    assert _names(repo, trust=True) == ["blueprints/base.yaml", "blueprints/envs/dev.yaml",
                                        "blueprints/other.yaml"]


def test_a_revision_whose_tfgen_is_broken_affects_everything(repo: Path) -> None:
    shutil.copytree(REPO / "tfgen", repo / "tfgen",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "templates", repo / "templates",
                    ignore=shutil.ignore_patterns("__pycache__"))
    hcl = repo / "tfgen" / "render" / "hcl.py"
    good = hcl.read_text(encoding="utf-8")
    hcl.write_text(good + "\nthis is not python\n", encoding="utf-8")
    _commit(repo, "broken tfgen")
    hcl.write_text(good, encoding="utf-8")  # fixed in the working tree
    report = affected(repo, trust_repo_code=True)
    assert len(report.affected) == 3
    assert all(a.reason.startswith("did not render at the revision") for a in report.affected)


def test_code_in_the_checkout_never_runs_unless_trusted(repo: Path) -> None:
    """A repository is untrusted (a fork's pull request in CI): a planted `tfgen/` package,
    at REV or in the working tree, is not imported by default."""
    marker = repo.parent / "planted-code-ran"
    planted = repo / "tfgen"
    planted.mkdir()
    (planted / "__init__.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\n", encoding="utf-8")
    _commit(repo, "plant a tfgen package")
    (repo / "blueprints" / "other.yaml").write_text(
        (repo / "blueprints" / "other.yaml").read_text(encoding="utf-8") + "# edit\n",
        encoding="utf-8")
    _names(repo, "HEAD~1")  # both sides: HEAD~1 (no package) and the working tree (planted)
    _names(repo)  # both sides hold the planted package
    assert not marker.exists(), "tfgen affected ran code from the checkout"


def test_outside_a_project_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no blueprints/ directory"):
        affected(tmp_path)


def test_several_blueprints_with_emulator_moto_is_a_usage_error(tmp_path: Path) -> None:
    """`--emulator moto` starts one moto per command; several environments need a URL."""
    from click.testing import CliRunner

    from tfgen.cli import main

    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("name: shop\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"),
                                       "--emulator", "moto"])
    assert result.exit_code == 2, result.output
    assert "--emulator moto rehearses one blueprint" in result.output
