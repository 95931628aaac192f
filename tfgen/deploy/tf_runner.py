"""How plan, apply and destroy run Terraform: settings, environment, emulator, failures.

Split from tfgen/deploy/workflow.py. A Runner says which binary, which environment, which
emulator and where output goes (callbacks: the library never prints); the helpers here
build the Terraform for an out/ folder, add and remove the emulator override around a
step, and turn a failed step into one clear ApplyFailed (a held state lock named as such).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tfgen.deploy import emulator
from tfgen.deploy.terraform import LineCallback, Terraform
from tfgen.deploy.terraform_env import TerraformEnv, find_terraform
from tfgen.errors import ApplyFailed, TerraformFailed
from tfgen.outdir.override_file import OVERRIDE_FILE
from tfgen.outdir.tree_files import NOT_REGULAR, on_disk

LOCK_MESSAGE = "Error acquiring the state lock"

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    """The default callback: say nothing."""


@dataclass(frozen=True)
class Runner:
    """How to run Terraform: which binary, with which environment, against what."""

    terraform: str | None = None
    env: TerraformEnv | None = None
    emulator: str | None = None
    on_line: LineCallback | None = None
    progress: Progress = quiet
    timeout: float | None = None


def terraform_env(out_dir: Path, runner: Runner) -> TerraformEnv:
    """The user's Terraform settings when they have a CLI config, else tfgen's own.

    tfgen's own config (the provider mirror when there is one) shares one plugin cache
    across environments: hashicorp/aws is ~700 MB and is linked, not copied, per init.
    """
    if runner.env is not None:
        base = runner.env
    else:
        cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        plugin_cache = None if os.environ.get("TF_PLUGIN_CACHE_DIR") else \
            cache_home / "tfgen" / "plugin-cache"
        base = TerraformEnv.default(out_dir / ".tfgen" / "terraform", plugin_cache)
    extra = {**base.extra, **emulator.environment(runner.emulator)}
    return TerraformEnv(base.cli_config_file, extra)


def terraform_for(out_dir: Path, runner: Runner) -> Terraform:
    """The Terraform of `out_dir`, run as `runner` says."""
    return Terraform(find_terraform(runner.terraform), out_dir, terraform_env(out_dir, runner),
                     on_line=runner.on_line, timeout=runner.timeout)


def _lock_message(exc: TerraformFailed, out_dir: Path, shown: bool) -> str:
    said = "" if shown else f" Terraform said:\n{exc.stderr_tail}\n"
    return ("the Terraform state is locked: another plan or apply is running (or crashed "
            "holding the lock). Nothing was changed and the saved plan is kept; retry when "
            f"it has finished.{said} Only if you are sure no run is active: "
            f"`terraform -chdir={out_dir} force-unlock LOCK_ID` (the ID is in the lock info).")


def failure(exc: TerraformFailed, out_dir: Path, what: str, shown: bool = False) -> ApplyFailed:
    """A clear error for a failed terraform step; `shown`: its output was streamed already."""
    if LOCK_MESSAGE in exc.stderr_tail:
        return ApplyFailed(_lock_message(exc, out_dir, shown), exc.returncode)
    detail = " (its output is above)" if shown else f":\n{exc.stderr_tail}"
    return ApplyFailed(f"terraform {what} failed with exit code {exc.returncode}{detail}",
                       exc.returncode)


@contextmanager
def emulated(out_dir: Path, runner: Runner, backend: dict[str, Any]) -> Iterator[None]:
    """Within the block, the emulator override (if any) points AWS at `runner.emulator`."""
    files: dict[str, str] = {}
    if runner.emulator is not None:  # which services and aliases the override must cover
        for p in sorted(out_dir.rglob("*.tf")):
            if ".terraform" in p.parts or p.name == OVERRIDE_FILE:
                continue
            text = on_disk(p)  # a user's own .tf may be anything: a link, a FIFO, a folder
            if text is not None and text != NOT_REGULAR:
                files[p.relative_to(out_dir).as_posix()] = text
    with emulator.override(out_dir, runner.emulator, files, backend) as path:
        if path is not None:
            runner.progress(f"emulator: {path.name} points AWS at {runner.emulator} "
                            "(removed afterwards)")
        yield


def init(tf: Terraform, runner: Runner) -> None:
    """`terraform init`, reported to `runner.progress`; a failure is an ApplyFailed."""
    runner.progress("terraform init")
    try:
        tf.init()
    except TerraformFailed as exc:
        raise failure(exc, tf.workdir, "init", tf.on_line is not None) from None

