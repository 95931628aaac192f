"""Writing rendered trees into `out/` without ever losing anything, even on `kill -9`.

A manifest (`.tfgen-manifest.json`) records every file tfgen wrote and its hash. On the
next render: files tfgen wrote and no longer produces are removed; files it never wrote
(a user's `terraform.tfvars`, `.terraform/`, state, lock files) are never touched; a
generated file edited by hand stops the write (unless forced) with the edit shown.
Reading and planning live in tfgen/outdir/output_plan.py (re-exported here).

Crash safety is a small write-ahead journal under `<out>/.tfgen/txn/`:

1. *stage* — every new or changed file is written under `txn/staged/`; the tree itself
   is not touched, so a crash here leaves exactly the old tree;
2. *commit* — `txn/journal.json` (what to replace, what to delete, the new manifest) is
   written to a temporary file and renamed into place: the single atomic step;
3. *apply* — staged files are renamed over their targets, stale files deleted, the
   manifest replaced, then the journal removed.

Every tfgen write first calls :func:`recover`: a committed journal is rolled forward
(each step can be repeated), an uncommitted staging area is thrown away. So after a
crash at any moment, the next tfgen run sees exactly the old tree or exactly the new
one. Until then :func:`plan_write` and :func:`check_tree` read a committed journal as
if it had been applied, and `render --check` reports its files as differing.

Durability (a power cut, not just a kill) comes from barriers between the steps
(tfgen/outdir/durable.py): staged files and the journal's content are on disk before the
journal gets its name, the journal's name before the tree changes, and the finished tree
before the journal is removed. :func:`apply_writes` runs each step for many trees at
once, so 100 environments cost a handful of filesystem syncs, not one per file.

Test hook: with `TFGEN_TEST_CRASH_AFTER=N` in the environment the process kills itself
(SIGKILL) right after its N-th file operation here; without it the hook does nothing.
tests/test_output.py and tests/test_output_batch.py use it to crash a write at every step.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tfgen.errors import OutputConflict
from tfgen.outdir import outguard
from tfgen.outdir.durable import Barrier
from tfgen.outdir.output_plan import (
    JOURNAL,
    MANIFEST,
    MANIFEST_VERSION,
    PRISTINE,
    PRISTINE_FILE,
    STAGED,
    STATE_DIR,
    TXN,
    HandEdit,
    Journal,
    WritePlan,
    check_tree,
    describe_conflicts,
    digest,
    journal_payload,
    plan_write,
    read_journal,
    read_manifest,
    read_pristine,
    unchanged_since,
)
from tfgen.outdir.tree_files import Seen, exists, on_disk, safe_name, safe_target, seen_now

__all__ = [
    "CRASH_ENV",
    "JOURNAL",
    "MANIFEST",
    "MANIFEST_VERSION",
    "PRISTINE",
    "PRISTINE_FILE",
    "STAGED",
    "STATE_DIR",
    "TXN",
    "HandEdit",
    "Journal",
    "WritePlan",
    "apply_write",
    "apply_writes",
    "check_tree",
    "describe_conflicts",
    "digest",
    "journal_payload",
    "plan_write",
    "read_journal",
    "read_manifest",
    "read_pristine",
    "recover",
    "refused",
    "safe_target",
]

CRASH_ENV = "TFGEN_TEST_CRASH_AFTER"

_ops_done = 0


def _step() -> None:
    """Count one file operation; the crash test hook (see the module docstring)."""
    global _ops_done
    limit = os.environ.get(CRASH_ENV)
    if not limit:
        return
    _ops_done += 1
    if _ops_done >= int(limit):
        os.kill(os.getpid(), signal.SIGKILL)


def _file_mode() -> int:
    """0666 minus the umask: what `open()` would give, not mkstemp's 0600."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_temp(target: Path, text: str) -> Path:
    """A temporary sibling of `target` holding `text` (not yet durable, not yet renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            os.fchmod(handle.fileno(), _file_mode())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _atomic_write(target: Path, text: str, barrier: Barrier | None = None) -> None:
    """Write a temporary sibling and rename it over `target`; durable at `barrier`'s sync."""
    tmp = _write_temp(target, text)
    tmp.replace(target)
    if barrier is not None:
        barrier.file(target)
    _step()


def refused(plan: WritePlan, force: bool) -> bool:
    """Hand edits stop a write unless forced; a file tfgen never wrote stops it always."""
    return bool(plan.foreign or plan.stray) or (plan.conflicts and not force)


def apply_write(plan: WritePlan, *, force: bool = False) -> None:
    """Carry out `plan` crash-safely, holding the output directory's lock.

    Refuses (and writes nothing) on conflicts: hand edits unless `force`; a file at a
    generated path that tfgen never wrote even with `force` (it is the user's own).
    """
    apply_writes([plan], force=force)


