"""Every odd filesystem object a copied project can hold, at every path tfgen reads.

A clone (or a tarball, which keeps FIFOs) decides what sits at `blueprints/...` and under
`out/`. Planting each kind at each path and running the everyday commands found ten
crashes ("internal error") and hangs; this sweep keeps them found. The bar (the brief):
a readable message or success, never a traceback or a hang, nothing outside the project
touched, Terraform's state never deleted.

In-process (click's runner) for speed; a SIGALRM deadline turns a blocked read into a
failure. Marked integration: ~120 planted trees x 4 commands is minutes, not seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pytest
from click.testing import CliRunner

from tests.helpers import REPO
from tfgen.cli import main

pytestmark = pytest.mark.integration

BP = "blueprints/shopping-mall.yaml"
TREE = "out/shopping-mall"
STATE = '{"version": 4, "serial": 7}\n'

#: What can sit at a path: (name, maker(path, victim)).
KINDS: dict[str, Callable[[Path, Path], None]] = {
    "link-loop": lambda p, v: p.symlink_to(p.name),
    "dangling-link": lambda p, v: p.symlink_to("nowhere"),
    "fifo": lambda p, v: os.mkfifo(p),
    "folder": lambda p, v: p.mkdir(),
    "binary-file": lambda p, v: p.write_bytes(b"\0\xff\xfe garbage"),
    "link-outside": lambda p, v: p.symlink_to(v),
}
PLACES = (
    BP, "blueprints/envs/dev.yaml", "blueprints", "out", TREE,
    f"{TREE}/.tfgen", f"{TREE}/.tfgen/index.json", f"{TREE}/.tfgen/generated",
    f"{TREE}/.tfgen/plan", f"{TREE}/.tfgen/plan/plan.json", f"{TREE}/.tfgen/applied",
    f"{TREE}/.tfgen-manifest.json", f"{TREE}/main.tf", f"{TREE}/modules",
    f"{TREE}/modules/network", f"{TREE}/user.tf", f"{TREE}/.terraform.lock.hcl",
    f"{TREE}/zz_tfgen_emulator_override.tf",
)
COMMANDS = (["render"], ["render", "--check"], ["plan", BP],
            ["apply", BP, "--auto-approve"])


class _Hung(BaseException):
    """Raised by the deadline; a BaseException, so no `except Exception` in tfgen eats it."""


def _deadline(_signum: int, _frame: FrameType | None) -> None:
    raise _Hung


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("template")
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    cwd = Path.cwd()
    os.chdir(root)
    try:
        assert CliRunner().invoke(main, ["render", BP]).exit_code == 0
    finally:
        os.chdir(cwd)
    (root / TREE / "terraform.tfstate").write_text(STATE)
    return root


@pytest.fixture
def alarm() -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _deadline)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and not p.is_symlink()}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("place", PLACES)
def test_an_odd_object_is_named_never_crashed_or_hung_on(
        rendered: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, alarm: None,
        place: str, kind: str) -> None:
    project, victim = tmp_path / "project", tmp_path / "victim"
    shutil.copytree(rendered, project, symlinks=True)
    (victim / "modules" / "network").mkdir(parents=True)
    (victim / "keep.txt").write_text("precious\n")
    before = _snapshot(victim)
    target = project / place
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    KINDS[kind](target, victim)
    monkeypatch.chdir(project)
    monkeypatch.setenv("TFGEN_TERRAFORM", "/bin/false")  # plan/apply stop at `init`
    monkeypatch.setenv("NO_COLOR", "1")
    problems = []
    for command in COMMANDS:
        signal.alarm(30)
        try:
            result = CliRunner().invoke(main, command)
        except _Hung:
            problems.append(f"tfgen {' '.join(command)}: hung")
            continue
        finally:
            signal.alarm(0)
        if "internal error" in result.output or (
                result.exception and not isinstance(result.exception, SystemExit)):
            problems.append(f"tfgen {' '.join(command)}: {result.output.strip()[-300:]}")
    assert not problems, "\n".join(problems)
    assert _snapshot(victim) == before
    if place not in ("out", TREE):  # (planting there replaced the state file itself)
        assert (project / TREE / "terraform.tfstate").read_text() == STATE
