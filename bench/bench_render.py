"""How long loading, validating and rendering the example takes, in memory and to disk."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import EXAMPLE, per_call

from tfgen.blueprint.validate import load_blueprint
from tfgen.outdir.output import apply_write, plan_write
from tfgen.project import render_blueprint


def bench_validate() -> float:
    """Load + validate only (what `tfgen validate` does per file)."""
    return per_call(lambda: load_blueprint(EXAMPLE))


def bench_render_in_memory() -> float:
    """Validate + context + all templates of the cdn stage, no disk writes."""
    return per_call(lambda: render_blueprint(EXAMPLE))


def bench_render_to_disk_unchanged() -> float:
    """A second `tfgen render` when nothing changed (the common CI/`--check` case)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        files = render_blueprint(EXAMPLE).files
        apply_write(plan_write(out, files))

        def again() -> None:
            apply_write(plan_write(out, render_blueprint(EXAMPLE).files))

        return per_call(again)
