"""The CLI side of `tfgen apply/destroy --emulator moto` (tfgen.deploy.rehearsal does the work)."""

from __future__ import annotations

from pathlib import Path

import click

from tfgen.deploy.rehearsal import emulator_runner, rehearse
from tfgen.deploy.tf_runner import Runner


def run_rehearsal(blueprint: str, out_dir: str | None, runner: Runner) -> None:
    """Start moto, plan + apply + destroy BLUEPRINT against it, stop it; say what happened."""
    path = Path(blueprint)
    with emulator_runner(runner, path) as moto_runner:
        done = rehearse(path, runner=moto_runner, out_dir=Path(out_dir) if out_dir else None)
    record = done.plan.record
    steps = "rendered, planned, applied" + (" and destroyed" if done.destroyed else "")
    click.echo(click.style(f"Rehearsal on moto: {record.blueprint} (stage {record.stage}) "
                           f"{steps}; no AWS account was used.", bold=True))
    if done.kept_because:
        click.echo(f"Not destroyed: {done.kept_because}. moto is gone, and with it the "
                   "rehearsal's resources.")
