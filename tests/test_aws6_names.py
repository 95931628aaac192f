"""Every resource/data type, argument and nested block tfgen renders exists in hashicorp/aws 6.x.

`terraform validate` (tests/integration) proves the names against the 5.100 provider on this
machine; users run 6.x, and no 6.x binary is available offline. tests/data/aws6-schema.json
holds the 6.x argument names (from cdktn-provider-aws, see tools/aws6_schema.py), so a name
removed or misspelt for 6.x fails here, fast, with the file and the path to the name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests.helpers import REPO
from tests.variants import VARIANTS, write_variant
from tfgen.project import render_blueprint

SCHEMA = json.loads((REPO / "tests" / "data" / "aws6-schema.json").read_text(encoding="utf-8"))
#: Terraform's own arguments and blocks, valid in every resource and data block.
META = {"count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection"}
BLOCK_MARK = "__is_block__"
#: Terraform's built-in resources (provider terraform.io/builtin/terraform, not aws):
#: their arguments, from the Terraform language docs ("The terraform_data resource type").
BUILTIN = {"terraform_data": {"args": ["input", "triggers_replace"], "blocks": {}}}
#: Keys python-hcl2 adds to a parsed body that are not HCL names.
PARSER_KEYS = {BLOCK_MARK, "__comments__", "__inline_comments__"}


def _label(raw: str) -> str:
    """python-hcl2 keeps the quotes of block labels."""
    return raw.strip('"')


def _is_block(value: Any) -> bool:
    """A nested block parses as a list of dicts marked `__is_block__`; an attribute does not."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and v.get(BLOCK_MARK) for v in value)
    )


def _check_body(
    body: dict[str, Any], schema: dict[str, Any], where: str, *, top: bool
) -> Iterator[str]:
    """Yield one message per name in `body` that the schema node does not know."""
    args: set[str] = set(schema["args"])
    blocks: dict[str, Any] = schema["blocks"]
    for name, value in body.items():
        if name in PARSER_KEYS or (top and name in META):
            continue
        if name == "dynamic" and isinstance(value, list):
            for dyn in value:
                for raw_label, dyn_body in dyn.items():
                    if raw_label in PARSER_KEYS:
                        continue
                    label = _label(raw_label)
                    if label not in blocks:
                        yield f'{where}: unknown block `dynamic "{label}"`'
                        continue
                    for content in dyn_body.get("content", []):
                        yield from _check_body(
                            content, blocks[label], f"{where}.{label}", top=False
                        )
            continue
        if _is_block(value):
            if name not in blocks:
                yield f"{where}: unknown block `{name}`"
                continue
            for item in value:
                yield from _check_body(item, blocks[name], f"{where}.{name}", top=False)
        elif name not in args:
            yield f"{where}: unknown argument `{name}`"


def unknown_names(files: dict[str, str]) -> list[str]:
    """Every type, argument or block of the rendered .tf files missing from the 6.x schema."""
    problems: list[str] = []
    for relpath, text in sorted(files.items()):
        if not relpath.endswith(".tf"):
            continue
        parsed = hcl2.loads(text)
        for kind, section in (("resource", "resources"), ("data", "data_sources")):
            for block in parsed.get(kind, []):
                for raw_type, named in block.items():
                    rtype = _label(raw_type)
                    for raw_name, body in named.items():
                        if raw_name in PARSER_KEYS:
                            continue
                        where = f"{relpath}: {kind} {rtype}.{_label(raw_name)}"
                        schema = BUILTIN.get(rtype) if kind == "resource" else None
                        schema = schema or SCHEMA[section].get(rtype)
                        if schema is None:
                            problems.append(f"{where}: type `{rtype}` is not in aws 6.x")
                            continue
                        problems.extend(_check_body(body, schema, where, top=True))
    return problems


def _types(files: dict[str, str]) -> set[str]:
    found: set[str] = set()
    for relpath, text in files.items():
        if relpath.endswith(".tf"):
            parsed = hcl2.loads(text)
            for kind in ("resource", "data"):
                for block in parsed.get(kind, []):
                    found.update(f"{kind}.{_label(t)}" for t in block)
    return found


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_rendered_name_exists_in_aws6(variant: str, tmp_path: Path) -> None:
    rendered = render_blueprint(write_variant(tmp_path, variant), out_dir=tmp_path / "out")
    assert unknown_names(rendered.files) == []
    # The check really looked at the tree: the core types of every stage are there.
    assert {"resource.aws_vpc", "resource.aws_launch_template", "resource.aws_lb"} <= _types(
        rendered.files
    )


def test_schema_is_the_pinned_6x_one() -> None:
    assert SCHEMA["provider_version"].startswith("6.")
    assert len(SCHEMA["resources"]) >= 30


def test_checker_reports_misspelt_argument_block_and_type() -> None:
    text = """
resource "aws_launch_template" "t" {
  count          = 1
  instance_typo  = "t3.small"
  metadata_options {
    http_tokens = "required"
    http_tokenz = "required"
  }
  dynamic "tag_specificationz" {
    for_each = []
    content {}
  }
  dynamic "block_device_mappings" {
    for_each = []
    content {
      ebs {
        volume_sise = 8
      }
    }
  }
}

resource "aws_nat_gateway" "n" {
  elastic_gpu_specifications {
  }
}

data "aws_no_such_thing" "x" {}
"""
    assert unknown_names({"modules/x/main.tf": text}) == [
        "modules/x/main.tf: resource aws_launch_template.t: unknown argument `instance_typo`",
        "modules/x/main.tf: resource aws_launch_template.t.metadata_options: "
        "unknown argument `http_tokenz`",
        "modules/x/main.tf: resource aws_launch_template.t: "
        'unknown block `dynamic "tag_specificationz"`',
        "modules/x/main.tf: resource aws_launch_template.t.block_device_mappings.ebs: "
        "unknown argument `volume_sise`",
        "modules/x/main.tf: resource aws_nat_gateway.n: unknown block `elastic_gpu_specifications`",
        "modules/x/main.tf: data aws_no_such_thing.x: type `aws_no_such_thing` is not in aws 6.x",
    ]
