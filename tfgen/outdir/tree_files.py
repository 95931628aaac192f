"""Names and reads inside an output tree that a file planted in someone else's clone
cannot redirect or hang: no name leaves the tree, no link is followed, no FIFO waited on.

Split from tfgen/outdir/output_plan.py (which plans a write from these reads); the write
path (output.py), the saved-plan check and the emulator's file reads share them.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from tfgen.errors import OutputConflict
from tfgen.outdir import outguard


def safe_target(directory: Path, relpath: str, checked: set[str] | None = None) -> Path:
    """`directory/relpath`, refusing anything that would land outside `directory`.

    `checked` remembers folders already found not to be links during one operation (a
    tree has ~40 files in a dozen folders: one lstat per folder, not per file and level).
    """
    safe_name(directory, relpath, checked)
    return directory / relpath


def safe_name(directory: Path, relpath: str, checked: set[str] | None = None) -> str:
    """`safe_target` as a string: the write loops run it for every file, and building
    a Path per file was a tenth of writing 100 trees (issue 13)."""
    parts = check_name(relpath)
    base = current = os.fspath(directory)
    for depth, part in enumerate(parts[:-1]):
        current = f"{current}/{part}"
        if checked is not None:
            if current in checked:
                continue
            checked.add(current)
        kind = _folder_kind(current)
        if kind == "link":
            link = directory.joinpath(*parts[:depth + 1])
            raise OutputConflict(f"refusing to write '{relpath}': {link} is a symbolic "
                                 "link and could lead outside the output directory — "
                                 "replace it with a real directory")
        if kind == "other":
            where = directory.joinpath(*parts[:depth + 1])
            raise OutputConflict(f"refusing to write '{relpath}': {where} is not a directory "
                                 "and tfgen needs a folder there — move it away and run "
                                 "again. Nothing was written.")
    return f"{base}/{'/'.join(parts)}"


def check_name(relpath: str) -> list[str]:
    """The parts of a relative file name; OutputConflict when it leaves the tree or names
    a file tfgen never writes (Terraform's state). Strings only: nothing is looked at."""
    parts = [part for part in relpath.split("/") if part not in ("", ".")]
    if not parts or relpath.startswith("/") or ".." in parts:
        raise OutputConflict(f"refusing to write '{relpath}': outside the output directory")
    outguard.refuse_protected(relpath, "write or delete")
    return parts


def exists(name: str) -> bool:
    """`Path(name).exists()` without building the Path (it follows links, as that does)."""
    try:
        os.stat(name)  # noqa: PTH116 (a str, see safe_name)
    except OSError as exc:
        if exc.errno in _ABSENT:
            return False
        raise
    return True


def _folder_kind(path: str) -> str | None:
    """None for a real folder or nothing at all, else "link" or "other" (a file, a FIFO).
    One lstat on a string: `Path.is_symlink` built a Path per folder of every file."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        if exc.errno in _ABSENT:
            return None
        raise
    if stat.S_ISDIR(mode):
        return None
    return "link" if stat.S_ISLNK(mode) else "other"


#: The errors pathlib's `exists` and `is_symlink` read as "not there".
_ABSENT = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


NOT_REGULAR = "\0not a regular file"
#: How a file looked when read: inode, size, mtime and ctime (ns). tfgen replaces files by
#: renaming, so a file it rewrote has a new inode; an edit changes size or times.
Seen = tuple[int, int, int, int]


def on_disk(target: Path) -> str | None:
    """The text of a regular file, or None when absent; directories and links are foreign."""
    return read_regular(target)[0]


def read_regular(target: Path) -> tuple[str | None, Seen | None]:
    """`on_disk` with how the file looked, in one open (O_NOFOLLOW: a link is foreign;
    O_NONBLOCK: a FIFO planted in a clone cannot hang the read)."""
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except (FileNotFoundError, NotADirectoryError):  # (a file where a folder would be)
        return None, None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            return NOT_REGULAR, None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return NOT_REGULAR, None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read()
    finally:
        os.close(fd)
    text = data.decode("utf-8", errors="replace")
    if "\r" in text:  # what read_text's universal newlines did
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def seen_now(directory: Path, relpath: str) -> Seen | None:
    """How `directory/relpath` looks now (lstat), or None when absent or not a file."""
    try:
        info = (directory / relpath).lstat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