#: Told, under the tree's lock once it is written, how each file of the tree looked when
#: its content was known: {relpath: (inode, size, mtime_ns, ctime_ns)}, the manifest too.
Written = Callable[[Path, dict[str, Seen]], None]


def apply_writes(plans: Sequence[WritePlan], *, force: bool = False,
                 after: Written | None = None) -> None:
    """Carry out several plans, each crash-safe on its own, with a few syncs for them all.

    Every tree is locked, recovered and re-planned (the plans may predate another writer)
    before anything is written; a conflict in any tree refuses the whole batch. `after`
    hears of each tree written (tfgen/outdir/render_index.py keeps what it hears).
    """
    batches: list[list[WritePlan]] = []
    for plan in plans:  # one tree twice in a batch would share a staging area: split
        if not batches or any(p.directory == plan.directory for p in batches[-1]):
            batches.append([])
        batches[-1].append(plan)
    for batch in batches:
        with contextlib.ExitStack() as stack:
            for plan in batch:
                stack.enter_context(outguard.output_lock(plan.directory))
            current = []
            for plan in batch:
                if unchanged_since(plan):  # a no-op that still holds: nothing to read again
                    current.append(plan)
                    continue
                recover(plan.directory)
                now = plan_write(plan.directory, plan.files)  # the disk as it is, locked
                if refused(now, force):
                    raise OutputConflict(describe_conflicts(now))
                current.append(now)
            looks = _write_locked(current)
            for directory, files in looks.items():
                if after is not None:
                    after(directory, files)


def _write_locked(plans: list[WritePlan]) -> dict[Path, dict[str, Seen]]:
    """Stage, commit and apply every plan that changes something; see the module docstring.

    Returns how each tree's files looked when their content was known (staged or read).
    """
    barrier = Barrier()
    work: list[tuple[Path, Journal]] = []
    texts = {plan.directory: plan.files for plan in plans}
    looks: dict[Path, dict[str, Seen]] = {}
    for plan in plans:
        journal = Journal(write={p: digest(plan.files[p])
                                 for p in sorted(plan.create + plan.update)},
                          delete=sorted(plan.delete),
                          manifest={p: digest(t) for p, t in sorted(plan.files.items())})
        if not plan.changes and read_manifest(plan.directory) == journal.manifest:
            _refresh_pristine(plan.directory, journal.manifest, plan.files)
            looks[plan.directory] = dict(plan.seen)
            continue
        outguard.ensure_state_dir(plan.directory)
        looks[plan.directory] = {**plan.seen, **_stage(plan, journal, barrier)}
        work.append((plan.directory, journal))
    journals = []
    for directory, journal in work:
        record: dict[str, object] = {"version": MANIFEST_VERSION, "write": journal.write,
                                     "delete": journal.delete, "manifest": journal.manifest}
        record["mac"] = outguard.sign(journal_payload(record))
        tmp = _write_temp(directory / TXN / JOURNAL,
                          json.dumps(record, indent=2, sort_keys=True) + "\n")
        barrier.file(tmp)
        journals.append((tmp, directory / TXN / JOURNAL))
    barrier.sync()  # staged files and journal contents on disk before any journal is named
    for tmp, final in journals:
        tmp.replace(final)  # the commit point of that tree
        barrier.directory(final.parent)
        _step()
    barrier.sync()  # every commit durable before any tree changes
    for directory, journal in work:
        _roll_forward(directory, journal, barrier, texts[directory])
    barrier.sync()  # the new trees durable before their journals go
    for directory, _ in work:
        _finish(directory)
        manifest = seen_now(directory, MANIFEST)
        if manifest is not None:
            looks[directory][MANIFEST] = manifest
    complete = {}
    for plan in plans:  # a file not read (a pending journal's) leaves its tree unknown
        seen = looks.get(plan.directory, {})
        wanted = [*plan.files, MANIFEST]
        if all(p in seen for p in wanted):
            complete[plan.directory] = {p: seen[p] for p in wanted}
    return complete


def _stage(plan: WritePlan, journal: Journal, barrier: Barrier) -> dict[str, Seen]:
    """Write the new and changed files under `txn/staged/` (the tree is not touched).

    Returns each file's look as written; renaming keeps its inode, size and mtime.
    """
    staged = plan.directory / TXN / STAGED
    staged.mkdir(parents=True, exist_ok=True)
    folder = os.fspath(staged)
    checked: set[str] = set()
    looks: dict[str, Seen] = {}
    mode = _file_mode()
    for number, relpath in enumerate(sorted(journal.write)):
        safe_name(plan.directory, relpath, checked)
        target = f"{folder}/{_staged_name(number)}"
        # No temporary file: an uncommitted staging area is thrown away whole by recover().
        # os-level calls on strings: this loop runs once per file of every tree (issue 13).
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
        try:
            os.fchmod(fd, mode)
            data = memoryview(plan.files[relpath].encode("utf-8"))
            while data:
                data = data[os.write(fd, data):]
            info = os.fstat(fd)
        finally:
            os.close(fd)
        looks[relpath] = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        barrier.file(target)
        _step()
    return looks


