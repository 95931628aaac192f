"""`--emulator URL`: rehearse plan/apply/destroy against a local AWS emulator.

What terraform-local does for LocalStack, built in and emulator-neutral (moto works too):
a clearly marked Terraform *override file* is written next to the rendered files for the
duration of one command and removed afterwards. Terraform merges it into the existing
`provider "aws"` blocks (the default one and every alias), so every service the rendered
module uses goes to URL with dummy credentials; the rendered files never change.

The override also keeps the rehearsal's state away from real state: with an S3 backend
it re-targets the backend at the emulator (an override replaces the whole backend
block), and without one it keeps state in `emulator.tfstate`, not `terraform.tfstate`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tfgen.errors import InputError
from tfgen.outdir.outguard import discard, write_private
from tfgen.outdir.override_file import OVERRIDE_FILE
from tfgen.render import hcl

#: Terraform's data directory for rehearsals: its backend settings never mix with real ones.
DATA_DIR = ".terraform-emulator"
LOCAL_STATE = "emulator.tfstate"
DUMMY_KEY = "test"  # emulators accept any key; this is not a secret

#: Resource-type prefix -> the provider's `endpoints` argument for that service.
_SERVICE_OF: tuple[tuple[str, str], ...] = (
    ("aws_lb", "elbv2"), ("aws_alb", "elbv2"), ("aws_autoscaling", "autoscaling"),
    ("aws_db_", "rds"), ("aws_rds", "rds"), ("aws_iam", "iam"), ("aws_s3", "s3"),
    ("aws_cloudfront", "cloudfront"), ("aws_route53", "route53"), ("aws_acm", "acm"),
    ("aws_cloudwatch_log", "logs"), ("aws_cloudwatch", "cloudwatch"), ("aws_ssm", "ssm"),
    ("aws_secretsmanager", "secretsmanager"), ("aws_kms", "kms"), ("aws_sns", "sns"),
    ("aws_caller_identity", "sts"), ("aws_dynamodb", "dynamodb"), ("aws_wafv2", "wafv2"),
    ("aws_", "ec2"),  # VPC, subnets, gateways, security groups, AMIs, launch templates
)
#: Always pointed at the emulator: the provider itself calls STS, RDS keeps its password in
#: Secrets Manager and launch templates may resolve AMIs through SSM.
_ALWAYS = ("sts", "ec2", "secretsmanager", "ssm", "kms")

#: What an emulator URL may look like: it is written into a generated file's comment and
#: strings, so anything else (newlines, quotes, spaces, `${`) is refused, not escaped.
_URL = re.compile(r"https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~\-/]*)?")

_TYPE = re.compile(r'^\s*(?:resource|data)\s+"(aws_[a-z0-9_]+)"', re.MULTILINE)
_ALIAS = re.compile(r'^\s*alias\s*=\s*"([^"]+)"', re.MULTILINE)
_PROVIDER = re.compile(r'^provider\s+"aws"\s*\{(.*?)^\}', re.MULTILINE | re.DOTALL)


def services(files: Mapping[str, str]) -> list[str]:
    """Every endpoint a rehearsal may call: all of the services tfgen renders for.

    Not only those of the resource types rendered now: on a step down the ladder the
    state still holds resources the new render no longer declares (CloudFront after
    cdn -> static-web), and Terraform refreshes and destroys them through the same
    provider. Leaving their service out would send those calls to real AWS.
    `files` still adds anything rendered that the table maps (kept for callers).
    """
    found = set(_ALWAYS) | {svc for _, svc in _SERVICE_OF}
    for relpath, text in files.items():
        if not relpath.endswith(".tf"):
            continue
        for kind in _TYPE.findall(text):
            found.add(next(svc for prefix, svc in _SERVICE_OF if kind.startswith(prefix)))
    return sorted(found)


def provider_aliases(files: Mapping[str, str]) -> list[str | None]:
    """The root module's `provider "aws"` blocks: None for the default, else the alias."""
    found: list[str | None] = []
    for relpath, text in files.items():
        if "/" in relpath or not relpath.endswith(".tf"):
            continue
        for body in _PROVIDER.findall(text):
            alias = _ALIAS.search(body)
            found.append(alias.group(1) if alias else None)
    return found


