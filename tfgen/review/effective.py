"""What a field left `null` actually means, for `tfgen explain`.

A `null` default is tfgen saying "decided elsewhere": by the stage (which tiers exist,
Multi-AZ), by the engine (its default version), or derived (subnets from the VPC CIDR,
the bucket name from the blueprint's name). Printing `null (default)` hides the answer
the user came for, so the values here are read from the same render context the
templates read (tfgen.render.context.build_context) — they cannot drift from what is generated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tfgen.blueprint.model import Blueprint
from tfgen.render.context import build_context
from tfgen.render.state_backend import backend_settings

BOOTSTRAP = "modules/tier/bootstrap.sh.tftpl"


def effective_defaults(bp: Blueprint, base_dir: Path) -> dict[str, tuple[Any, str]]:
    """{dotted field: (effective value, what decided it)} for fields left null."""
    ctx = build_context(bp, "explain.yaml", base_dir)
    values, stage = ctx.values, ctx.stage.value
    found: dict[str, tuple[Any, str]] = {
        "web.enabled": (ctx.features.web_tier,
                        f"stage {stage}: a web tier before stage static-web, from it "
                        "on only with frontend.keep_web_tier"),
        "app.enabled": (True, "the app tier always exists"),
        "database.multi_az": (ctx.features.multi_az,
                              f"stage {stage}: Multi-AZ from stage multi-az on"),
        "database.engine_version": (values["database"]["engine_version"],
                                    f"the {bp.database.engine} engine's default version"),
        "network.subnets": ({az: {tier: cidrs[f"{tier}_cidr"] for tier in ("public", "app",
                                                                           "data")}
                             for az, cidrs in values["network"]["azs"].items()},
                            "derived from network.vpc_cidr and subnet_prefix_length"),
        "frontend.bucket_name": (f"{bp.name}-{bp.environment}-frontend",
                                 "<name>-<environment>-frontend"),
        "backend": ("local", "state in terraform.tfstate inside the output directory"),
        "dns": (None, "no domain: no Route 53 record, certificate or HTTPS"),
    }
    for tier in ("web", "app"):
        found[f"{tier}.user_data"] = (BOOTSTRAP, "tfgen's default bootstrap script")
    for key, value in backend_settings(bp).items():
        found.setdefault(f"backend.{key}", (value, "derived by tfgen.render.state_backend"))
    return found
