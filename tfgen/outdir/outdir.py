"""Where tfgen may write: any directory the user names, guarded against typos and clones.

`--out` is the user's own choice (docs/security.md trusts the command line), so it may be
absolute, relative, or outside the project. What protects the user instead:

* a typo that lands in someone else's folder — an existing, non-empty directory holding
  no tfgen manifest is refused unless `--force` (and even then Terraform's state and
  `.terraform*` files are never written or deleted: :mod:`tfgen.outdir.outguard`);
* a clone's symlink tricks — the output directory itself must not be a symbolic link,
  and the *default* output (`out/<name>`, a path the repository chose, not the user) must
  not lead through a link out of the project or working directory;
* a file where the directory should be — said before anything is written.
"""

from __future__ import annotations

import errno
import stat
from pathlib import Path

from tfgen import paths
from tfgen.errors import InputError
from tfgen.outdir.outguard import STATE_DIR
from tfgen.outdir.output import MANIFEST

#: What marks a directory as tfgen's own: its manifest, or its bookkeeping folder (a first
#: write interrupted before the manifest existed).
_MARKERS = (MANIFEST, STATE_DIR)
FORCE_REMEDY = "pass --force to write there anyway"


def check_out_dir(out_dir: Path, *, given: bool, roots: tuple[Path, ...],
                  force: bool = False, remedy: str = FORCE_REMEDY) -> None:
    """Raise InputError unless tfgen may write the module into `out_dir`.

    `given`: the user named it with `--out` (anywhere is fine); otherwise it is the
    default under the project and must stay there. `roots`: the working directory and
    the blueprint's project. `force`: write into a foreign non-empty directory anyway;
    `remedy`: how the refusal tells the user to do that with the command they ran.
    """
    shown = out_dir.as_posix()
    if out_dir.is_symlink():
        raise InputError(f"output directory {shown} is a symbolic link — name the real "
                         "directory instead")
    if not given:
        _stay_inside(out_dir, roots)
    require_directory(out_dir, shown)
    if not force:
        refuse_foreign(out_dir, shown, remedy)


def _stay_inside(out_dir: Path, roots: tuple[Path, ...]) -> None:
    """The default output must not be redirected by a committed symlink (e.g. `out -> ~`)."""
    resolved = paths.real(out_dir)
    if any(resolved.is_relative_to(paths.real(r)) for r in roots):
        return
    where = " or ".join(dict.fromkeys(str(paths.real(r)) for r in roots))
    raise InputError(f"output directory {out_dir.as_posix()} leads through a symbolic link "
                     f"to {resolved}, outside {where} — remove the link, or name the "
                     "directory you mean with --out")


def refuse_foreign(out_dir: Path, shown: str, remedy: str = FORCE_REMEDY) -> None:
    """Refuse an existing non-empty directory that tfgen never wrote (a mistyped --out)."""
    try:
        entries = sorted(p.name for p in out_dir.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return
    if not entries or any(marker in entries for marker in _MARKERS):
        return
    listed = ", ".join(entries[:3]) + (", …" if len(entries) > 3 else "")
    raise InputError(f"{shown}: the output directory is not empty ({listed}) and holds no "
                     "tfgen manifest, so tfgen did not write it — check --out for a typo, "
                     f"or {remedy} (files tfgen did not write are never overwritten, and "
                     "Terraform's state is never touched). Nothing was written.")


def require_directory(out_dir: Path, shown: str) -> None:
    """Raise InputError when `out_dir`, or a parent of it, exists as something else."""
    for path in (out_dir, *out_dir.parents):
        kind = _kind(path)
        if kind == "directory":
            return
        if kind is not None:
            if path == out_dir:
                raise InputError(f"{shown}: the output path {kind}; the root module needs a "
                                 "directory — move the file away or choose another --out")
            raise InputError(f"{shown}: cannot create the output directory because "
                             f"{paths.shown(path)} {kind} — move it away or choose another "
                             "--out")


#: What stat says when nothing usable is at a path: missing, under a file, or a link loop.
_NOT_THERE = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP)


def _kind(path: Path) -> str | None:
    """"directory", what else is there ("is a file", …), or None when nothing is.

    Decided from one stat (a second only for a dangling link): another tfgen rendering
    the same tree may create the folder at any moment, and a check made of several calls
    once saw "not a directory" and then "exists" and refused a folder that was fine.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno not in _NOT_THERE:
            return f"cannot be examined ({exc.strerror})"  # e.g. a folder we may not enter
        try:
            mode = path.lstat().st_mode
        except OSError as again:
            if again.errno in _NOT_THERE:
                return None  # (a link loop above it: said when the loop itself is looked at)
            return f"cannot be examined ({again.strerror})"
        if stat.S_ISLNK(mode):
            return "is a symbolic link that leads nowhere (or in a loop)"
        # not a link, so lstat saw what stat would have: it appeared between the calls
    if stat.S_ISDIR(mode):
        return "directory"
    return "is a file" if stat.S_ISREG(mode) else "exists and is not a directory"
