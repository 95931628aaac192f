"""Build tests/data/aws6-schema.json: argument names of hashicorp/aws 6.x, from PyPI.

Why: tfgen pins ``hashicorp/aws >= 5.100, < 7`` and every argument it renders must exist
in 6.x as well. Only the 5.100 provider binary is installed here, so the 6.x names come
from CDK Terrain's prebuilt bindings (PyPI ``cdktn-provider-aws``), whose wheel carries a
jsii assembly generated from the provider schema. Only names are kept (no types, no
deprecation flags: the assembly does not record them), for the resource types tfgen
renders.

Regenerate (needs PyPI; ~70 MB download, ~20 s)::

    python tools/aws6_schema.py --output tests/data/aws6-schema.json

Options: ``--pin VERSION`` (cdktn-provider-aws release), ``--wheel PATH`` (use a wheel
already downloaded), and resource/data-source types as positional arguments
(``data.aws_x`` for a data source) to replace the default list.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

PIN = "25.8.1"  # cdktn-provider-aws release; bindings for hashicorp/aws 6.69.1
PACKAGE = "cdktn-provider-aws"

DEFAULT_RESOURCES = [
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_eip",
    "aws_nat_gateway",
    "aws_default_security_group",
    "aws_vpc_endpoint",
    "aws_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_lb",
    "aws_lb_target_group",
    "aws_lb_listener",
    "aws_iam_role",
    "aws_iam_role_policy_attachment",
    "aws_iam_role_policy",
    "aws_iam_instance_profile",
    "aws_launch_template",
    "aws_autoscaling_group",
    "aws_autoscaling_policy",
    "aws_db_subnet_group",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_s3_bucket",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_website_configuration",
    "aws_s3_bucket_policy",
    "aws_cloudfront_origin_access_control",
    "aws_cloudfront_distribution",
    "aws_cloudfront_cache_policy",
    "aws_acm_certificate",
    "aws_acm_certificate_validation",
    "aws_route53_record",
    "aws_route53_health_check",
    "aws_lb_listener_rule",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_cloudwatch_log_group",
    "aws_sns_topic",
    "aws_sns_topic_subscription",
    "aws_cloudwatch_metric_alarm",
]
DEFAULT_DATA_SOURCES = [
    "aws_ssm_parameter",
    "aws_route53_zone",
    "aws_ec2_managed_prefix_list",
    "aws_iam_policy_document",
    "aws_partition",
]

# "{@link https://registry.terraform.io/providers/hashicorp/aws/6.69.1/docs/resources/vpc aws_vpc}"
_CLASS_LINK = re.compile(
    r"hashicorp/aws/(?P<version>[0-9][^/]*)/docs/(?P<kind>resources|data-sources)/"
    r"(?P<slug>[a-z0-9_]+) (?P<type>aws_[a-z0-9_]+)\}"
)
# "...docs/resources/lb#access_logs Lb#access_logs}" in a property's summary or remarks
_ARG_LINK = re.compile(r"#(?P<name>[a-z0-9_]+) [A-Za-z0-9]+#(?P=name)\}")
_BLOCK_SUMMARY = re.compile(r"^(?P<name>[a-z0-9_]+) block\.")

Schema = dict[str, Any]


def download_wheel(pin: str, dest: Path) -> Path:
    """``pip download --no-deps`` the pinned wheel (its dependencies are not needed)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
         f"{PACKAGE}=={pin}", "-d", str(dest)],
        check=True,
    )  # fmt: skip
    wheels = sorted(dest.glob("cdktn_provider_aws-*.whl"))
    if not wheels:
        raise FileNotFoundError(f"pip download left no cdktn_provider_aws wheel in {dest}")
    return wheels[0]


def read_assembly(wheel: Path) -> dict[str, Any]:
    """The jsii assembly (``package/.jsii``) inside ``_jsii/*.jsii.tgz`` of the wheel."""
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if "/_jsii/" in n and n.endswith(".jsii.tgz")]
        if len(names) != 1:
            raise ValueError(f"expected one _jsii/*.jsii.tgz in {wheel}, found {names}")
        blob = zf.read(names[0])
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tf:
        member = tf.extractfile("package/.jsii")
        if member is None:
            raise ValueError(f"{names[0]} has no package/.jsii")
        data: dict[str, Any] = json.loads(member.read())
    return data


