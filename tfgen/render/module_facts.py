"""Facts about the child modules' resources that the render and the review both need.

Each lives here once: the render context hands it to the templates (already decided, as
HCL), and the review (tfgen.review.inventory, tfgen.review.risks) reads the same value, so the two
cannot drift apart. The engine facts (ports, log exports, licence models) live the same
way in tfgen.blueprint.engines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from tfgen.blueprint.engines import ENGINES
from tfgen.render import hcl

#: The target-group name prefix per load-balancer module call. The provider generates the
#: rest of the name, so `create_before_destroy` works for every replacement; it allows at
#: most 6 characters of prefix (aws_lb_target_group `name_prefix`, provider docs).
TARGET_GROUP_PREFIX = {"alb": "pub-", "internal_alb": "int-"}


def final_snapshot_name(identifier: str, suffix: str) -> str:
    """The database's final snapshot: `<identifier>-final-<suffix>`, the suffix fixed when
    the database is created (a constant name makes the second create/destroy cycle fail
    with DBSnapshotAlreadyExists, terraform-aws-modules/terraform-aws-rds#445)."""
    return f"{identifier}-final-{suffix}"


def template_facts() -> dict[str, object]:
    """The facts as the templates place them (HCL expressions)."""
    return {
        "target_group_prefix": {call: hcl.literal(p) for call, p in
                                TARGET_GROUP_PREFIX.items()},
        "final_snapshot_identifier": '"' + final_snapshot_name(
            "${var.name}", "${terraform_data.final_snapshot_suffix.output}") + '"',
        "engines": _engine_facts(),
    }


def _one_line(names: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(n) for n in names) + "]"


def _engine_facts() -> dict[str, str]:
    """tfgen.blueprint.engines' table as the database module's own checks read it (the module also
    guards a caller that is not tfgen), so that the two lists cannot differ."""
    names = list(ENGINES)
    return {
        "all": _one_line(names),
        "prose": ", ".join(names),
        "prose_or": ", ".join(names[:-1]) + " or " + names[-1],
        "no_multi_az": _one_line(e for e, f in ENGINES.items() if not f.multi_az),
        "no_replicas": _one_line(e for e, f in ENGINES.items() if not f.read_replicas),
        "iam_auth": _one_line(e for e, f in ENGINES.items() if f.iam_auth),
    }
