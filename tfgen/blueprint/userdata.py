"""Reading a blueprint's user-data script without letting a blueprint read anything else.

A blueprint (possibly from a clone) names its user-data script by path, and the script's
text is copied into `out/` and into the launch template. So the path must stay inside the
blueprint's project (resolved: `..` and symlinks may not leave it), name a regular file
(not a FIFO, device or /proc entry), of bounded size, holding UTF-8 text without NUL.
Otherwise `user_data: /proc/self/environ` would copy the caller's AWS keys into out/.
"""

from __future__ import annotations

import difflib
import os
import stat
from pathlib import Path

from tfgen.blueprint import inputs
from tfgen.paths import project_of

#: What an EC2 launch template accepts, before base64 (16 KiB).
MAX_USER_DATA = 16 * 1024


def problem(base_dir: Path, value: str, root: Path | None = None) -> str | None:
    """Why `value` (relative to `base_dir`) is not an acceptable user-data file, or None."""
    try:
        read(base_dir, value, root)
    except ValueError as exc:
        return str(exc)
    return None


def read(base_dir: Path, value: str, root: Path | None = None) -> str:
    """The script's text; ValueError (with the reason) when it may not be used."""
    if "\0" in value:
        raise ValueError("the path contains a NUL character")
    if Path(value).is_absolute():
        raise ValueError(f"'{value}' is an absolute path — name a file inside the project, "
                         "relative to the blueprint's folder")
    root = (root or project_of(base_dir)).resolve()
    path = base_dir / value
    try:
        resolved = path.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError):
        raise ValueError(f"file '{value}' not found — paths are relative to the blueprint's "
                         "folder") from None
    except (OSError, RuntimeError) as exc:
        raise ValueError(f"'{value}' cannot be resolved ({exc})") from None
    if not resolved.is_relative_to(root):
        raise ValueError(f"'{value}' leads to {resolved}, outside the project {root} — "
                         "user-data scripts must live inside the project")
    try:
        fd = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        raise ValueError(f"'{value}' cannot be opened ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"'{value}' is not a regular file — name a script file")
        if info.st_size > MAX_USER_DATA:
            raise ValueError(f"'{value}' is larger than the 16 KiB launch templates accept "
                             "— keep it small and fetch the rest at boot")
        inputs.note(path)  # checked above; a render's input (tfgen/outdir/render_index.py)
        data = os.read(fd, MAX_USER_DATA + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_USER_DATA:
        raise ValueError(f"'{value}' is larger than the 16 KiB launch templates accept")
    if b"\0" in data:
        raise ValueError(f"'{value}' is not text (it contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"'{value}' is not UTF-8 text ({exc.reason} at byte "
                         f"{exc.start})") from None


#: A review shows at most this many lines of one user-data diff.
DIFF_LINES = 60


def content_diffs(old: dict[str, str], new: dict[str, str],
                  limit: int = DIFF_LINES) -> list[tuple[str, str]]:
    """(tier, unified diff) for every user-data script that differs, bounded to `limit` lines.

    The inventory shows a script only as a hash; a reviewer needs to see what changed in
    what will run as root on every instance.
    """
    found = []
    for tier in sorted(set(old) | set(new)):
        before, after = old.get(tier, ""), new.get(tier, "")
        if before == after:
            continue
        lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(),
                                          f"{tier} user data (old)", f"{tier} user data (new)",
                                          lineterm=""))
        if len(lines) > limit:
            lines = [*lines[:limit], f"… {len(lines) - limit} more diff lines not shown"]
        found.append((tier, "\n".join(lines)))
    return found


def report_diffs(report: object) -> list[tuple[str, str]]:
    """The user-data diffs of a `tfgen.review.diff.DiffReport` (old side -> new side)."""
    def scripts(side: object) -> dict[str, str]:
        context = getattr(side, "context", None)
        return {f.tier: f.content for f in getattr(context, "files", ())}
    return content_diffs(scripts(getattr(report, "old", None)),
                         scripts(getattr(report, "new", None)))
