"""The output path must be (or become) a directory: say so before anything is written.

Without this check a regular file where the root module should go surfaces deep in the
writer as an "unreadable write journal" (the journal lives inside the directory), which
sends the user looking in the wrong place.
"""

from __future__ import annotations

from pathlib import Path

from tfgen.errors import InputError


def require_directory(out_dir: Path, shown: str) -> None:
    """Raise InputError when `out_dir`, or a parent of it, exists as something else."""
    for path in (out_dir, *out_dir.parents):
        if path.is_dir():
            return
        if path.exists() or path.is_symlink():
            what = "is a file" if path.is_file() else "exists and is not a directory"
            if path == out_dir:
                raise InputError(f"{shown}: the output path {what}; the root module needs a "
                                 "directory — move the file away or choose another --out")
            raise InputError(f"{shown}: cannot create the output directory because "
                             f"{_relative(path)} {what} — move it away or choose another "
                             "--out")


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()
