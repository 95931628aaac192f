"""Facts about the child modules' resources that the render and the review both need.

Each lives here once: the render context hands it to the templates (already decided, as
HCL), and the review (tfgen.inventory, tfgen.risks) reads the same value, so the two
cannot drift apart. The engine facts (ports, log exports, licence models) live the same
way in tfgen.engines.
"""

from __future__ import annotations

from tfgen import hcl

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
    }