def _staged_name(number: int) -> str:
    """Staged files are numbered in the journal's (sorted) order: one flat folder, so
    staging makes no folders and removing it removes one (issue 13)."""
    return f"{number:05d}"


def recover(directory: Path) -> bool:
    """Finish a committed write or discard an uncommitted one; True when there was one."""
    outguard.check_state_dirs(directory)
    txn = directory / TXN
    if not txn.exists():
        return False
    journal = read_journal(directory)
    if journal is None:
        shutil.rmtree(txn)  # crashed while staging: the tree was never touched
        _step()
        _prune(directory, directory / STATE_DIR)
    else:
        barrier = Barrier()
        _roll_forward(directory, journal, barrier)
        barrier.sync()
        _finish(directory)
    return True


def _roll_forward(directory: Path, journal: Journal, barrier: Barrier,
                  texts: Mapping[str, str] | None = None) -> None:
    """Apply a committed journal. Idempotent: a crash here is finished by the next run.

    `texts` are the files' contents when the caller knows them (the same run staged
    them): the pristine copy is then kept without reading the tree back.
    """
    staged = os.fspath(directory / TXN / STAGED)
    checked: set[str] = set()
    made: set[str] = set()
    for number, relpath in enumerate(sorted(journal.write)):  # strings, as in _stage
        source = f"{staged}/{_staged_name(number)}"
        if not exists(source):
            source = f"{staged}/{relpath}"  # staged by a tfgen before issue 13, as a tree
            if not exists(source):
                continue  # moved by an earlier, interrupted roll-forward
        target = safe_name(directory, relpath, checked)
        parent = target.rpartition("/")[0]
        if parent not in made:
            os.makedirs(parent, exist_ok=True)  # noqa: PTH103 (a str)
            made.add(parent)
        os.replace(source, target)  # noqa: PTH105 (a str)
        barrier.file(target)
        _step()
    for relpath in journal.delete:
        gone = safe_target(directory, relpath)
        if gone.is_file() or gone.is_symlink():
            gone.unlink()
            barrier.directory(gone.parent)
            _step()
        _prune(directory, gone.parent)
    _atomic_write(directory / MANIFEST, json.dumps(
        {"version": MANIFEST_VERSION, "generator": "tfgen", "files": journal.manifest},
        indent=2, sort_keys=True) + "\n", barrier)
    _refresh_pristine(directory, journal.manifest, texts or {})


def _finish(directory: Path) -> None:
    """Remove a journal whose tree is durable: the last step of a write."""
    (directory / TXN / JOURNAL).unlink()
    _step()
    shutil.rmtree(directory / TXN, ignore_errors=True)
    _prune(directory, directory / STATE_DIR)


def _refresh_pristine(directory: Path, manifest: dict[str, str],
                      texts: Mapping[str, str]) -> None:
    """Keep the generated text of every file, so a hand edit can be shown as a diff.

    One file (`.tfgen/generated/files.json`) for the whole tree: a file per generated file
    doubled the file operations of a write (issue 13). A cache, not synced: it is checked
    by hash when read (tfgen/outdir/output_plan.py). A text is taken from `texts`, the
    kept copy or the tree, whichever is first to match the manifest's hash.
    """
    kept = read_pristine(directory)
    if {p: digest(t) for p, t in kept.items()} == manifest:
        return
    fresh: dict[str, str] = {}
    for relpath, recorded in manifest.items():
        text = texts.get(relpath)
        if text is None or digest(text) != recorded:
            text = kept.get(relpath)
        if text is None or digest(text) != recorded:
            text = on_disk(safe_target(directory, relpath))
        if text is not None and digest(text) == recorded:
            fresh[relpath] = text
    pristine = directory / PRISTINE
    if pristine.is_dir():
        for entry in pristine.iterdir():  # per-file copies of earlier tfgen versions
            if entry.name == PRISTINE_FILE:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    # Compact: json's C encoder runs only without `indent` (a third of this write's time).
    _atomic_write(pristine / PRISTINE_FILE, json.dumps(fresh, sort_keys=True) + "\n")


def _prune(directory: Path, folder: Path) -> None:
    """Remove `folder` and its parents while empty, never `directory` itself."""
    while folder != directory and folder.is_relative_to(directory) and folder.is_dir() \
            and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
