"""What-if renders: another stage, or another directory, never the blueprint's real state.

`tfgen render X.yaml --stage multi-az --out build/x` is a question ("what would stage 3
look like?"), not the blueprint's deployment. If it kept the blueprint's `backend "s3"`
block, `terraform apply` in build/x would act on the real environment's state. So a
what-if render gets local state (no backend block), and the CLI output and the generated
README say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tfgen.blueprint.loader import Document
from tfgen.blueprint.model import Blueprint
from tfgen.blueprint.stages import Stage, parse_stage
from tfgen.paths import real, shown
from tfgen.render import state_backend


@dataclass(frozen=True)
class WhatIf:
    """Why a render is a what-if; None fields did not make it one."""

    own_stage: Stage
    stage: Stage | None  # the --stage asked for, when it differs from own_stage
    out_dir: Path | None  # the --out asked for, when it is not the blueprint's own
    own_out: Path
    remote_state: str | None  # `s3://bucket/key` the blueprint uses, if any

    def readme_note(self) -> str:
        """For the generated README: deterministic (no machine paths)."""
        why = []
        if self.stage is not None:
            why.append(f"stage `{self.stage.value}` instead of the blueprint's "
                       f"`{self.own_stage.value}`")
        if self.out_dir is not None:
            why.append("outside the blueprint's own output directory")
        return "; ".join(why)

    def cli_note(self) -> str:
        """For `tfgen render`'s output: what was asked, and where the real module lives."""
        why = []
        if self.stage is not None:
            why.append(f"--stage {self.stage.value}, the blueprint targets "
                       f"{self.own_stage.value}")
        if self.out_dir is not None:
            why.append(f"--out {self.out_dir.as_posix()}, its own output is "
                       f"{shown(self.own_out)}")
        state = (f"state is local here; the blueprint's remote state {self.remote_state} "
                 "is not used" if self.remote_state else "state is local")
        return f"what-if render ({'; '.join(why)}): {state}"


def own_stage(document: Document) -> Stage:
    """The stage the blueprint file (with its `extends:` layers) targets by itself."""
    try:
        return parse_stage(document.data.get("stage", Stage.AWS))
    except ValueError:  # pragma: no cover - validation has already refused it
        return Stage.AWS


def what_if(document: Document, blueprint: Blueprint, *, own_out: Path,
            out_dir: Path | None) -> WhatIf | None:
    """Whether this render is a what-if, or None when it is the blueprint's real one.

    A render is a what-if when its stage differs from the one the file names, or when it
    goes anywhere but the blueprint's own output directory.
    """
    own = own_stage(document)
    stage = blueprint.stage if blueprint.stage != own else None
    elsewhere = out_dir if out_dir is not None and \
        real(out_dir) != real(own_out) else None
    if stage is None and elsewhere is None:
        return None
    settings = state_backend.backend_settings(blueprint)
    remote = f"s3://{settings['bucket']}/{settings['key']}" if settings else None
    return WhatIf(own, stage, elsewhere, own_out, remote)


def local_copy(blueprint: Blueprint) -> Blueprint:
    """The blueprint without its remote state: what a what-if render is made from."""
    return blueprint.model_copy(update={"backend": None})
