"""The article's story of one step up or down the stage ladder, told in the blueprint's Region.

Part of `tfgen diff` (tfgen.review.diff builds the report, tfgen.review.diff_report prints it).
"""

from __future__ import annotations

from dataclasses import dataclass

from tfgen.blueprint.region_names import tell
from tfgen.blueprint.stages import Stage


@dataclass(frozen=True)
class Narrative:
    """The article's reason for one step up or down the stage ladder."""

    from_stage: str
    to_stage: str
    text: str


#: What leaving a stage (going down the ladder) undoes, in the article's terms.
_REVERSE: dict[Stage, str] = {
    Stage.MULTI_AZ: "Back to a single database instance: RDS removes the synchronous "
    "standby, so a failure of the database's Availability Zone again stops the service "
    "until the instance is recovered, in exchange for about half the database cost.",
    Stage.STATIC_WEB: "The front end moves back from S3 to the web tier: web servers, "
    "their launch template and the internal load balancer return, the public load "
    "balancer forwards to the web tier again, and the S3 website bucket and the gateway "
    "endpoint go (the bucket only if it is empty).",
    Stage.CDN: "CloudFront is removed: Route 53 points the domain straight at the load "
    "balancer again, the load balancer is reopened to the whole internet, and the bucket "
    "turns back into a public S3 website; users far from {home} lose the edge cache.",
}


def stage_narrative(old: Stage, new: Stage, region: str) -> list[Narrative]:
    """One paragraph per rung climbed (the article's story) or descended, told in `region`."""
    stages = list(Stage)
    i, j = stages.index(old), stages.index(new)
    if i < j:
        return [Narrative(stages[k].value, stages[k + 1].value,
                          tell(stages[k + 1].info.story, region)) for k in range(i, j)]
    return [Narrative(stages[k].value, stages[k - 1].value, tell(_REVERSE[stages[k]], region))
            for k in range(i, j, -1)]
