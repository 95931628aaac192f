"""Durability barriers: a few filesystem syncs for a whole batch instead of one per file.

A crash-safe write needs its steps to reach the disk in order (staged files before the
journal that names them, the journal before the tree changes, the finished tree before
the journal goes). An fsync per file gives that order at the price of one journal commit
of the filesystem per file: rendering 100 environments (~8,000 files) spent most of its
time there (issue 13). A :class:`Barrier` instead remembers what was written since the
last barrier and makes all of it durable at once with `syncfs(2)` — "like sync(), but
synchronizes just the filesystem containing [the] file" (man 2 syncfs, Linux ≥ 2.6.39).

Where `syncfs` is not available (not Linux, or the call fails) every file and directory
noted since the last barrier is fsync'd one by one, which is the per-file guarantee.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

_syncfs: Callable[[int], int] | None = None
_looked_up = False


def _find_syncfs() -> Callable[[int], int] | None:
    """libc's `syncfs`, looked up once; None where there is none."""
    global _syncfs, _looked_up
    if not _looked_up:
        _looked_up = True
        import ctypes  # here: only a write needs it, not `tfgen render` with nothing to write

        try:
            _syncfs = ctypes.CDLL(None, use_errno=True).syncfs
        except (AttributeError, OSError):
            _syncfs = None
    return _syncfs


def _fsync(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return  # renamed or removed since it was noted: its new place is noted too
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Barrier:
    """Files and directories written since the last :meth:`sync`, made durable together."""

    def __init__(self) -> None:
        # Strings, not Paths: a Path per written file was a tenth of a 100-tree write.
        self._files: list[str] = []
        self._dirs: set[str] = set()
        #: How many barriers actually synced (tests check the order of barriers).
        self.syncs = 0

    def file(self, path: str | Path) -> None:
        """`path` was written (or renamed to): its data and its name must survive."""
        name = os.fspath(path)
        self._files.append(name)
        head, slash, _ = name.rpartition("/")
        self._dirs.add(head or ("/" if slash else "."))

    def directory(self, path: str | Path) -> None:
        """An entry of `path` was created, renamed or removed."""
        self._dirs.add(os.fspath(path))

    def sync(self) -> None:
        """Make everything noted durable; return only once it is on disk."""
        if not self._files and not self._dirs:
            return
        syncfs = _find_syncfs()
        done = syncfs is not None and self._syncfs_all(syncfs)
        if not done:
            for name in self._files:
                _fsync(Path(name))
            for folder in sorted(map(Path, self._dirs), key=lambda p: len(p.parts),
                                 reverse=True):
                _fsync(folder)
        self._files.clear()
        self._dirs.clear()
        self.syncs += 1
        on_sync(self)

    def _syncfs_all(self, syncfs: Callable[[int], int]) -> bool:
        """One `syncfs` per filesystem holding a noted directory; False if one failed."""
        devices: dict[int, str] = {}
        for folder in self._dirs:
            try:
                devices.setdefault(os.stat(folder).st_dev, folder)  # noqa: PTH116 (a str)
            except FileNotFoundError:
                continue  # removed since (a pruned folder): its parent is noted as well
        for folder in devices.values():
            fd = os.open(folder, os.O_RDONLY)
            try:
                if syncfs(fd) != 0:
                    return False
            finally:
                os.close(fd)
        return True


def on_sync(barrier: Barrier) -> None:
    """Called after every barrier; a test hook (tests/test_output_batch.py), else nothing."""
