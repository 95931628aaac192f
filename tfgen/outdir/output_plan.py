"""Reading an output tree and planning a write into it: touches nothing on disk.

Split from tfgen/outdir/output.py (which writes) so each stays small; tfgen.outdir.output re-exports
everything here and in tree_files.py (the hostile-file-safe reads), so callers keep importing from
there.
"""

from __future__ import annotations

import difflib
import errno
import functools
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from tfgen.errors import OutputConflict
from tfgen.outdir import outguard, override_file
from tfgen.outdir.tree_files import (
    NOT_REGULAR,
    Seen,
    check_name,
    on_disk,
    read_regular,
    safe_target,
    seen_now,
)

MANIFEST = ".tfgen-manifest.json"
MANIFEST_VERSION = 1
#: tfgen's own bookkeeping inside an output directory.
STATE_DIR = ".tfgen"
PRISTINE = f"{STATE_DIR}/generated"
#: The generated text of every file, {path: text}, inside PRISTINE.
PRISTINE_FILE = "files.json"
TXN = f"{STATE_DIR}/txn"
JOURNAL = "journal.json"
STAGED = "staged"


@functools.lru_cache(maxsize=8192)
def digest(text: str) -> str:
    """sha256 of the UTF-8 text. Remembered: one write hashes each file's text about five
    times (plan, re-plan under the lock, journal, manifest, pristine copy), and a str
    keeps its own hash, so a repeat costs a lookup (issue 13)."""
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
    #: How each file read (and the manifest) looked (see :func:`unchanged_since`).
    seen: dict[str, Seen] = field(default_factory=dict)

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


def read_manifest(directory: Path) -> dict[str, str]:
    """The {path: sha256} tfgen recorded for `directory`; empty when none."""
    return _read_json_files(directory / MANIFEST)


def _read_json_files(path: Path) -> dict[str, str]:
    try:
        text = _bookkeeping(path)
        if text is None:
            return {}
        data = json.loads(text)  # an empty file is unreadable, as it was before
    except (OSError, ValueError) as exc:
        raise OutputConflict(f"{path}: unreadable manifest ({exc}) — delete it only if you "
                             "are sure nothing in the directory was edited by hand") from None
    files = data.get("files", {}) if isinstance(data, dict) else {}
    return {str(k): str(v) for k, v in files.items()}


def _bookkeeping(path: Path) -> str | None:
    """One of tfgen's own JSON files, read as `on_disk` reads (a FIFO planted in a copied
    tree hung `tfgen render` on the manifest); None when absent, OSError when not a file."""
    text = on_disk(path)
    if text == NOT_REGULAR:
        raise OSError(errno.EINVAL, "not a regular file")
    return text


def read_journal(directory: Path) -> Journal | None:
    """The committed but unfinished write in `directory`, if a crash left one."""
    path = directory / TXN / JOURNAL
    try:
        text = _bookkeeping(path)
        if text is None:
            return None
        data = json.loads(text)  # an empty journal is refused, never taken for none
    except (OSError, ValueError) as exc:
        raise OutputConflict(f"{path}: unreadable write journal ({exc}) — it is written "
                             "atomically, so something else changed it; delete "
                             f"{directory / TXN} and render again") from None
    if not isinstance(data, dict) or not outguard.verify(journal_payload(data),
                                                          data.get("mac")):
        raise OutputConflict(f"{path}: a write journal that tfgen did not start on this "
                             "machine (it may have come from a clone); it is not carried "
                             "out and nothing was changed. tfgen never commits .tfgen/: "
                             f"if no tfgen is running here, delete {directory / TXN} and "
                             "render again") from None
    return Journal(write=dict(data["write"]), delete=list(data["delete"]),
                   manifest=dict(data["manifest"]))


def journal_payload(record: dict[str, object]) -> str:
    """The signed part of a journal record: everything but its MAC, canonically."""
    return json.dumps({k: v for k, v in record.items() if k != "mac"}, sort_keys=True)


# --- planning ----------------------------------------------------------------------------

