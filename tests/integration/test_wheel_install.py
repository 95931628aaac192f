"""Install tfgen the way a user does (a built wheel in a fresh venv) and run each command.

Why: `setup.cfg` once shipped a wheel without `templates/bootstrap/`, and
`tfgen bootstrap-state` then said it wrote a module and wrote nothing. Tests that import
tfgen from the checkout cannot see what the package leaves out; this one builds the
wheel from the tracked files only, installs it outside the checkout, and works in a
scratch project that holds nothing but a blueprint.

plan/apply are not run here: they need terraform and an emulator, and the apply tests
and the ladder already drive them through the same CLI code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

pytestmark = pytest.mark.integration


def _run(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["NO_COLOR"] = "1"
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _ok(args: list[str], cwd: Path) -> str:
    proc = _run(args, cwd)
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `tfgen` script of a fresh venv that holds only the built wheel and its deps."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                             check=True).stdout.decode().split("\0")
    for rel in filter(None, tracked):
        if (REPO / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, src / rel)
    dist = base / "dist"
    build = _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                  str(dist), str(src)], base)
    assert build.returncode == 0, build.stderr
    # `make example` must not greet a new user with setuptools' packaging warnings.
    assert "Warning" not in build.stderr.replace("WARNING: Location", ""), build.stderr
    wheels = list(dist.glob("tfgen-*.whl"))
    assert len(wheels) == 1, wheels
    venv = base / "venv"
    _ok([sys.executable, "-m", "venv", str(venv)], base)
    _ok([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheels[0])], base)
    return venv / "bin" / "tfgen"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scratch project: the example blueprints and nothing else of the checkout."""
    shutil.copytree(REPO / "blueprints", tmp_path / "blueprints")
    return tmp_path


def test_the_wheel_carries_no_test_dependency(installed: Path) -> None:
    pip_list = _ok([str(installed.parent / "python"), "-m", "pip", "list", "--format",
                    "json"], installed.parent)
    names = {p["name"].lower() for p in json.loads(pip_list)}
    assert "tfgen" in names
    assert not names & {"moto", "mypy", "ruff", "pytest", "hypothesis", "boto3"}


def test_the_wheel_carries_every_template(installed: Path) -> None:
    site = next((installed.parent.parent / "lib").glob("python3*/site-packages"))
    shipped = {p.relative_to(site / "tfgen" / "templates").as_posix()
               for p in (site / "tfgen" / "templates").rglob("*.j2")}
    checkout = {p.relative_to(REPO / "templates").as_posix()
                for p in (REPO / "templates").rglob("*.j2")}
    assert shipped == checkout, sorted(shipped ^ checkout)


def test_every_offline_command_works_from_the_wheel(installed: Path, project: Path) -> None:
    tfgen = str(installed)
    assert _ok([tfgen, "--version"], project).strip()
    assert "multi-az" in _ok([tfgen, "stages"], project)
    _ok([tfgen, "validate", "blueprints/shopping-mall.yaml"], project)
    _ok([tfgen, "render", "blueprints/shopping-mall.yaml"], project)
    out = project / "out" / "shopping-mall"
    assert (out / "main.tf").is_file()
    assert sorted(p.name for p in (out / "modules").iterdir())
    diff = _ok([tfgen, "diff", "--format", "json", "blueprints/shopping-mall.yaml@aws",
                "blueprints/shopping-mall.yaml@multi-az"], project)
    assert json.loads(diff)
    assert "network.nat" in _ok([tfgen, "explain", "blueprints/envs/dev.yaml", "network.nat"],
                                project)


def test_bootstrap_state_from_the_wheel_writes_its_module(installed: Path, project: Path) -> None:
    _ok([str(installed), "bootstrap-state", "blueprints/envs/prod.yaml"], project)
    written = sorted(p.name for p in (project / "out" / "bootstrap-state").rglob("*.tf"))
    assert "main.tf" in written and "versions.tf" in written, written
