"""The no-op re-plan: what Terraform plans when nothing is changed at all.

When `tfgen plan` finds plan actions the blueprint diff did not predict, it renders the
*last applied* blueprint (`.tfgen/applied/blueprint.json`) into a temporary copy of the
root module and plans it against the same state. Whatever that plan also does was not
caused by this step: drift (an interrupted apply, a console edit) or, against an
emulator, its imperfect read-back. The re-plan is read-only: `-lock=false`, no state is
ever written (a plan never persists state), the temporary directory is removed, and the
local backend is pointed at the very state file of the real root module.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tfgen.deploy import emulator
from tfgen.deploy.terraform import Terraform
from tfgen.render.render import render
from tfgen.review.diff import Loaded

LOCK_FILE = ".terraform.lock.hcl"
LOCAL_STATE = "terraform.tfstate"


def local_state(out_dir: Path, emulator_url: str | None) -> Path:
    """The state file the real root module uses when it has no remote backend."""
    return out_dir / (emulator.LOCAL_STATE if emulator_url else LOCAL_STATE)


def noop_replan(out_dir: Path, applied: Loaded, make_terraform: Callable[[Path], Terraform],
                *, emulator_url: str | None, backend: dict[str, Any],
                progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """`terraform show -json` of the applied configuration planned against today's state.

    Raises TerraformFailed (or OSError) when it cannot run; the caller says so and keeps
    the unpredicted actions as missed.
    """
    progress("no-op re-plan: the last applied blueprint against the same state (read-only)")
    files = render(applied.context)
    with tempfile.TemporaryDirectory(prefix="tfgen-noop-replan-") as tmp:
        root = Path(tmp)
        for relpath, text in files.items():
            target = root / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        if (out_dir / LOCK_FILE).is_file():  # the same provider versions as the real plan
            shutil.copy2(out_dir / LOCK_FILE, root / LOCK_FILE)
        tf_files = {k: v for k, v in files.items() if k.endswith(".tf")}
        with emulator.override(root, emulator_url, tf_files, backend):
            tf = make_terraform(root)
            tf.run(["init", "-input=false", "-no-color", "-lock=false"])
            plan_file = root / "noop.tfplan"
            args = ["plan", "-input=false", "-no-color", "-lock=false", f"-out={plan_file}"]
            if not backend:
                state = local_state(out_dir, emulator_url).resolve()
                args.append(f"-state={state}")
            tf.run(args, ok_codes=(0, 2))
            return tf.show_json(plan_file)


__all__ = ["local_state", "noop_replan"]