def drift(directory: Path) -> list[str]:
    """Files the manifest names whose content on disk is not what tfgen wrote, as
    "path (deleted)" / "path (edited)": the one hand-edit check, used by the saved-plan
    check too. It reads as `plan_write` does: no link followed, no FIFO waited on, nothing
    outside `directory`, Terraform's own files never opened."""
    checked: set[str] = set()
    found = []
    for relpath, recorded in sorted(read_manifest(directory).items()):
        if outguard.is_protected(relpath):
            continue
        text, _ = read_regular(safe_target(directory, relpath, checked))
        if text is None:
            found.append(f"{relpath} (deleted)")
        elif digest(text) != recorded:
            found.append(f"{relpath} (edited)")
    return found


def plan_write(directory: Path, files: dict[str, str]) -> WritePlan:
    """Compare `files` with what is on disk and in the manifest. Touches nothing."""
    if directory.is_symlink():
        raise OutputConflict(f"{directory} is a symbolic link; tfgen writes only into real "
                             "directories — point --out at the target instead")
    if _empty(directory):
        # A new tree: nothing to read, compare or delete, every file is created (the names
        # are still checked). Two plans per tree read 11,100 missing files for 100 new
        # environments before this (issue 13). Under the lock the empty folder is re-seen.
        for relpath in files:
            check_name(relpath)
        return WritePlan(directory, files, create=list(files))
    outguard.check_state_dirs(directory)
    pending = read_journal(directory)
    plan = WritePlan(directory, files, pending=pending is not None)
    if override_file.leftover(directory) is not None:
        plan.stray.append(override_file.OVERRIDE_FILE)
    manifest = pending.manifest if pending else read_manifest(directory)
    manifest_seen = seen_now(directory, MANIFEST)
    if manifest_seen is not None:
        plan.seen[MANIFEST] = manifest_seen
    written = pending.write if pending else {}
    gone = set(pending.delete) if pending else set()

    checked: set[str] = set()

    def current_hash(relpath: str) -> str | None:
        if relpath in written:
            return written[relpath]
        if relpath in gone:
            return None
        text, seen = read_regular(safe_target(directory, relpath, checked))
        if seen is not None:
            plan.seen[relpath] = seen
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


def _empty(directory: Path) -> bool:
    """Whether `directory` is missing or holds nothing at all (one scandir, no lstat)."""
    try:
        with os.scandir(directory) as entries:
            return next(entries, None) is None
    except FileNotFoundError:
        return True
    except OSError:
        return False  # something else is there: the full plan says what


def unchanged_since(plan: WritePlan) -> bool:
    """Whether a plan that changes nothing still holds: every file it read looks the same.

    Lets a no-op write skip reading the tree a second time under the lock (issue 13). Only
    for plans that write nothing, so a change this misses (an in-place edit keeping size,
    inode and both times) can at worst delay its own detection to the next run.
    """
    if plan.changes or plan.conflicts or MANIFEST not in plan.seen:
        return False
    if (plan.directory / TXN).exists():
        return False
    return all(seen_now(plan.directory, relpath) == seen
               for relpath, seen in plan.seen.items())


def _edit_diff(relpath: str, manifest: dict[str, str], directory: Path) -> str:
    """Show the hand edit against the generated text when it is still recoverable."""
    current = on_disk(directory / relpath) or ""
    base = read_pristine(directory).get(relpath)
    if base is not None and digest(base) == manifest.get(relpath):
        return "".join(difflib.unified_diff(
            base.splitlines(keepends=True), current.splitlines(keepends=True),
            f"generated/{relpath}", f"on disk/{relpath}"))
    return f"(content differs from what tfgen wrote; hash {digest(current)[:12]})"


def read_pristine(directory: Path) -> dict[str, str]:
    """The generated texts tfgen kept for `directory`; empty when missing or unreadable.

    Untrusted like the rest of the tree: callers use an entry only when its hash is the
    manifest's, so a planted file can at most hide a diff, never change what is written.
    """
    path = directory / PRISTINE / PRISTINE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def check_tree(directory: Path, files: dict[str, str]) -> list[str]:
    """Relative paths where `directory` differs from `files` (for `render --check`)."""
    plan = plan_write(directory, files)
    differing = {*plan.create, *plan.update, *plan.delete, *(e.path for e in plan.edited),
                 *plan.stray}
    pending = read_journal(directory)
    if pending:  # on disk it is still a mix until the next write finishes it
        differing |= {*pending.write, *pending.delete}
    return sorted(differing)


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