def override_text(url: str, files: Mapping[str, str], backend: Mapping[str, Any]) -> str:
    """The override file for `url`, given the rendered files and backend settings."""
    check_url(url)
    names = services(files)
    width = max(len(s) for s in names)
    endpoints = "\n".join(f"    {s.ljust(width)} = {hcl.literal(url)}" for s in names)
    blocks = [
        "# tfgen --emulator: TEMPORARY override pointing AWS at " + url + ".\n"
        "# Written by tfgen for one command and removed afterwards; never commit it.\n"
        "# The rendered files are unchanged: Terraform merges this file into them."
    ]
    if backend:
        blocks.append(_backend_block(url, backend))
    else:
        blocks.append(f'terraform {{\n  backend "local" {{\n    path = "{LOCAL_STATE}"\n  }}\n}}')
    for alias in provider_aliases(files) or [None]:
        alias_line = f'  alias                       = "{alias}"\n' if alias else ""
        blocks.append(
            'provider "aws" {\n'
            f"{alias_line}"
            f'  access_key                  = "{DUMMY_KEY}"\n'
            f'  secret_key                  = "{DUMMY_KEY}"\n'
            "  skip_credentials_validation = true\n"
            "  skip_requesting_account_id  = true\n"
            "  skip_metadata_api_check     = true\n"
            "  s3_use_path_style           = true\n"
            "\n"
            "  endpoints {\n"
            f"{endpoints}\n"
            "  }\n"
            "}"
        )
    return "\n\n".join(blocks) + "\n"


def _backend_block(url: str, backend: Mapping[str, Any]) -> str:
    settings: dict[str, Any] = {
        **{k: v for k, v in backend.items() if k != "kms_key_id"},
        "access_key": DUMMY_KEY,
        "secret_key": DUMMY_KEY,
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
        "use_path_style": True,
    }
    endpoint_names = ["s3", "sts"] + (["dynamodb"] if "dynamodb_table" in backend else [])
    width = max(len(k) for k in [*settings, "endpoints"])
    lines = [f"    {k.ljust(width)} = {hcl.literal(v)}" for k, v in settings.items()]
    inner = max(len(n) for n in endpoint_names)
    eps = "\n".join(f"      {n.ljust(inner)} = {hcl.literal(url)}" for n in endpoint_names)
    lines.append(f"    {'endpoints'.ljust(width)} = {{\n{eps}\n    }}")
    return 'terraform {\n  backend "s3" {\n' + "\n".join(lines) + "\n  }\n}"


def check_url(url: str) -> None:
    """Refuse an emulator URL that is not a plain http(s)://host[:port][/path]."""
    if not _URL.fullmatch(url):
        raise InputError(f"--emulator {url!r}: expected a plain URL such as "
                         "http://localhost:5000 (letters, digits, '.', '-', ':', '/' only)")


@contextmanager
def override(workdir: Path, url: str | None, files: Mapping[str, str],
             backend: Mapping[str, Any]) -> Iterator[Path | None]:
    """Keep the override file in `workdir` for the duration of the block (no-op without URL)."""
    if url is None:
        yield None
        return
    path = workdir / OVERRIDE_FILE
    text = override_text(url, files, backend)
    # Imported here: tfgen/outdir/output_plan.py reads `leftover` on every render, which must not
    # load the Terraform runner (issue 13).
    from tfgen.deploy.terraform import termination_as_interrupt

    with termination_as_interrupt():  # SIGTERM/SIGHUP still reach the `finally`
        # Through the crash-safe writer (atomic rename: a symlink planted there is
        # replaced, not followed; never a half-written override Terraform could load).
        write_private(path, text, mode=0o644)
        try:
            yield path
        finally:
            discard(path)


def environment(url: str | None) -> dict[str, str]:
    """Extra environment for a rehearsal: its own data dir, no real credentials used."""
    if url is None:
        return {}
    return {"TF_DATA_DIR": DATA_DIR, "AWS_EC2_METADATA_DISABLED": "true"}