def _snake(name: str) -> str:
    """camelCase → snake_case, only for properties whose docs carry no registry link."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _hcl_name(prop: Mapping[str, Any]) -> str:
    """The Terraform argument name of a jsii property (from its registry doc link)."""
    docs = prop.get("docs", {})
    for text in (docs.get("summary", ""), docs.get("remarks", "")):
        link = _ARG_LINK.search(text)
        if link:
            return link.group("name")
    block = _BLOCK_SUMMARY.match(docs.get("summary", ""))
    return block.group("name") if block else _snake(str(prop["name"]))


def _struct_fqns(type_ref: Any) -> Iterable[str]:
    """Every type name a (possibly union or collection) jsii type reference mentions."""
    if isinstance(type_ref, dict):
        if "fqn" in type_ref:
            yield str(type_ref["fqn"])
        for value in type_ref.values():
            if isinstance(value, dict | list):
                yield from _struct_fqns(value)
    elif isinstance(type_ref, list):
        for item in type_ref:
            yield from _struct_fqns(item)


def _struct_schema(types: Mapping[str, Any], fqn: str, seen: frozenset[str]) -> Schema:
    """Arguments and nested blocks of one jsii struct (a Config or a nested block)."""
    args: set[str] = set()
    blocks: dict[str, Schema] = {}
    for prop in types[fqn].get("properties", []):
        name = _hcl_name(prop)
        nested = [
            f
            for f in _struct_fqns(prop.get("type"))
            if types.get(f, {}).get("datatype") and f.startswith(types[fqn]["assembly"] + ".")
        ]
        if nested and nested[0] not in seen:
            blocks[name] = _struct_schema(types, nested[0], seen | {nested[0]})
        else:
            args.add(name)
    return {"args": sorted(args), "blocks": dict(sorted(blocks.items()))}


def build(assembly: Mapping[str, Any], resources: Sequence[str], data_sources: Sequence[str],
          source: str) -> dict[str, Any]:  # fmt: skip
    """The compact schema document for the requested resource and data-source types."""
    types: Mapping[str, Any] = assembly["types"]
    found: dict[str, dict[str, str]] = {"resources": {}, "data-sources": {}}
    versions: set[str] = set()
    for fqn, spec in types.items():
        if spec.get("kind") != "class":
            continue
        link = _CLASS_LINK.search(spec.get("docs", {}).get("summary", ""))
        if link and f"{fqn}Config" in types:
            found[link.group("kind")][link.group("type")] = f"{fqn}Config"
            versions.add(link.group("version"))
    missing = [t for t in resources if t not in found["resources"]]
    missing += [f"data.{t}" for t in data_sources if t not in found["data-sources"]]
    if missing:
        raise KeyError(f"not in the assembly: {', '.join(missing)}")
    return {
        "provider_version": ",".join(sorted(versions)),
        "source": source,
        "resources": {
            t: _struct_schema(types, found["resources"][t], frozenset()) for t in sorted(resources)
        },
        "data_sources": {
            t: _struct_schema(types, found["data-sources"][t], frozenset())
            for t in sorted(data_sources)
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("types", nargs="*", help="aws_x resources and data.aws_y data sources")
    parser.add_argument("--pin", default=PIN, help=f"{PACKAGE} version (default {PIN})")
    parser.add_argument("--wheel", type=Path, help="use this downloaded wheel instead")
    parser.add_argument("--output", type=Path, default=Path("tests/data/aws6-schema.json"))
    args = parser.parse_args(argv)

    resources = [t for t in args.types if not t.startswith("data.")] or DEFAULT_RESOURCES
    data_sources = [t.removeprefix("data.") for t in args.types if t.startswith("data.")]
    if not args.types:
        data_sources = DEFAULT_DATA_SOURCES

    with tempfile.TemporaryDirectory(prefix="aws6-schema-") as tmp:
        wheel = args.wheel or download_wheel(args.pin, Path(tmp))
        assembly = read_assembly(wheel)
    source = f"PyPI {PACKAGE}=={assembly.get('version', args.pin)} (jsii assembly)"
    document = build(assembly, resources, data_sources, source)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
