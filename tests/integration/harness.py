"""Run rendered Terraform against moto with the real AWS provider.

Why an override file: tests must apply the *rendered* root module unchanged, so the
moto-only settings (dummy keys, endpoints, skipped account checks) go into
``zz_moto_override.tf``, which Terraform merges into the existing ``provider "aws"``
blocks (default and aliases). An override can only touch provider blocks that exist,
so the aliases are read from the copied module first.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfgen.deploy.moto_gaps import MOTO_ACCESS_KEY as MOTO_ACCESS_KEY  # re-exported for the tests
from tfgen.deploy.moto_gaps import MOTO_SECRET_KEY as MOTO_SECRET_KEY
from tfgen.deploy.terraform import Terraform
from tfgen.deploy.terraform_env import TerraformEnv
from tfgen.errors import TerraformFailed

OVERRIDE_FILE = "zz_moto_override.tf"

# Endpoint argument names of the provider's `endpoints` block; each exists (and is not
# deprecated) in both hashicorp/aws 5.100 and 6.19 (checked against both schemas).
SERVICES: tuple[str, ...] = (
    "acm",
    "autoscaling",
    "cloudfront",
    "cloudwatch",
    "ec2",
    "elb",
    "elbv2",
    "iam",
    "kms",
    "logs",
    "rds",
    "route53",
    "s3",
    "secretsmanager",
    "sns",
    "ssm",
    "sts",
)

_PROVIDER_AWS = re.compile(r'^\s*provider\s+"aws"\s*\{', re.MULTILINE)
_ALIAS = re.compile(r'^\s*alias\s*=\s*"([^"]+)"', re.MULTILINE)
_BACKEND = re.compile(r'^\s*backend\s+"[^"]+"\s*\{', re.MULTILINE)


def _block_body(text: str, open_brace: int) -> str:
    """The text of a block from its opening brace to the matching one (strings skipped)."""
    depth = 0
    in_string = False
    i = open_brace
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[open_brace : i + 1]
        i += 1
    return text[open_brace:]


def aws_provider_aliases(module_dir: Path) -> list[str | None]:
    """Every ``provider "aws"`` block in a root module: None for the default, else the alias.

    Only the direct ``alias = "..."`` line of a block counts (its depth-1 argument).
    """
    found: list[str | None] = []
    for path in sorted(module_dir.glob("*.tf")):
        if path.name.endswith("_override.tf") or path.name == "override.tf":
            continue
        text = path.read_text(encoding="utf-8")
        for match in _PROVIDER_AWS.finditer(text):
            body = _block_body(text, match.end() - 1)
            top_level = body[1:-1]
            while re.search(r"\{[^{}]*\}", top_level):
                top_level = re.sub(r"\{[^{}]*\}", "", top_level)
            alias = _ALIAS.search(top_level)
            found.append(alias.group(1) if alias else None)
    return found


def has_backend(module_dir: Path) -> bool:
    """Whether the root module declares a backend (the override then forces ``local``)."""
    return any(
        _BACKEND.search(path.read_text(encoding="utf-8"))
        for path in module_dir.glob("*.tf")
        if not path.name.endswith("_override.tf")
    )


def override_text(
    endpoint: str,
    aliases: list[str | None],
    *,
    local_backend: bool = False,
    services: tuple[str, ...] = SERVICES,
) -> str:
    """The ``zz_moto_override.tf`` text pointing every listed provider block at moto."""
    width = max(len(s) for s in services)
    endpoints = "\n".join(f'    {s.ljust(width)} = "{endpoint}"' for s in services)
    blocks: list[str] = ["# Test-only: points the AWS provider at moto. Never committed to out/."]
    if local_backend:
        blocks.append('terraform {\n  backend "local" {}\n}')
    for alias in aliases:
        alias_line = f'  alias                       = "{alias}"\n' if alias else ""
        blocks.append(
            'provider "aws" {\n'
            f"{alias_line}"
            f'  access_key                  = "{MOTO_ACCESS_KEY}"\n'
            f'  secret_key                  = "{MOTO_SECRET_KEY}"\n'
            "  skip_credentials_validation = true\n"
            "  skip_requesting_account_id  = true\n"
            '  skip_metadata_api_check     = "true"\n'
            "  s3_use_path_style           = true\n"
            "\n"
            "  endpoints {\n"
            f"{endpoints}\n"
            "  }\n"
            "}"
        )
    return "\n\n".join(blocks) + "\n"


def prepare_workdir(rendered_tree: Path, tmp: Path, endpoint: str) -> Path:
    """Copy a rendered root module (and its siblings) to ``tmp`` and add the moto override.

    ``rendered_tree`` is the root module directory; when it sits next to a ``modules/``
    directory (tfgen's ``out/<name>/`` layout) the parent is copied so relative module
    sources keep working. Returns the copied root module directory.
    """
    rendered_tree = rendered_tree.resolve()
    aliases = aws_provider_aliases(rendered_tree)
    if None not in aliases:
        raise ValueError(f'{rendered_tree} has no default provider "aws" block to override')
    ignore = shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.backup", "*.tfplan")
    copy_root = rendered_tree
    if (rendered_tree.parent / "modules").is_dir() and not (rendered_tree / "modules").is_dir():
        copy_root = rendered_tree.parent
    dest_root = tmp / copy_root.name
    shutil.copytree(copy_root, dest_root, ignore=ignore, symlinks=True)
    workdir = dest_root / rendered_tree.relative_to(copy_root)
    (workdir / OVERRIDE_FILE).write_text(
        override_text(endpoint, aliases, local_backend=has_backend(rendered_tree)),
        encoding="utf-8",
    )
    return workdir


@dataclass
class Lifecycle:
    """What a full init → apply → destroy run produced, with step durations (seconds)."""

    workdir: Path
    validate: dict[str, Any] = field(default_factory=dict)
    plan: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    state_after_destroy: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    """Record how long a step took, even when it fails."""
    start = time.monotonic()
    try:
        yield
    finally:
        timings[step] = round(time.monotonic() - start, 2)


@contextmanager
def applied(
    binary: Path,
    workdir: Path,
    env: TerraformEnv,
    variables: Mapping[str, str] | None = None,
) -> Iterator[Lifecycle]:
    """init → validate → plan -out → show -json → apply, yield, then always destroy.

    The body runs while the infrastructure exists (assert against moto there); destroy
    runs on the way out, also when the body fails, so moto never keeps leftovers.
    """
    tf = Terraform(binary, workdir, env, timeout=900)
    result = Lifecycle(workdir)
    plan_file = workdir / "moto.tfplan"
    t = result.timings
    with _timed(t, "init"):
        tf.init(backend=True)
    with _timed(t, "validate"):
        result.validate = tf.validate()
    if not result.validate.get("valid"):
        raise AssertionError(f"terraform validate failed: {result.validate.get('diagnostics')}")
    with _timed(t, "plan"):
        tf.plan(plan_file, variables)
    with _timed(t, "show_plan"):
        result.plan = tf.show_json(plan_file)
    try:
        with _timed(t, "apply"):
            tf.apply(plan_file)
        with _timed(t, "show_state"):
            result.state = tf.show_json()
            result.outputs = tf.output_json()
        yield result
    finally:
        with _timed(t, "destroy"):
            destroy(tf, variables)
        result.state_after_destroy = tf.show_json()


#: What moto answers when asked to revoke a rule it no longer has, by id. AWS answers
#: InvalidSecurityGroupRuleId.NotFound there, which the provider's delete of
#: aws_vpc_security_group_ingress_rule takes as "already gone"; moto's InvalidPermission
#: is not, so a rule moto dropped on its own (its revoke rewrites the group's rule list
#: without a lock while Terraform deletes several in parallel, or an SDK retry of a revoke
#: that had succeeded under load) fails the destroy. Seen once in a full run.
_MOTO_RULE_GONE = "InvalidPermission.NotFound"


def destroy(tf: Terraform, variables: Mapping[str, str] | None = None) -> None:
    """`terraform destroy`, once more when moto lost a security-group rule (see above).

    The second destroy must succeed and leave nothing; any other failure is raised.
    """
    try:
        tf.destroy(auto_approve=True, vars=variables)
    except TerraformFailed as exc:
        if _MOTO_RULE_GONE not in str(exc):
            raise
        tf.destroy(auto_approve=True, vars=variables)


def apply_and_destroy(
    binary: Path,
    workdir: Path,
    env: TerraformEnv,
    variables: Mapping[str, str] | None = None,
) -> Lifecycle:
    """The whole lifecycle in one call; returns the plan JSON and the applied state JSON."""
    with applied(binary, workdir, env, variables) as result:
        pass
    return result


def state_resources(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every resource in a ``terraform show -json`` state, child modules included."""
    found: list[dict[str, Any]] = []
    stack = [state.get("values", {}).get("root_module", {})]
    while stack:
        module = stack.pop()
        found.extend(module.get("resources", []))
        stack.extend(module.get("child_modules", []))
    return found
