"""Writing out/: the manifest rules, --dry-run, symlinks, and crash safety under kill -9.

The crash tests use the hook documented in tfgen/outdir/output.py: `TFGEN_TEST_CRASH_AFTER=N`
makes the writer SIGKILL itself right after its N-th file operation. The in-process
test forks a writer for *every* N; the CLI test kills real `tfgen render` processes at
a spread of N. After each crash the tree must be exactly the old or exactly the new one
once tfgen has run again (recovery rolls a committed write forward, or drops it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import EXAMPLE
from tfgen.cli import main
from tfgen.errors import OutputConflict
from tfgen.outdir import output
from tfgen.outdir.output import (
    CRASH_ENV,
    TXN,
    apply_write,
    check_tree,
    plan_write,
    read_journal,
    read_manifest,
    recover,
)
from tfgen.outdir.render_index import INDEX
from tfgen.project import render_blueprint

FOREIGN = {
    "terraform.tfvars": b'db_password = "hunter2"\n',
    "terraform.tfstate": b'{"version": 4}\n',
    ".terraform.lock.hcl": b"# lock\n",
    ".terraform/providers/registry.terraform.io/hashicorp/aws/provider": b"\x7fELF",
    "modules/cdn/notes.txt": b"mine, inside a generated folder\n",
}


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, str]]:
    """The example rendered at stage aws (old) and cdn (new), as in a project."""
    project = tmp_path_factory.mktemp("project")
    (project / "blueprints").mkdir()
    shutil.copyfile(EXAMPLE, project / "blueprints" / "shopping-mall.yaml")
    path = project / "blueprints" / "shopping-mall.yaml"
    old = render_blueprint(path, stage="aws").files
    new = render_blueprint(path, stage="cdn").files
    assert set(new) - set(old) and set(old) & set(new)  # creates and updates both happen
    return old, new


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "blueprints").mkdir()
    shutil.copyfile(EXAMPLE, tmp_path / "blueprints" / "shopping-mall.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` (generated, manifest, pristine copies, foreign)."""
    if not directory.exists():
        return {}
    found = {}
    for path in sorted(directory.rglob("*")):
        relpath = path.relative_to(directory).as_posix()
        if relpath == INDEX:  # inodes and times of this machine, a cache that skips work
            continue  # only (tfgen/outdir/render_index.py; tests/test_render_index.py)
        if path.is_file():
            found[relpath] = path.read_bytes()
        elif path.is_dir():
            assert any(path.iterdir()), f"empty directory left behind: {path}"
    return found


def snapshot_raw(directory: Path) -> dict[str, bytes]:
    """Every file, staging area included, empty folders allowed (a crashed tree)."""
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def write(directory: Path, files: dict[str, str], *, force: bool = False) -> None:
    apply_write(plan_write(directory, files), force=force)


def add_foreign(directory: Path) -> None:
    for relpath, data in FOREIGN.items():
        (directory / relpath).parent.mkdir(parents=True, exist_ok=True)
        (directory / relpath).write_bytes(data)


# --- the manifest rules ----------------------------------------------------------------

def test_hand_edit_stops_the_render_and_shows_the_edit(project: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["render"]).exit_code == 0
    edited = project / "out" / "shopping-mall" / "variables.tf"
    before = snapshot(project / "out")
    edited.write_text(edited.read_text().replace('default     = "demo"', 'default = "dev"'))
    result = runner.invoke(main, ["render", "--stage", "aws"])
    assert result.exit_code == 2
    assert "edited by hand: variables.tf" in result.output
    assert '+  default = "dev"' in result.output and "--force" in result.output
    after = snapshot(project / "out")
    assert {k for k in after if after[k] != before.get(k)} == {"shopping-mall/variables.tf"}


def test_force_overwrites_hand_edits(project: Path, trees: tuple[dict[str, str], ...]) -> None:
    out = project / "out" / "mall"
    write(out, trees[1])
    (out / "main.tf").write_text("# mine\n")
    with pytest.raises(OutputConflict, match=r"edited by hand: main\.tf"):
        write(out, trees[1])
    write(out, trees[1], force=True)
    assert (out / "main.tf").read_text() == trees[1]["main.tf"]


def test_stale_files_are_removed_and_foreign_files_never_touched(
        tmp_path: Path, trees: tuple[dict[str, str], dict[str, str]]) -> None:
    old, new = trees
    out = tmp_path / "out"
    write(out, new)
    add_foreign(out)
    write(out, old)  # cdn -> aws: the cdn, static-site ... modules go
    gone = sorted(set(new) - set(old))
    assert gone and all(not (out / p).exists() for p in gone)
    assert all(not (out / ".tfgen" / "generated" / p).exists() for p in gone)
    assert set(read_manifest(out)) == set(old)
    for relpath, data in FOREIGN.items():
        assert (out / relpath).read_bytes() == data
    assert snapshot(out) == {**snapshot_of(tmp_path / "ref", old), **FOREIGN}


