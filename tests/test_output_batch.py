"""Writing many trees in one batch (tfgen.outdir.output.apply_writes) stays crash-safe.

Two proofs, because a kill and a power cut fail differently:
* kill -9 at every file operation of a 3-tree batch: each tree is afterwards exactly
  its old or its new self, and the next write finishes all of them;
* the durability barriers (tfgen/outdir/durable.py) come in the order a power cut needs:
  staged files and journal contents synced before any journal is named, every journal
  synced before any tree changes, every tree synced before its journal is removed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest

from tfgen.outdir import durable, output
from tfgen.outdir.output import CRASH_ENV, JOURNAL, STAGED, TXN, apply_writes, plan_write, recover

OLD = {"main.tf": "# old main\n", "modules/a/main.tf": "# a\n", "gone.tf": "# gone\n"}
NEW = {"main.tf": "# new main\n", "modules/a/main.tf": "# a\n", "modules/b/main.tf": "# b\n"}
TREES = ("one", "two", "three")


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def _write_all(root: Path, files: dict[str, str]) -> None:
    apply_writes([plan_write(root / name, files) for name in TREES])


def _crash_at(root: Path, n: int) -> bool:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.environ[CRASH_ENV] = str(n)
            output._ops_done = 0
            _write_all(root, NEW)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0
    return False


@pytest.fixture
def base(tmp_path: Path) -> Path:
    root = tmp_path / "base"
    _write_all(root, OLD)
    (root / "two" / "terraform.tfvars").write_text("mine = 1\n")  # never touched
    return root


def _references(tmp_path: Path, base: Path) -> tuple[dict[str, dict[str, bytes]], ...]:
    new_root = tmp_path / "ref"
    shutil.copytree(base, new_root)
    _write_all(new_root, NEW)
    old = {name: _snapshot(base / name) for name in TREES}
    new = {name: _snapshot(new_root / name) for name in TREES}
    return old, new


def test_kill_at_every_operation_of_a_batch(tmp_path: Path, base: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = _references(tmp_path, base)
    counting = tmp_path / "count"
    shutil.copytree(base, counting)
    monkeypatch.setenv(CRASH_ENV, str(10**9))
    monkeypatch.setattr(output, "_ops_done", 0)
    _write_all(counting, NEW)
    total = output._ops_done
    monkeypatch.delenv(CRASH_ENV)
    assert total > 3 * 3  # at least staging, commit, apply per tree
    seen = set()
    for n in range(1, total + 1):
        work = tmp_path / "work"
        shutil.copytree(base, work)
        assert _crash_at(work, n), f"op {n} of {total} did not crash"
        states = []
        for name in TREES:
            recover(work / name)
            state = _snapshot(work / name)
            assert state in (old[name], new[name]), f"op {n}: {name} is a mix"
            assert not (work / name / TXN).exists()
            states.append("new" if state == new[name] else "old")
        seen.add(tuple(states))
        _write_all(work, NEW)  # the next write finishes every tree, no false alarm
        assert {name: _snapshot(work / name) for name in TREES} == new
        shutil.rmtree(work)
    assert ("old", "old", "old") in seen and ("new", "new", "new") in seen
    assert any(len(set(s)) == 2 for s in seen)  # some crashes fell between two commits


def test_barriers_come_in_the_order_a_power_cut_needs(
        base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    observed: list[dict[str, object]] = []

    def look(barrier: durable.Barrier) -> None:
        observed.append({
            "journals": [(base / n / TXN / JOURNAL).exists() for n in TREES],
            "staged": [len(list((base / n / TXN / STAGED).glob("*")))
                       if (base / n / TXN / STAGED).is_dir() else 0 for n in TREES],
            "new": [(base / n / "main.tf").read_text() == NEW["main.tf"] for n in TREES],
        })

    monkeypatch.setattr(durable, "on_sync", look)
    _write_all(base, NEW)
    assert len(observed) == 3, observed  # three barriers for three trees, not one per file
    staged, committed, applied = observed
    assert staged == {"journals": [False] * 3, "staged": [2] * 3, "new": [False] * 3}
    assert committed["journals"] == [True] * 3 and committed["new"] == [False] * 3
    assert applied["journals"] == [True] * 3 and applied["new"] == [True] * 3
    assert not any((base / n / TXN).exists() for n in TREES)


def test_without_syncfs_every_file_is_fsynced_before_its_journal(
        base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[Path] = []
    real = durable._fsync

    def record(path: Path) -> None:
        synced.append(path)
        real(path)

    def journal_named() -> bool:
        return any((base / n / TXN / JOURNAL).exists() for n in TREES)

    monkeypatch.setattr(durable, "_find_syncfs", lambda: None)
    monkeypatch.setattr(durable, "_fsync", record)
    first: list[list[Path]] = []
    monkeypatch.setattr(durable, "on_sync",
                        lambda b: first.append(list(synced)) if not first else None)
    _write_all(base, NEW)
    before_commit = first[0]
    assert not journal_named()
    for name in TREES:
        staged = [p for p in before_commit if p.parent == base / name / TXN / STAGED]
        assert len(staged) == 2  # main.tf and modules/b/main.tf
        assert any(p.parent == base / name / TXN and p.name.startswith(".journal")
                   for p in before_commit)
    assert {base / n / "main.tf" for n in TREES} <= set(synced)


def test_a_journal_staged_by_an_older_tfgen_is_finished(tmp_path: Path) -> None:
    """Before issue 13 staged files mirrored the tree; such a journal still rolls forward."""
    out = tmp_path / "out"
    apply_writes([plan_write(out, OLD)])
    staged = out / TXN / STAGED / "modules" / "b"
    staged.mkdir(parents=True)
    (staged / "main.tf").write_text(NEW["modules/b/main.tf"])
    manifest = {p: output.digest(t) for p, t in sorted({**OLD, **{
        "modules/b/main.tf": NEW["modules/b/main.tf"]}}.items())}
    record: dict[str, object] = {"version": 1, "delete": [], "manifest": manifest,
                                 "write": {"modules/b/main.tf": manifest["modules/b/main.tf"]}}
    record["mac"] = output.outguard.sign(output.journal_payload(record))
    (out / TXN / JOURNAL).write_text(json.dumps(record))
    assert recover(out)
    assert (out / "modules" / "b" / "main.tf").read_text() == NEW["modules/b/main.tf"]
    assert not (out / TXN).exists()


def test_a_no_op_plan_is_re_checked_when_the_tree_changed_since(tmp_path: Path) -> None:
    """The no-op fast path (output_plan.unchanged_since) never hides an edit made between
    planning and writing: the write re-plans under the lock and refuses."""
    from tfgen.errors import OutputConflict
    from tfgen.outdir.output_plan import unchanged_since
    out = tmp_path / "out"
    apply_writes([plan_write(out, NEW)])
    plan = plan_write(out, NEW)
    assert not plan.changes and unchanged_since(plan)
    (out / "main.tf").write_text(NEW["main.tf"] + "# mine\n")  # edited after planning
    assert not unchanged_since(plan)
    with pytest.raises(OutputConflict, match=r"edited by hand: main\.tf"):
        apply_writes([plan])
