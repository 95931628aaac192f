"""Rules on `name-environment`, the prefix of every AWS name tfgen renders.

Each mirrors a module `validation` block and the AWS rule behind it:

* load balancers are named `<name>-<environment>-alb`/`-int`: at most 32 characters,
  alphanumerics and hyphens, not beginning with "internal-" (ELB API reference,
  CreateLoadBalancer `Name`:
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html;
  templates/modules/load_balancer/variables.tf.j2 `name`);
* security groups are named `<name>-<environment>-<role>-…`: a group name cannot start
  with "sg-" (EC2 API reference, CreateSecurityGroup `GroupName`:
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html;
  templates/modules/security/variables.tf.j2 `name`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tfgen.blueprint.loader import Document
from tfgen.errors import Problem

#: `name-environment` + "-alb" must fit the 32-character load balancer name.
MAX_PREFIX = 22


def name_problems(doc: Document, data: dict[str, Any]) -> Iterator[Problem]:
    """Problems with `name-environment` as the prefix of AWS resource names."""
    name, env = data.get("name"), data.get("environment", "prod")
    if not isinstance(name, str) or not isinstance(env, str):
        return
    prefix = f"{name}-{env}"
    where = ("name",) if "name" in data else ()
    if len(prefix) > MAX_PREFIX:
        fix = "shorten the name or the environment" if "environment" in data else \
            f"shorten the name, or set a shorter environment (it defaults to {env})"
        yield doc.problem(where, f"'{prefix}' (name-environment) is {len(prefix)} characters; "
                                 f"at most {MAX_PREFIX} fit AWS's 32-character load balancer "
                                 f"and target group names — {fix}")
    if prefix.lower().startswith("internal-"):
        yield doc.problem(where, f"'{prefix}-alb' would be the load balancer's name, and AWS "
                                 "refuses load balancer names beginning with 'internal-' — "
                                 "pick another name")
    if prefix.lower().startswith("sg-"):
        yield doc.problem(where, f"'{prefix}' would begin the security group names, and EC2 "
                                 "refuses group names beginning with 'sg-' — pick another name")
