"""One tfgen command at a time per output directory, and no armed leftovers when it starts.

`plan`, `apply` and `destroy` (tfgen.deploy.workflow) run under :func:`exclusive`: the output
directory's lock is held for the whole command (render, Terraform, saved plan, snapshot),
and a leftover emulator override that a SIGKILLed `--emulator` run left behind is removed
and reported *before* anything runs (issue 10, point 5). Under the lock a leftover can
never be another run's live override.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from tfgen.outdir import override_file
from tfgen.outdir.outdir import check_out_dir
from tfgen.outdir.outguard import output_lock
from tfgen.project import default_out_dir, project_root

P = ParamSpec("P")
R = TypeVar("R")


def exclusive(*, create: bool) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run a `(blueprint, *, out_dir=None, runner=None, ...)` command under the lock.

    `create`: make the output directory if missing (plan renders into it); otherwise a
    missing directory runs the command unlocked (it has nothing to act on and says so).
    """
    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            blueprint = Path(str(args[0] if args else kwargs["blueprint"]))
            given = kwargs.get("out_dir")
            out = Path(str(given)) if given is not None else default_out_dir(blueprint)
            # Only `plan` writes the module: a foreign non-empty directory stops it there.
            check_out_dir(out, given=given is not None, force=not create,
                          roots=(Path.cwd(), project_root(blueprint) or Path.cwd()),
                          remedy=f"render into it once with `tfgen render {blueprint} "
                                 f"--out {out} --force`")
            if not create and not out.is_dir():
                return func(*args, **kwargs)
            with output_lock(out):
                note = override_file.remove_leftover(out)
                progress = getattr(kwargs.get("runner"), "progress", None)
                if note is not None and callable(progress):
                    progress(note)
                return func(*args, **kwargs)
        return wrapper
    return decorate
