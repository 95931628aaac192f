"""The hooks of `.pre-commit-hooks.yaml`, tried for real with `pre-commit try-repo`.

`try-repo` installs the hook repository at its HEAD commit (tracked uncommitted changes go
into a shadow commit; untracked files are left out: pre_commit/commands/try_repo.py), so
the checkout, uncommitted work included, is copied into a scratch git repository and
committed first. pre-commit then builds a venv from it (`pip install .`, dependencies
from PyPI) and runs the hooks in a scratch project holding a blueprint and its out/.
Issue 14.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, REPO

pytestmark = pytest.mark.integration

REQUIRE_ENV = "TFGEN_REQUIRE_INTEGRATION"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def _pre_commit() -> str:
    """pre-commit next to this interpreter (the dev extra installs it), or on PATH."""
    here = Path(sys.executable).parent / "pre-commit"
    found = str(here) if here.exists() else shutil.which("pre-commit")
    if found:
        return found
    message = "pre-commit is missing (pip install -e '.[dev]')"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {message}", pytrace=False)
    pytest.skip(f"PRE-COMMIT TEST SKIPPED (set {REQUIRE_ENV}=1 to fail instead): {message}")


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, text=True,
                          capture_output=True).stdout


def _commit_all(repo: Path) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--no-verify", "-m", "scratch")


def _hook_repo(tmp: Path) -> Path:
    """The checkout's files (tracked and new, not ignored) committed in a fresh repository."""
    listed = _git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    target = tmp / "hooks"
    for name in sorted(set(filter(None, listed.split("\0")))):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git(target, "init", "-q")
    _commit_all(target)
    return target


def test_hooks_pass_on_a_clean_project_and_catch_problems(tmp_path: Path) -> None:
    pre_commit = _pre_commit()
    hooks = _hook_repo(tmp_path)
    project = tmp_path / "project"
    (project / "blueprints").mkdir(parents=True)
    shutil.copy(EXAMPLE, project / "blueprints" / "shop.yaml")
    _git(project, "init", "-q")
    tfgen = Path(sys.executable).parent / "tfgen"
    subprocess.run([str(tfgen), "render"], cwd=project, check=True, capture_output=True)
    assert (project / "out" / "shop" / "main.tf").is_file()
    _commit_all(project)

    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "NO_COLOR": "1"}

    def try_repo() -> subprocess.CompletedProcess[str]:
        return subprocess.run([pre_commit, "try-repo", str(hooks), "--all-files", "--color=never"],
                              cwd=project, env=env, text=True, capture_output=True, timeout=300)

    clean = try_repo()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "tfgen validate" in clean.stdout and "tfgen render --check" in clean.stdout
    assert clean.stdout.count("Passed") == 2, clean.stdout

    # A hand edit of a generated file: render --check fails, validate still passes.
    main = project / "out" / "shop" / "main.tf"
    main.write_text(main.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    _git(project, "add", "-A")
    stale = try_repo()
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert stale.stdout.count("Passed") == 1 and stale.stdout.count("Failed") == 1, stale.stdout
    assert "- hook id: tfgen-render-check" in stale.stdout and "- exit code: 3" in stale.stdout
    assert "out/shop: out of date\n  main.tf" in stale.stdout, stale.stdout

    # A blueprint typo: validate names the file, line and column.
    _git(project, "checkout", "--", "out")
    (project / "blueprints" / "typo.yaml").write_text("name: shop\nstagee: cdn\n",
                                                      encoding="utf-8")
    _git(project, "add", "-A")
    typo = try_repo()
    assert typo.returncode == 1, typo.stdout + typo.stderr
    assert "- hook id: tfgen-validate" in typo.stdout, typo.stdout
    assert "blueprints/typo.yaml:2:1: stagee: unknown key" in typo.stdout, typo.stdout