def snapshot_of(directory: Path, files: dict[str, str]) -> dict[str, bytes]:
    """What a clean write of `files` into an empty directory looks like."""
    write(directory, files)
    return snapshot(directory)


def test_a_foreign_file_with_a_generated_name_is_a_conflict(
        tmp_path: Path, trees: tuple[dict[str, str], ...]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "main.tf").write_text("# someone else's\n")
    with pytest.raises(OutputConflict, match=r"not written by tfgen: main\.tf"):
        write(out, trees[1])
    assert (out / "main.tf").read_text() == "# someone else's\n"
    assert sorted(p.name for p in out.iterdir()) == ["main.tf"]


def test_edited_file_no_longer_generated_is_left_alone(
        tmp_path: Path, trees: tuple[dict[str, str], dict[str, str]]) -> None:
    old, new = trees
    out = tmp_path / "out"
    write(out, new)
    (out / "modules" / "cdn" / "main.tf").write_text("# kept\n")
    with pytest.raises(OutputConflict, match="no longer generated, and edited by hand"):
        write(out, old)
    write(out, old, force=True)  # --force still never deletes a hand edit
    assert (out / "modules" / "cdn" / "main.tf").read_text() == "# kept\n"
    assert "modules/cdn/main.tf" not in read_manifest(out)


def test_dry_run_touches_nothing(project: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["render", "--stage", "aws"]).exit_code == 0
    add_foreign(project / "out" / "shopping-mall")
    (project / "out" / "shopping-mall" / "outputs.tf").write_text("# edited\n")
    stale = project / "out" / "shopping-mall" / "modules" / "network" / "main.tf"
    os.utime(stale, (1, 1))

    def state() -> dict[str, tuple[bytes, int, int]]:
        return {p.relative_to(project).as_posix():
                (p.read_bytes() if p.is_file() else b"", p.stat().st_mtime_ns, p.stat().st_mode)
                for p in sorted(project.rglob("*"))}

    before = state()
    result = runner.invoke(main, ["render", "--dry-run"])
    assert result.exit_code == 0, result.output
    # 12 new: the cdn and static_site modules (4 .tf, a README and a test each); 9 changed:
    # root files, and module tests whose variables follow the stage.
    assert "would write 12 new, 9 changed" in result.output and "+ modules/cdn/main.tf" \
        in result.output
    assert "! outputs.tf: edited by hand" in result.output
    assert state() == before
    assert runner.invoke(main, ["render", "--dry-run", "--format", "json"]).exit_code == 0
    assert state() == before


def test_generated_files_get_ordinary_permissions(tmp_path: Path,
                                                  trees: tuple[dict[str, str], ...]) -> None:
    old_umask = os.umask(0o022)
    try:
        write(tmp_path / "out", trees[0])
    finally:
        os.umask(old_umask)
    assert (tmp_path / "out" / "main.tf").stat().st_mode & 0o777 == 0o644


# --- output confinement ------------------------------------------------------------------

# (where --out may point, and the typo guard: tests/test_out_anywhere.py)

def test_symlinked_output_directory_is_refused(project: Path,
                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    target = tmp_path_factory.mktemp("target")
    (project / "out").symlink_to(target, target_is_directory=True)
    result = CliRunner().invoke(main, ["render"])
    assert result.exit_code == 2
    assert "out/shopping-mall leads through a symbolic link to" in result.output
    assert list(target.iterdir()) == []
    (project / "out").unlink()
    (project / "real").mkdir()
    (project / "link").symlink_to(project / "real", target_is_directory=True)
    result = CliRunner().invoke(main, ["render", "--out", "link"])
    assert result.exit_code == 2 and "is a symbolic link" in result.output


def test_symlinked_folder_inside_the_output_is_refused(
        tmp_path: Path, trees: tuple[dict[str, str], ...]) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "modules").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputConflict, match="modules is a symbolic link"):
        write(out, trees[0])
    assert list(elsewhere.iterdir()) == []


# --- crash safety ------------------------------------------------------------------------

def _count_ops(directory: Path, files: dict[str, str],
               monkeypatch: pytest.MonkeyPatch) -> int:
    """How many file operations writing `files` over `directory` takes."""
    scratch = directory.parent / "count"
    shutil.copytree(directory, scratch, symlinks=True)
    monkeypatch.setenv(CRASH_ENV, str(10**9))
    monkeypatch.setattr(output, "_ops_done", 0)
    write(scratch, files)
    total = output._ops_done
    monkeypatch.delenv(CRASH_ENV)
    shutil.rmtree(scratch)
    return total


