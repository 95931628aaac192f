"""Paths from untrusted places (blueprints, a clone's `out/`) resolved without crashing.

Python 3.11's `Path.resolve()` raises RuntimeError on a symbolic-link loop (`out -> out`,
a blueprint linked to itself), which a hostile clone can commit; tfgen then said
"internal error". Every path a blueprint or the repository chose is resolved here, and a
loop becomes a located input error.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from tfgen.errors import InputError

#: The folder of a project's blueprints; the project is its parent (tfgen/project.py).
BLUEPRINTS = "blueprints"


def real(path: Path) -> Path:
    """`path.resolve()`; a link loop on the way is the input's error, said with its path."""
    try:
        return path.resolve()
    except RuntimeError:  # Python < 3.13: "Symlink loop from ..."
        pass
    except OSError as exc:  # Python >= 3.13 raises ELOOP instead
        if exc.errno != errno.ELOOP:
            raise
    raise InputError(f"{path.as_posix()}: a symbolic link on this path leads in a loop — "
                     "remove or fix the link")


def shown(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when inside.

    Only for messages, so it never raises: a path that cannot be resolved is shown as given.
    """
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, RuntimeError, OSError):
        return path.as_posix()


def project_of(folder: Path) -> Path:
    """The project holding `folder`, resolved: the parent of the `blueprints/` folder it is
    in, else `folder` itself. What a blueprint names (user-data scripts, `extends:` bases)
    must stay inside it (docs/security.md)."""
    resolved = real(folder)
    for parent in (resolved, *resolved.parents):
        if parent.name == BLUEPRINTS:
            return parent.parent
    return resolved


def outside_project(path: Path) -> tuple[Path, Path] | None:
    """(where it leads, the project) when `path` lies in a project's `blueprints/` folder as
    named but resolves outside that project, else None.

    The name is the user's (`..` typed on the command line counts), the links on the way
    are the repository's: a clone's `blueprints/dev.yaml -> ~/.kube/config` would be read
    and its values quoted in messages (docs/security.md).
    """
    named = Path(os.path.normpath(path.absolute()))
    for parent in named.parents:
        if parent.name == BLUEPRINTS:
            project, target = real(parent.parent), real(path)
            return None if target.is_relative_to(project) else (target, project)
    return None
