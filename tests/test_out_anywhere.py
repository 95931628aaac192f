"""`--out` may name any directory; a mistyped one that holds someone else's files is refused.

The old rule confined `--out` to the project. The new one (tfgen/outdir/outdir.py) trusts the
path the user typed, and guards against typos instead: an existing, non-empty directory
without a tfgen manifest is refused (exit 2) unless `--force`, and even forced, Terraform's
state and `.terraform*` files are never written or deleted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import EXAMPLE
from tfgen.cli import main
from tfgen.deploy import workflow
from tfgen.errors import InputError
from tfgen.outdir.output import MANIFEST


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "blueprints").mkdir(parents=True)
    shutil.copyfile(EXAMPLE, root / "blueprints" / "shopping-mall.yaml")
    monkeypatch.chdir(root)
    return root


def _tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("relative", [True, False])
def test_out_outside_the_project_is_written(project: Path, relative: bool) -> None:
    target = project.parent / "elsewhere" / "mall"
    out = "../elsewhere/mall" if relative else str(target)
    result = CliRunner().invoke(main, ["render", "--out", out])
    assert result.exit_code == 0, result.output
    assert (target / "main.tf").is_file() and (target / MANIFEST).is_file()
    again = CliRunner().invoke(main, ["render", "--out", out])  # its own tree: no --force
    assert again.exit_code == 0, again.output


def test_an_existing_empty_directory_is_fine(project: Path) -> None:
    (project.parent / "empty").mkdir()
    result = CliRunner().invoke(main, ["render", "--out", "../empty"])
    assert result.exit_code == 0, result.output


def _foreign(project: Path) -> Path:
    """Somebody's Terraform working directory: notes, state, provider cache."""
    foreign = project.parent / "infra"
    (foreign / ".terraform" / "providers").mkdir(parents=True)
    (foreign / ".terraform" / "providers" / "x").write_text("cache\n")
    (foreign / "terraform.tfstate").write_text('{"version": 4}\n')
    (foreign / "terraform.tfstate.backup").write_text('{"version": 4}\n')
    (foreign / "notes.txt").write_text("mine\n")
    return foreign


def test_a_foreign_non_empty_directory_is_refused(project: Path) -> None:
    foreign = _foreign(project)
    before = _tree(foreign)
    result = CliRunner().invoke(main, ["render", "--out", str(foreign)])
    assert result.exit_code == 2, result.output
    assert f"{foreign}: the output directory is not empty" in result.output
    assert "holds no tfgen manifest" in result.output
    assert "pass --force to write there anyway" in result.output
    assert _tree(foreign) == before


def test_plan_into_a_foreign_directory_is_refused_before_terraform(project: Path) -> None:
    foreign = _foreign(project)
    before = _tree(foreign)
    with pytest.raises(InputError, match="render into it once with `tfgen render"):
        workflow.plan(project / "blueprints" / "shopping-mall.yaml", out_dir=foreign)
    assert _tree(foreign) == before


def test_force_writes_but_never_touches_terraform_files(project: Path) -> None:
    foreign = _foreign(project)
    before = _tree(foreign)
    result = CliRunner().invoke(main, ["render", "--out", str(foreign), "--force"])
    assert result.exit_code == 0, result.output
    after = _tree(foreign)
    assert "main.tf" in after and MANIFEST in after
    for kept in ("terraform.tfstate", "terraform.tfstate.backup", "notes.txt",
                 ".terraform/providers/x"):
        assert after[kept] == before[kept], kept
    again = CliRunner().invoke(main, ["render", "--out", str(foreign)])  # now it is tfgen's
    assert again.exit_code == 0, again.output


def test_force_still_keeps_a_user_file_at_a_generated_path(project: Path) -> None:
    foreign = _foreign(project)
    (foreign / "main.tf").write_text("# mine\n")
    result = CliRunner().invoke(main, ["render", "--out", str(foreign), "--force"])
    assert result.exit_code != 0
    assert (foreign / "main.tf").read_text() == "# mine\n"
    assert not (foreign / MANIFEST).exists()


def test_out_naming_a_symlink_is_still_refused(project: Path) -> None:
    real = project.parent / "real"
    real.mkdir()
    (project / "link").symlink_to(real, target_is_directory=True)
    result = CliRunner().invoke(main, ["render", "--out", "link"])
    assert result.exit_code == 2 and "is a symbolic link" in result.output
    assert list(real.iterdir()) == []