def _crash_at(directory: Path, files: dict[str, str], n: int) -> bool:
    """Write `files` in a forked child that SIGKILLs itself after op `n`; True if it died."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.environ[CRASH_ENV] = str(n)
            output._ops_done = 0
            write(directory, files)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0
    return False


def _scenarios(trees: tuple[dict[str, str], dict[str, str]]
               ) -> Iterator[tuple[str, dict[str, str] | None, dict[str, str]]]:
    old, new = trees
    yield "first write", None, new
    yield "aws -> cdn (create, update)", old, new
    yield "cdn -> aws (update, delete)", new, old


@pytest.mark.slow
def test_kill_at_every_file_operation_leaves_old_or_new(
        tmp_path: Path, trees: tuple[dict[str, str], dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    crashes = 0
    for label, before, after in _scenarios(trees):
        base = tmp_path / "base"
        base.mkdir()
        if before is not None:
            write(base, before)
            add_foreign(base)
        old_snap = snapshot(base)
        new_snap = {**snapshot_of(tmp_path / "ref-new", after),
                    **(FOREIGN if before is not None else {})}
        total = _count_ops(base, after, monkeypatch)
        plan = plan_write(base, after)
        staged = len(plan.create + plan.update)  # op staged + 1 commits the journal
        assert staged and total > 2 * staged
        for n in range(1, total + 1):
            work = tmp_path / "work"
            shutil.copytree(base, work, symlinks=True)
            assert _crash_at(work, after, n), f"{label}: op {n} of {total} did not crash"
            crashes += 1
            committed = read_journal(work) is not None
            # Until tfgen runs again, planning reads a committed journal as applied ...
            pending_plan = plan_write(work, after)
            assert not pending_plan.conflicts, f"{label}, op {n}: false conflict"
            if committed:
                assert not (pending_plan.create or pending_plan.update or pending_plan.delete)
                assert check_tree(work, after)  # ... but --check still says "not yet"
            recover(work)
            assert not (work / TXN).exists()
            state = snapshot(work)
            assert state in (old_snap, new_snap), f"{label}: op {n} left a mixed tree"
            assert state == (old_snap if n <= staged else new_snap), f"{label}: op {n}"
            assert committed == (staged < n < total), f"{label}: op {n}"  # last: unlink it
            if n % 8 == 0 or n in (staged, staged + 1, total):  # (sampled: it is slow)
                # the next real write finishes the job with no false hand-edit alarm
                write(work, after)
                assert snapshot(work) == new_snap
            shutil.rmtree(work)
        assert not _crash_at(base, after, total + 1)  # past the last op: it completes
        assert snapshot(base) == new_snap
        shutil.rmtree(base)
        shutil.rmtree(tmp_path / "ref-new")
    print(f"crashed and recovered at {crashes} points")  # shown with -s


def _tfgen(project: Path, *args: str, crash: int | None = None
           ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    if crash is not None:
        env[CRASH_ENV] = str(crash)
    command = [sys.executable, "-c", "from tfgen.cli import main; main()", *args]
    return subprocess.run(command, cwd=project, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow
def test_killing_tfgen_render_processes(project: Path,
                                        trees: tuple[dict[str, str], dict[str, str]],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Real `tfgen render` processes killed mid-write; the next render repairs the tree."""
    old_files, new_files = trees
    out = project / "out" / "shopping-mall"
    assert _tfgen(project, "render", "--stage", "aws").returncode == 0
    add_foreign(out)
    old_snap = snapshot(out)
    total = _count_ops(out, new_files, monkeypatch)
    new_snap = {**snapshot_of(project / "ref", new_files), **FOREIGN}
    for n in sorted({1, total // 3, total // 2, 2 * total // 3, total - 1}):
        shutil.rmtree(out)
        assert _tfgen(project, "render", "--stage", "aws").returncode == 0
        add_foreign(out)
        assert snapshot(out) == old_snap
        killed = _tfgen(project, "render", crash=n)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        committed = read_journal(out) is not None
        assert _tfgen(project, "render", "--check").returncode == 3  # never "up to date"
        crashed = snapshot_raw(out)
        dry = _tfgen(project, "render", "--dry-run")
        assert dry.returncode == 0 and snapshot_raw(out) == crashed  # dry-run repairs nothing
        assert ("an interrupted earlier write is finished first" in dry.stdout) == committed
        probe = project / "probe"
        shutil.copytree(out, probe, symlinks=True)
        recover(probe)  # what every writing tfgen run does first
        assert snapshot(probe) == (new_snap if committed else old_snap), f"op {n}"
        shutil.rmtree(probe)
        again = _tfgen(project, "render", "--stage", "aws")  # the old blueprint again
        assert again.returncode == 0, again.stderr
        assert snapshot(out) == old_snap, f"op {n} (committed={committed})"
        assert _tfgen(project, "render").returncode == 0
        assert snapshot(out) == new_snap
    assert old_files != new_files
