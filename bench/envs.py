"""A throwaway project with many environments: overlays of the example, 25 per stage.

Used by bench/run.py to time one `tfgen render` of 1 and of 100 environments. Each
overlay changes what real environments change (name, stage, sizes, CIDR, bucket), so
every one renders to a distinct tree.
"""

from __future__ import annotations

import shutil
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "blueprints" / "shopping-mall.yaml"
STAGES = ("aws", "multi-az", "static-web", "cdn")

OVERLAY = """\
extends: ../shopping-mall.yaml
environment: {env}
stage: {stage}
tags:
  Environment: {env}
network:
  vpc_cidr: 10.{octet}.0.0/16
  nat: single
app:
  min_size: 1
  desired_capacity: {size}
frontend:
  bucket_name: shopping-mall-{env}-frontend-apne2
dns:
  record: {env}
"""


def make_project(root: Path, count: int = 100) -> list[Path]:
    """Write `root/blueprints/` with the example and `count` overlays; return the overlays."""
    envs = root / "blueprints" / "envs"
    envs.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(EXAMPLE, root / "blueprints" / EXAMPLE.name)
    made = []
    for number in range(count):
        stage = STAGES[number % len(STAGES)]
        env = f"{stage[0]}{number // len(STAGES):02d}"  # name-environment must stay short
        path = envs / f"{env}.yaml"
        path.write_text(OVERLAY.format(env=env, stage=stage, octet=number % 200 + 20,
                                       size=1 + number % 2), encoding="utf-8")
        made.append(path)
    return made
