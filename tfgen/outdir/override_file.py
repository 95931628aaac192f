"""The emulator override file, as the output tree sees it.

`tfgen plan/apply/destroy --emulator` (tfgen/deploy/emulator.py) drops this file into
out/ for the length of one run. The output layer must know it too: a render treats a
leftover one as stray (it would point Terraform at the emulator), and the output lock
removes one that a SIGKILLed run left behind. Its name and those two rules live here, below
the deploy layer, so outdir never imports deploy.
"""

from __future__ import annotations

from pathlib import Path

from tfgen.outdir.outguard import discard

OVERRIDE_FILE = "zz_tfgen_emulator_override.tf"


def leftover(workdir: Path) -> Path | None:
    """An override file an interrupted (SIGKILLed) `--emulator` run left behind, if any."""
    path = workdir / OVERRIDE_FILE
    return path if path.exists() or path.is_symlink() else None


def remove_leftover(workdir: Path) -> str | None:
    """Remove a leftover override; the sentence to report, or None when there was none.

    Called under the output directory's lock, so it is never another run's live file.
    """
    path = leftover(workdir)
    if path is None:
        return None
    discard(path)
    return (f"removed {path}: a leftover emulator override from an interrupted --emulator "
            "run, which would have pointed Terraform at the emulator")
