"""Writing rendered trees into `out/` without ever losing anything.

A manifest (`.tfgen-manifest.json`) records every file tfgen wrote and its hash. On the
next render: files tfgen wrote and no longer produces are removed; files it never wrote
(a user's `terraform.tfvars`, `.terraform/`, state, lock files) are never touched; a
generated file edited by hand stops the write (unless forced) with the edit shown.
Each file is written to a temporary sibling and renamed into place; the manifest is
written last, so an interrupted write is detected and finished on the next run.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tfgen.errors import OutputConflict

MANIFEST = ".tfgen-manifest.json"
MANIFEST_VERSION = 1


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

    @property
    def changes(self) -> bool:
        """Whether writing would change anything on disk."""
        return bool(self.create or self.update or self.delete)

    @property
    def conflicts(self) -> bool:
        """Whether writing would overwrite something tfgen did not write."""
        return bool(self.edited or self.foreign)


def read_manifest(directory: Path) -> dict[str, str]:
    """The {path: sha256} tfgen recorded for `directory`; empty when none."""
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise OutputConflict(f"{path}: unreadable manifest ({exc}); delete it only if you are "
                             "sure nothing in the directory was edited by hand") from None
    files = data.get("files", {}) if isinstance(data, dict) else {}
    return {str(k): str(v) for k, v in files.items()}


def _safe_target(directory: Path, relpath: str) -> Path:
    """`directory/relpath`, refusing anything that would land outside `directory`."""
    if relpath.startswith("/") or ".." in Path(relpath).parts:
        raise OutputConflict(f"refusing to write '{relpath}': outside the output directory")
    return directory / relpath


def plan_write(directory: Path, files: dict[str, str]) -> WritePlan:
    """Compare `files` with what is on disk and in the manifest. Touches nothing."""
    if directory.is_symlink():
        raise OutputConflict(f"{directory} is a symbolic link; tfgen writes only into real "
                             "directories (point --out at the target instead)")
    plan = WritePlan(directory, files)
    manifest = read_manifest(directory)
    for relpath, text in files.items():
        target = _safe_target(directory, relpath)
        if not target.exists():
            plan.create.append(relpath)
            continue
        current = target.read_text(encoding="utf-8", errors="replace")
        if current == text:
            plan.unchanged.append(relpath)
            continue
        if relpath not in manifest:
            plan.foreign.append(relpath)
        elif digest(current) != manifest[relpath]:
            plan.edited.append(HandEdit(relpath, _edit_diff(relpath, manifest, current,
                                                            directory)))
        plan.update.append(relpath)
    for relpath, recorded in sorted(manifest.items()):
        if relpath in files:
            continue
        target = _safe_target(directory, relpath)
        if not target.exists():
            continue
        current = target.read_text(encoding="utf-8", errors="replace")
        if digest(current) != recorded:
            plan.edited.append(HandEdit(relpath, f"(no longer generated, and edited by hand; "
                                                 f"tfgen leaves {relpath} alone)"))
            continue
        plan.delete.append(relpath)
    return plan


def _edit_diff(relpath: str, manifest: dict[str, str], current: str, directory: Path) -> str:
    """Show the hand edit against the generated text when it is still recoverable."""
    backup = directory / ".tfgen" / "generated" / relpath
    if backup.exists():
        base = backup.read_text(encoding="utf-8")
        if digest(base) == manifest.get(relpath):
            return "".join(difflib.unified_diff(
                base.splitlines(keepends=True), current.splitlines(keepends=True),
                f"generated/{relpath}", f"on disk/{relpath}"))
    return f"(content differs from what tfgen wrote; hash {digest(current)[:12]})"


def _atomic_write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def apply_write(plan: WritePlan, *, force: bool = False) -> None:
    """Carry out `plan`. Refuses (and writes nothing) on conflicts unless `force`."""
    if plan.conflicts and not force:
        raise OutputConflict(describe_conflicts(plan))
    directory = plan.directory
    directory.mkdir(parents=True, exist_ok=True)
    for relpath in plan.create + plan.update:
        _atomic_write(_safe_target(directory, relpath), plan.files[relpath])
        # A pristine copy lets the next run show a hand edit as a diff.
        _atomic_write(directory / ".tfgen" / "generated" / relpath, plan.files[relpath])
    for relpath in plan.delete:
        _safe_target(directory, relpath).unlink(missing_ok=True)
        (directory / ".tfgen" / "generated" / relpath).unlink(missing_ok=True)
    for relpath in plan.unchanged:
        pristine = directory / ".tfgen" / "generated" / relpath
        if not pristine.exists():
            _atomic_write(pristine, plan.files[relpath])
    manifest = {
        "version": MANIFEST_VERSION,
        "generator": "tfgen",
        "files": {p: digest(t) for p, t in sorted(plan.files.items())},
    }
    _atomic_write(directory / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    _remove_empty_dirs(directory, plan.delete)


def _remove_empty_dirs(directory: Path, deleted: list[str]) -> None:
    for relpath in deleted:
        parent = (directory / relpath).parent
        while parent != directory and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def describe_conflicts(plan: WritePlan) -> str:
    """A message naming every file that writing would clobber, with the edits."""
    lines = [f"{plan.directory}: refusing to overwrite files tfgen did not write as they are:"]
    for edit in plan.edited:
        lines.append(f"  edited by hand: {edit.path}")
        lines.extend("    " + line for line in edit.diff.rstrip("\n").splitlines())
    for relpath in plan.foreign:
        lines.append(f"  not written by tfgen: {relpath}")
    lines.append("Move your changes into the blueprint (or a file tfgen does not generate), "
                 "or run again with --force to overwrite.")
    return "\n".join(lines)


def check_tree(directory: Path, files: dict[str, str]) -> list[str]:
    """Relative paths where `directory` differs from `files` (for `render --check`)."""
    plan = plan_write(directory, files)
    return sorted({*plan.create, *plan.update, *plan.delete,
                   *(e.path for e in plan.edited)})
