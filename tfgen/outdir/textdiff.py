"""Unified diffs of what a render would change on disk, for `render --dry-run/--check`.

A reviewer wants to see the change, not just the file names. The diff compares the file
on disk with the rendered text, in memory; nothing is written. Long diffs are cut per file
with a "… N more lines" marker so a terminal stays readable (`--diff-lines 0` shows all).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Lines of diff shown per file by default.
DEFAULT_LINES = 40
#: After this many files' worth of lines (FILES_SHOWN * the per-file limit) the rest of a
#: diff is summed up in one line.
FILES_SHOWN = 10


@dataclass(frozen=True)
class FileDiff:
    """The unified diff of one file: on disk (old) -> rendered (new)."""

    path: str
    lines: tuple[str, ...]

    def shown(self, limit: int) -> tuple[tuple[str, ...], int]:
        """The lines to show with at most `limit` (0: no limit), and how many are left out."""
        if limit <= 0 or len(self.lines) <= limit:
            return self.lines, 0
        return self.lines[:limit], len(self.lines) - limit


def on_disk(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
    except OSError:
        return None


def file_diff(directory: Path, shown_dir: str, relpath: str,
              rendered: str | None) -> FileDiff:
    """The diff for one relative path; `rendered` None means the render removes it."""
    old = on_disk(directory / relpath)
    name = f"{shown_dir}/{relpath}"
    lines = difflib.unified_diff(
        (old or "").splitlines(), (rendered or "").splitlines(),
        fromfile=name if old is not None else "/dev/null",
        tofile=f"{name} (rendered)" if rendered is not None else "/dev/null",
        lineterm="")
    return FileDiff(relpath, tuple(lines))


def tree_diff(directory: Path, shown_dir: str, files: dict[str, str],
              relpaths: Iterable[str]) -> list[FileDiff]:
    """Diffs of `relpaths` between `directory` and the rendered `files`, non-empty only."""
    diffs = [file_diff(directory, shown_dir, rel, files.get(rel)) for rel in sorted(relpaths)]
    return [d for d in diffs if d.lines]
