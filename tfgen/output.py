"""Writing rendered trees into `out/` without ever losing anything, even on `kill -9`.

A manifest (`.tfgen-manifest.json`) records every file tfgen wrote and its hash. On the
next render: files tfgen wrote and no longer produces are removed; files it never wrote
(a user's `terraform.tfvars`, `.terraform/`, state, lock files) are never touched; a
generated file edited by hand stops the write (unless forced) with the edit shown.

Crash safety is a small write-ahead journal under `<out>/.tfgen/txn/`:

1. *stage* — every new or changed file is written (and fsynced) under `txn/staged/`;
   the tree itself is not touched, so a crash here leaves exactly the old tree;
2. *commit* — `txn/journal.json` (what to replace, what to delete, the new manifest) is
   written to a temporary file and renamed into place: the single atomic step;
3. *apply* — staged files are renamed over their targets, stale files deleted, the
   manifest replaced, then the journal removed.

Every tfgen write first calls :func:`recover`: a committed journal is rolled forward
(each step can be repeated), an uncommitted staging area is thrown away. So after a
crash at any moment, the next tfgen run sees exactly the old tree or exactly the new
one. Until then :func:`plan_write` and :func:`check_tree` read a committed journal as
if it had been applied, and `render --check` reports its files as differing.

Test hook: with `TFGEN_TEST_CRASH_AFTER=N` in the environment the process kills itself
(SIGKILL) right after its N-th file operation here; without it the hook does nothing.
tests/test_output.py uses it to crash a write at every step.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import shutil
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tfgen import emulator, outguard
from tfgen.errors import OutputConflict

MANIFEST = ".tfgen-manifest.json"
MANIFEST_VERSION = 1
#: tfgen's own bookkeeping inside an output directory.
STATE_DIR = ".tfgen"
PRISTINE = f"{STATE_DIR}/generated"
TXN = f"{STATE_DIR}/txn"
JOURNAL = "journal.json"
STAGED = "staged"
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


def digest(text: str) -> str:
    """sha256 of the UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class HandEdit:
    """A file tfgen generated that no longer has the content tfgen wrote."""

    path: str
    diff: str


@dataclass
class WritePlan:
    """What writing a rendered tree into a directory would do."""

    directory: Path
    files: dict[str, str]
    create: list[str] = field(default_factory=list)
    update: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    edited: list[HandEdit] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    #: Files that must not be there at all (a leftover emulator override): always refused.
    stray: list[str] = field(default_factory=list)
    #: An interrupted earlier write that the next write completes first.
    pending: bool = False

    @property
    def changes(self) -> bool:
        """Whether writing would change anything on disk."""
        return bool(self.create or self.update or self.delete or self.pending)

    @property
    def conflicts(self) -> bool:
        """Whether writing would overwrite something tfgen did not write."""
        return bool(self.edited or self.foreign or self.stray)


@dataclass(frozen=True)
class Journal:
    """A committed write: new content hashes, paths to delete, and the new manifest."""

    write: dict[str, str]
    delete: list[str]
    manifest: dict[str, str]


# --- reading ---------------------------------------------------------------------------

def read_manifest(directory: Path) -> dict[str, str]:
    """The {path: sha256} tfgen recorded for `directory`; empty when none."""
    return _read_json_files(directory / MANIFEST)


