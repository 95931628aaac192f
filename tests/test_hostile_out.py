"""A cloned `out/` is untrusted (issue 10, points 2, 3, 4, 7; docs/security.md).

Each attack is committed into a git repository, cloned, and tfgen runs in the clone: what
a teammate's (or an attacker's) repository can make a plain `tfgen render` do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import EXAMPLE
from tfgen.cli import main

OUT = Path("out") / "shopping-mall"


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def _origin(tmp_path: Path) -> Path:
    """A project with the example blueprint, rendered, as a git repository."""
    origin = tmp_path / "origin"
    (origin / "blueprints").mkdir(parents=True)
    shutil.copyfile(EXAMPLE, origin / "blueprints" / "shopping-mall.yaml")
    _git(origin, "init", "-q", "-b", "main")
    cwd = Path.cwd()
    os.chdir(origin)
    try:
        assert CliRunner().invoke(main, ["render"]).exit_code == 0
    finally:
        os.chdir(cwd)
    return origin


def _clone(tmp_path: Path, origin: Path) -> Path:
    """Commit everything in `origin` (forcing ignored files in) and clone it."""
    _git(origin, "add", "-A", "-f", ".")
    _git(origin, "commit", "-q", "-m", "hostile")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(origin), str(clone))
    return clone


def _render(clone: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(clone)
    result = CliRunner().invoke(main, ["render", *args])
    return result.exit_code, result.output


def _tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file() and ".git" not in p.parts}


# --- 2: tfgen's own folders must be real directories ---------------------------------------

@pytest.mark.parametrize("link", [".tfgen", ".tfgen/generated"])
def test_symlinked_state_dir_in_a_clone_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, link: str) -> None:
    origin = _origin(tmp_path)
    victim = tmp_path / "victim"
    (victim / "modules" / "cdn").mkdir(parents=True)
    (victim / "keep.txt").write_text("precious\n")
    (victim / "main.tf").write_text("# victim\n")
    target = origin / OUT / link
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(victim, target_is_directory=True)
    clone = _clone(tmp_path, origin)
    before = _tree(victim)
    (clone / OUT / "main.tf").write_text((clone / OUT / "main.tf").read_text() + "\n")
    code, output = _render(clone, monkeypatch, "--force")
    assert code != 0
    assert "symbolic link" in output and link in output and "Nothing was touched" in output
    assert _tree(victim) == before


def test_a_file_where_tfgen_keeps_a_folder_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = _origin(tmp_path)
    shutil.rmtree(origin / OUT / ".tfgen", ignore_errors=True)
    (origin / OUT / ".tfgen").mkdir()
    (origin / OUT / ".tfgen" / "txn").write_text("not a folder\n")
    clone = _clone(tmp_path, origin)
    code, output = _render(clone, monkeypatch)
    assert code != 0 and ".tfgen/txn is not a directory" in output


# --- 3: planted journal / manifest ---------------------------------------------------------

def test_planted_journal_does_not_delete_state(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = _origin(tmp_path)
    txn = origin / OUT / ".tfgen" / "txn"
    txn.mkdir(parents=True)
    manifest = json.loads((origin / OUT / ".tfgen-manifest.json").read_text())["files"]
    (txn / "journal.json").write_text(json.dumps(
        {"version": 1, "write": {}, "delete": ["terraform.tfstate", "main.tf"],
         "manifest": manifest}))
    clone = _clone(tmp_path, origin)
    state = clone / OUT / "terraform.tfstate"
    state.write_text('{"version": 4}\n')  # the user's local state, after the clone
    before = _tree(clone / OUT)
    code, output = _render(clone, monkeypatch)
    assert code != 0 and "did not start on this machine" in output
    assert _tree(clone / OUT) == before


def test_planted_manifest_does_not_delete_state(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = _origin(tmp_path)
    out = origin / OUT
    state_text = '{"version": 4, "serial": 7}\n'
    (out / "terraform.tfstate").write_text(state_text)
    (out / ".terraform.lock.hcl").write_text("# lock\n")
    path = out / ".tfgen-manifest.json"
    data = json.loads(path.read_text())
    data["files"]["terraform.tfstate"] = hashlib_of(state_text)
    data["files"][".terraform.lock.hcl"] = hashlib_of("# lock\n")
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    clone = _clone(tmp_path, origin)
    code, output = _render(clone, monkeypatch)
    assert code == 0, output
    assert (clone / OUT / "terraform.tfstate").read_text() == state_text
    assert (clone / OUT / ".terraform.lock.hcl").read_text() == "# lock\n"


def hashlib_of(text: str) -> str:
    import hashlib
    return hashlib.sha256(text.encode()).hexdigest()


def test_protected_paths_are_refused_at_the_one_place_that_writes(tmp_path: Path) -> None:
    from tfgen.errors import OutputConflict
    from tfgen.outdir.output import safe_target
    for relpath in ("terraform.tfstate", "terraform.tfstate.backup", ".terraform.lock.hcl",
                    ".terraform/providers/x", ".terraform-emulator/terraform.tfstate",
                    "emulator.tfstate", ".terraform.tfstate.lock.info"):
        with pytest.raises(OutputConflict, match="never written or deleted"):
            safe_target(tmp_path, relpath)


@pytest.mark.parametrize("state", ["absent", "empty"])
def test_a_new_tree_still_refuses_bad_names(tmp_path: Path, state: str) -> None:
    # plan_write skips reading a missing or empty folder (every file is new), but not
    # the name checks: a rendered name leaving the tree or naming Terraform's state.
    from tfgen.errors import OutputConflict
    from tfgen.outdir.output import plan_write
    out = tmp_path / "out"
    if state == "empty":
        out.mkdir()
    for relpath, said in (("../x.tf", "outside the output directory"),
                          ("terraform.tfstate", "never written or deleted")):
        with pytest.raises(OutputConflict, match=said):
            plan_write(out, {"main.tf": "# a\n", relpath: "x"})
    plan = plan_write(out, {"main.tf": "# a\n", "modules/n/main.tf": "# n\n"})
    assert plan.create == ["main.tf", "modules/n/main.tf"] and not plan.conflicts


def test_own_write_journal_is_still_rolled_forward(tmp_path: Path) -> None:
    """The MAC does not break crash recovery: a journal this machine wrote is finished."""
    from tfgen.outdir import output
    out = tmp_path / "out"
    output.apply_write(output.plan_write(out, {"a.tf": "# a\n"}))
    journal = output.read_journal(out)
    assert journal is None
    # Forge nothing: write a real journal by stopping after the commit point.
    record = {"version": 1, "write": {}, "delete": ["a.tf"], "manifest": {}}
    record["mac"] = output.outguard.sign(output.journal_payload(record))
    (out / output.TXN).mkdir(parents=True)
    (out / output.TXN / output.JOURNAL).write_text(json.dumps(record))
    assert output.recover(out) and not (out / "a.tf").exists()


def test_journals_and_staging_are_git_ignored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = _origin(tmp_path)
    (origin / OUT / ".tfgen" / "txn" / "staged").mkdir(parents=True, exist_ok=True)
    (origin / OUT / ".tfgen" / "txn" / "staged" / "main.tf").write_text("x")
    for name in (".terraform-emulator/terraform.tfstate", ".terraform.tfstate.lock.info",
                 "emulator.tfstate", "zz_tfgen_emulator_override.tf"):
        (origin / OUT / name).parent.mkdir(parents=True, exist_ok=True)
        (origin / OUT / name).write_text("x")
    done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                          cwd=origin, capture_output=True, text=True, check=True)
    assert ".tfgen/" not in done.stdout and "emulator" not in done.stdout
    assert "lock.info" not in done.stdout, done.stdout


# --- 7: --force never overwrites the user's own file ---------------------------------------

def test_force_keeps_a_user_file_at_a_generated_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = _origin(tmp_path)
    out = origin / OUT
    data = json.loads((out / ".tfgen-manifest.json").read_text())
    del data["files"]["outputs.tf"]  # a tree where outputs.tf is the user's own
    (out / ".tfgen-manifest.json").write_text(json.dumps(data))
    (out / "outputs.tf").write_text("# my own outputs\n")
    clone = _clone(tmp_path, origin)
    code, output = _render(clone, monkeypatch, "--force")
    assert code != 0 and "not written by tfgen: outputs.tf" in output
    assert "--force never overwrites it" in output
    assert (clone / OUT / "outputs.tf").read_text() == "# my own outputs\n"


# --- odd objects a copied tree can hold (found by planting each kind at each path) ---------

def _tfgen(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A real process with a deadline: a read that blocks on a FIFO fails here, not hangs."""
    env = {**os.environ, "TFGEN_TERRAFORM": "/bin/false", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-c", "from tfgen.cli import run; run()", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_a_file_where_a_module_folder_goes_is_named(tmp_path: Path) -> None:
    # A clone can commit a file called `modules`; the render crashed on NotADirectoryError.
    origin = _origin(tmp_path)
    shutil.rmtree(origin / OUT / "modules")
    (origin / OUT / "modules").write_text("not a folder\n")
    clone = _clone(tmp_path, origin)
    for args in (["render"], ["render", "--check"], ["render", "--dry-run"]):
        done = _tfgen(clone, *args)
        assert done.returncode == 2, done.stderr
        assert "modules is not a directory" in done.stderr and "internal" not in done.stderr
    assert (clone / OUT / "modules").read_text() == "not a folder\n"


@pytest.mark.parametrize("place", [".tfgen-manifest.json", ".tfgen/plan/plan.json",
                                   ".tfgen/plan"])
def test_a_fifo_in_the_output_tree_neither_hangs_nor_crashes(
        tmp_path: Path, place: str) -> None:
    # A tree copied with its special files (a tarball, not git) had tfgen hang reading the
    # manifest, and `apply` crash or hang on the saved plan's record.
    origin = _origin(tmp_path)
    fifo = origin / OUT / place
    fifo.parent.mkdir(parents=True, exist_ok=True)
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)
    done = _tfgen(origin, "render") if place.endswith("manifest.json") else \
        _tfgen(origin, "apply", "blueprints/shopping-mall.yaml", "--auto-approve")
    assert done.returncode == 2, done.stderr
    assert "internal" not in done.stderr and place in done.stderr, done.stderr


