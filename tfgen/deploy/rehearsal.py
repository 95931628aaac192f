"""`--emulator moto`: the word instead of a URL starts moto for one command and rehearses.

A moto started by tfgen lives only as long as the command, so what each command does
with it is chosen to be meaningful on an emulator that is thrown away afterwards:

* `plan --emulator moto` plans against a fresh moto (what would be created) and stops it;
* `apply` / `destroy --emulator moto` rehearse the whole life of the stack in one moto:
  render, plan, apply and — unless `deletion_protection` is on, which AWS would enforce
  — destroy, then stop moto. Nothing of it reaches AWS, and no account is needed.

With a URL, `--emulator` keeps its meaning (a long-lived emulator the user runs).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from tfgen.blueprint.validate import load_blueprint
from tfgen.deploy import moto_server
from tfgen.deploy.terraform import termination_as_interrupt
from tfgen.deploy.tf_runner import Runner
from tfgen.deploy.workflow import PlanResult
from tfgen.deploy.workflow import apply as run_apply
from tfgen.deploy.workflow import destroy as run_destroy
from tfgen.deploy.workflow import plan as run_plan
from tfgen.errors import TerraformInterrupted

WORD = moto_server.WORD


def wants_moto(emulator: str | None) -> bool:
    """Whether `--emulator` named the word `moto` rather than a URL."""
    return emulator is not None and emulator.strip().lower() == WORD


def zones_of(blueprint: Path, stage: str | None = None) -> tuple[str, ...]:
    """The public hosted zone the blueprint's DNS looks up (moto must hold it)."""
    bp, _ = load_blueprint(blueprint, stage)
    return (bp.dns.zone,) if bp.dns is not None else ()


def log_path() -> Path:
    """Where the moto child's own messages go (shown when it fails to start)."""
    return Path(tempfile.gettempdir()) / f"tfgen-moto-{os.getpid()}.log"


@contextmanager
def emulator_runner(runner: Runner, blueprint: Path, stage: str | None = None
                    ) -> Iterator[Runner]:
    """`runner` as is, or — for `--emulator moto` — pointed at a moto started for the block.

    SIGTERM/SIGHUP are turned into an exception inside the block so moto is stopped on
    the way out; after a SIGKILL the child stops by itself (its stdin closes).
    """
    if not wants_moto(runner.emulator):
        yield runner
        return
    zones = zones_of(blueprint, stage)
    with termination_as_interrupt():
        runner.progress(f"starting moto on a free 127.0.0.1 port (hosted zones: "
                        f"{', '.join(zones) or 'none'})")
        try:
            with moto_server.running(zones, log_path()) as url:
                runner.progress(f"moto is serving at {url}; it stops when this command ends")
                yield replace(runner, emulator=url)
        except TerraformInterrupted as exc:
            exc.add_note("moto was stopped")  # the CLI's error message says so
            raise
        runner.progress("moto stopped")


@dataclass(frozen=True)
class Rehearsal:
    """What a rehearsal did: the plan, and whether the stack was destroyed again."""

    plan: PlanResult
    destroyed: bool
    #: Why the destroy step was skipped (deletion protection), or None.
    kept_because: str | None = None


def rehearse(blueprint: Path, *, runner: Runner, out_dir: Path | None = None,
             stage: str | None = None) -> Rehearsal:
    """Plan, apply and destroy `blueprint` against `runner`'s (throw-away) emulator."""
    result = run_plan(blueprint, out_dir=out_dir, stage=stage, runner=runner)
    if not result.record.applicable:
        return Rehearsal(result, destroyed=False, kept_because="the plan is not applicable")
    run_apply(blueprint, out_dir=out_dir, runner=runner, confirm=None)
    bp, _ = load_blueprint(blueprint, stage)
    if bp.deletion_protection:
        return Rehearsal(result, destroyed=False, kept_because=(
            "deletion_protection is true, so AWS would refuse to delete the database and "
            "load balancers; set `deletion_protection: false` to rehearse the destroy too"))
    run_destroy(blueprint, out_dir=out_dir, stage=stage, runner=runner, confirm=None)
    return Rehearsal(result, destroyed=True)