def _read_json_files(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise OutputConflict(f"{path}: unreadable manifest ({exc}) — delete it only if you "
                             "are sure nothing in the directory was edited by hand") from None
    files = data.get("files", {}) if isinstance(data, dict) else {}
    return {str(k): str(v) for k, v in files.items()}


def read_journal(directory: Path) -> Journal | None:
    """The committed but unfinished write in `directory`, if a crash left one."""
    path = directory / TXN / JOURNAL
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise OutputConflict(f"{path}: unreadable write journal ({exc}) — it is written "
                             "atomically, so something else changed it; delete "
                             f"{directory / TXN} and render again") from None
    if not isinstance(data, dict) or not outguard.verify(_journal_payload(data),
                                                          data.get("mac")):
        raise OutputConflict(f"{path}: a write journal that tfgen did not start on this "
                             "machine (it may have come from a clone); it is not carried "
                             "out and nothing was changed. tfgen never commits .tfgen/: "
                             f"if no tfgen is running here, delete {directory / TXN} and "
                             "render again") from None
    return Journal(write=dict(data["write"]), delete=list(data["delete"]),
                   manifest=dict(data["manifest"]))


def _journal_payload(record: dict[str, object]) -> str:
    """The signed part of a journal record: everything but its MAC, canonically."""
    return json.dumps({k: v for k, v in record.items() if k != "mac"}, sort_keys=True)


def _safe_target(directory: Path, relpath: str) -> Path:
    """`directory/relpath`, refusing anything that would land outside `directory`."""
    parts = Path(relpath).parts
    if not relpath or Path(relpath).is_absolute() or ".." in parts:
        raise OutputConflict(f"refusing to write '{relpath}': outside the output directory")
    outguard.refuse_protected(relpath, "write or delete")
    current = directory
    for part in parts[:-1]:
        current = current / part
        if current.is_symlink():
            raise OutputConflict(f"refusing to write '{relpath}': {current} is a symbolic "
                                 "link and could lead outside the output directory — "
                                 "replace it with a real directory")
    return directory / relpath


# --- planning ----------------------------------------------------------------------------

def _on_disk(target: Path) -> str | None:
    """The text of a regular file, or None when absent; directories and links are foreign."""
    if target.is_symlink() or (target.exists() and not target.is_file()):
        return "\0not a regular file"
    try:
        return target.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None


def plan_write(directory: Path, files: dict[str, str]) -> WritePlan:
    """Compare `files` with what is on disk and in the manifest. Touches nothing."""
    if directory.is_symlink():
        raise OutputConflict(f"{directory} is a symbolic link; tfgen writes only into real "
                             "directories — point --out at the target instead")
    outguard.check_state_dirs(directory)
    pending = read_journal(directory)
    plan = WritePlan(directory, files, pending=pending is not None)
    if emulator.leftover(directory) is not None:
        plan.stray.append(emulator.OVERRIDE_FILE)
    manifest = pending.manifest if pending else read_manifest(directory)
    written = pending.write if pending else {}
    gone = set(pending.delete) if pending else set()

    def current_hash(relpath: str) -> str | None:
        if relpath in written:
            return written[relpath]
        if relpath in gone:
            return None
        text = _on_disk(_safe_target(directory, relpath))
        return None if text is None else digest(text)

    for relpath, text in files.items():
        now = current_hash(relpath)
        if now is None:
            plan.create.append(relpath)
            continue
        if now == digest(text):
            plan.unchanged.append(relpath)
            continue
        if relpath not in manifest:
            plan.foreign.append(relpath)
        elif now != manifest[relpath]:
            plan.edited.append(HandEdit(relpath, _edit_diff(relpath, manifest, directory)))
        plan.update.append(relpath)
    for relpath, recorded in sorted(manifest.items()):
        if relpath in files or outguard.is_protected(relpath):
            continue  # a manifest naming Terraform's files was not written by tfgen
        now = current_hash(relpath)
        if now is None:
            continue
        if now != recorded:
            plan.edited.append(HandEdit(relpath, f"(no longer generated, and edited by hand; "
                                                 f"tfgen leaves {relpath} alone)"))
            continue
        plan.delete.append(relpath)
    return plan


def _edit_diff(relpath: str, manifest: dict[str, str], directory: Path) -> str:
    """Show the hand edit against the generated text when it is still recoverable."""
    current = _on_disk(directory / relpath) or ""
    backup = directory / PRISTINE / relpath
    if backup.is_file():
        base = backup.read_text(encoding="utf-8")
        if digest(base) == manifest.get(relpath):
            return "".join(difflib.unified_diff(
                base.splitlines(keepends=True), current.splitlines(keepends=True),
                f"generated/{relpath}", f"on disk/{relpath}"))
    return f"(content differs from what tfgen wrote; hash {digest(current)[:12]})"


def check_tree(directory: Path, files: dict[str, str]) -> list[str]:
    """Relative paths where `directory` differs from `files` (for `render --check`)."""
    plan = plan_write(directory, files)
    differing = {*plan.create, *plan.update, *plan.delete, *(e.path for e in plan.edited),
                 *plan.stray}
    pending = read_journal(directory)
    if pending:  # on disk it is still a mix until the next write finishes it
        differing |= {*pending.write, *pending.delete}
    return sorted(differing)


# --- writing -----------------------------------------------------------------------------

def _file_mode() -> int:
    """0666 minus the umask: what `open()` would give, not mkstemp's 0600."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(target: Path, text: str, *, durable: bool = True) -> None:
    """Write a temporary sibling, fsync it (when `durable`), rename it over `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), _file_mode())
            if durable:
                os.fsync(handle.fileno())
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _step()


def _refused(plan: WritePlan, force: bool) -> bool:
    """Hand edits stop a write unless forced; a file tfgen never wrote stops it always."""
    return bool(plan.foreign or plan.stray) or (plan.conflicts and not force)


def apply_write(plan: WritePlan, *, force: bool = False) -> None:
    """Carry out `plan` crash-safely, holding the output directory's lock.

    Refuses (and writes nothing) on conflicts: hand edits unless `force`; a file at a
    generated path that tfgen never wrote even with `force` (it is the user's own).
    """
    directory = plan.directory
    with outguard.output_lock(directory):  # `plan` may predate another writer: re-planned
        _apply_locked(directory, plan.files, force)


def _apply_locked(directory: Path, files: dict[str, str], force: bool) -> None:
    recover(directory)
    plan = plan_write(directory, files)  # the disk as it is now, under the lock
    if _refused(plan, force):
        raise OutputConflict(describe_conflicts(plan))
    journal = Journal(write={p: digest(plan.files[p]) for p in sorted(plan.create + plan.update)},
                      delete=sorted(plan.delete),
                      manifest={p: digest(t) for p, t in sorted(plan.files.items())})
    if not plan.changes and read_manifest(directory) == journal.manifest:
        _refresh_pristine(directory, journal.manifest)
        return
    outguard.ensure_state_dir(directory)
    txn = directory / TXN
    staged = txn / STAGED
    folders = {staged, txn}
    for relpath in journal.write:
        _safe_target(directory, relpath)
        _atomic_write(staged / relpath, plan.files[relpath])
        folders.add((staged / relpath).parent)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir():
            _fsync_dir(folder)  # the staged names must survive a power cut, not just a kill
    record: dict[str, object] = {"version": MANIFEST_VERSION, "write": journal.write,
                                 "delete": journal.delete, "manifest": journal.manifest}
    record["mac"] = outguard.sign(_journal_payload(record))
    _atomic_write(txn / JOURNAL, json.dumps(record, indent=2, sort_keys=True) + "\n")
    _fsync_dir(txn)  # the commit point
    _roll_forward(directory, journal)


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
        _roll_forward(directory, journal)
    return True


def _roll_forward(directory: Path, journal: Journal) -> None:
    """Apply a committed journal. Idempotent: a crash here is finished by the next run."""
    staged = directory / TXN / STAGED
    for relpath in journal.write:
        source = staged / relpath
        if not source.exists():
            continue  # moved by an earlier, interrupted roll-forward
        target = _safe_target(directory, relpath)
        target.parent.mkdir(parents=True, exist_ok=True)
        source.replace(target)
        _step()
    for relpath in journal.delete:
        target = _safe_target(directory, relpath)
        if target.is_file() or target.is_symlink():
            target.unlink()
            _step()
        _prune(directory, target.parent)
    _atomic_write(directory / MANIFEST, json.dumps(
        {"version": MANIFEST_VERSION, "generator": "tfgen", "files": journal.manifest},
        indent=2, sort_keys=True) + "\n")
    _refresh_pristine(directory, journal.manifest)
    (directory / TXN / JOURNAL).unlink()
    _step()
    shutil.rmtree(directory / TXN, ignore_errors=True)
    _prune(directory, directory / STATE_DIR)


def _refresh_pristine(directory: Path, manifest: dict[str, str]) -> None:
    """Keep `.tfgen/generated/` equal to what was generated, so edits show as diffs."""
    pristine = directory / PRISTINE
    for relpath, recorded in manifest.items():
        copy = _safe_target(pristine, relpath)
        if copy.is_file() and digest(copy.read_text(encoding="utf-8")) == recorded:
            continue
        text = _on_disk(directory / relpath)
        if text is not None and digest(text) == recorded:
            _atomic_write(copy, text, durable=False)  # a cache: checked by hash when read
    if pristine.is_dir():
        for copy in sorted(pristine.rglob("*"), reverse=True):  # children before parents
            relpath = copy.relative_to(pristine).as_posix()
            if copy.is_file() and relpath not in manifest:
                copy.unlink()
                _step()
            elif copy.is_dir() and not any(copy.iterdir()):
                copy.rmdir()  # also what an interrupted earlier run left empty


def _prune(directory: Path, folder: Path) -> None:
    """Remove `folder` and its parents while empty, never `directory` itself."""
    while folder != directory and folder.is_relative_to(directory) and folder.is_dir() \
            and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def describe_conflicts(plan: WritePlan) -> str:
    """A message naming every file that writing would clobber, with the edits."""
    lines = [f"{plan.directory}: refusing to overwrite files tfgen did not write as they are:"]
    for edit in plan.edited:
        lines.append(f"  edited by hand: {edit.path}")
        lines.extend("    " + line for line in edit.diff.rstrip("\n").splitlines())
    for relpath in plan.foreign:
        lines.append(f"  not written by tfgen: {relpath} (yours: --force never overwrites it; "
                     "rename or move it, then render again)")
    for relpath in plan.stray:
        lines.append(f"  leftover emulator override: {relpath} (an interrupted --emulator run "
                     "left it; it points Terraform at the emulator. Delete it, or run `tfgen "
                     "plan`, which removes it)")
    lines.append("Move your changes into the blueprint (or a file tfgen does not generate), "
                 "or run again with --force to overwrite the hand edits. Nothing was written.")
    return "\n".join(lines)