def test_a_users_own_tf_file_of_any_kind_does_not_crash_plan(tmp_path: Path) -> None:
    # Extra .tf files are the user's (render leaves them); plan read every one as text,
    # and a link loop or a folder named x.tf was an internal error.
    origin = _origin(tmp_path)
    (origin / OUT / "loop.tf").symlink_to("loop.tf")
    (origin / OUT / "folder.tf").mkdir()
    done = _tfgen(origin, "plan", "blueprints/shopping-mall.yaml")
    assert "internal" not in done.stderr, done.stderr
    assert "terraform init failed" in done.stderr  # it got as far as running Terraform


@pytest.mark.parametrize("name", [".tfgen-manifest.json", ".tfgen/txn/journal.json"])
def test_an_empty_bookkeeping_file_is_refused_not_taken_for_none(
        tmp_path: Path, name: str) -> None:
    # An empty journal means something else truncated it: it is refused, as an empty
    # manifest is, never read as "no pending write" or "no manifest".
    from tfgen.errors import OutputConflict
    from tfgen.outdir.output import JOURNAL, TXN, apply_write, plan_write
    out = tmp_path / "out"
    apply_write(plan_write(out, {"a.tf": "# a\n"}))
    path = out / (name if not name.startswith(".tfgen/txn") else f"{TXN}/{JOURNAL}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    with pytest.raises(OutputConflict, match="unreadable"):
        plan_write(out, {"a.tf": "# b\n"})
