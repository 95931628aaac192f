"""Which files a render read, so a later render can tell that none of them changed.

`tfgen render` keeps an index per output tree (tfgen/outdir/render_index.py): when every input
is byte-identical and every written file is untouched, nothing needs rendering. The
inputs of one blueprint are its `extends:` chain and its user-data scripts; the readers
of those files (tfgen/blueprint/layers.py, tfgen/blueprint/userdata.py) call :func:`note` just
*before* reading. The hash is taken then, so a file changed during the render is recorded with
its old content: the next run sees a difference and renders again (never the reverse).

Outside :func:`recording` (every command but `render`) :func:`note` does nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

#: One input: the path as read (absolute, unresolved), its resolved path, sha256 of bytes.
Input = tuple[str, str, str]

#: Far more than any blueprint or user-data script may be (both are capped lower).
MAX_BYTES = 4 * 1024 * 1024

_recording: list[dict[str, Input]] = []


def fingerprint(path: Path) -> Input | None:
    """How `path` reads now: (absolute path, resolved path, sha256); None if unreadable."""
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:  # O_NONBLOCK: a FIFO must not hang the read; only regular files count
        fd = os.open(absolute, os.O_RDONLY | os.O_NONBLOCK)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
                return None
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = handle.read(MAX_BYTES + 1)
        finally:
            os.close(fd)
        resolved = absolute.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return str(absolute), str(resolved), hashlib.sha256(data).hexdigest()


def note(path: Path) -> None:
    """`path` is about to be read as an input of the render being recorded, if any."""
    if not _recording:
        return
    seen = fingerprint(path)
    key = seen[0] if seen else str(path)
    # An unreadable input makes the render fail or differ: record it as never matching.
    _recording[-1].setdefault(key, seen or (key, "", ""))


@contextlib.contextmanager
def recording() -> Iterator[dict[str, Input]]:
    """Collect the inputs noted inside the block, by absolute path."""
    found: dict[str, Input] = {}
    _recording.append(found)
    try:
        yield found
    finally:
        _recording.pop()


def unchanged(recorded: list[Input]) -> bool:
    """Whether every recorded input still reads the same, through the same path."""
    return bool(recorded) and all(
        item[2] and fingerprint(Path(item[0])) == tuple(item) for item in recorded)
