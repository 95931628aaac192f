"""Evaluate the modules' variable `validation` blocks offline: `terraform test`, mocked AWS.

`terraform test` with `mock_provider "aws"` plans the rendered root module without
credentials or network: root and module variable validations run on the real values,
and the real provider still validates resource arguments (its schema checks). Computed
IDs the modules validate (zone IDs, certificate ARNs, partition) get realistic mock
values so only blueprint-derived values can fail.

Batching: blueprints whose render differs only in variables.tf (the blueprint's values
as defaults) share one rendered directory; each gets its own `.tftest.hcl` file whose
`variables {}` are those values, so one `terraform test` plans them all, and a failure
in one file does not skip the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tfgen.blueprint.edition_checks import orderable_lookup
from tfgen.deploy.terraform import Terraform
from tfgen.deploy.terraform_env import TerraformEnv
from tfgen.outdir.output import apply_write, plan_write
from tfgen.project import render_blueprint
from tfgen.render import hcl

_MOCKS = """
  mock_data "aws_route53_zone" {
    defaults = { zone_id = "Z0123456789ABCDEFGHIJ" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_resource "aws_acm_certificate" {
    override_during = plan
    defaults = {
      arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
      domain_validation_options = [{
        domain_name           = "example.com"
        resource_record_name  = "_a.example.com."
        resource_record_value = "_b.acm-validations.aws."
        resource_record_type  = "CNAME"
      }]
    }
  }
"""

HEADER = (f'mock_provider "aws" {{{_MOCKS}}}\n\n'
          f'mock_provider "aws" {{\n  alias = "us_east_1"\n{_MOCKS}}}\n')


@dataclass(frozen=True)
class Outcome:
    """What `terraform test` said about one blueprint."""

    name: str
    passed: bool
    errors: str


def _documentation(path: str) -> bool:
    """Files `terraform test` in the root never reads: READMEs and the child modules'
    own tests (whose variables carry the blueprint's values, issue 14)."""
    return path.endswith("README.md") or (path.startswith("modules/") and "/tests/" in path)


def _group_key(files: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in files.items()
                        if k != "variables.tf" and not _documentation(k)))


def plan_many(blueprints: dict[str, Path], workdir: Path, terraform: Path,
              env: TerraformEnv) -> dict[str, Outcome]:
    """Plan every blueprint (name -> path) offline; the outcome of each, by name."""
    groups: dict[tuple[tuple[str, str], ...], list[tuple[str, dict[str, object]]]] = {}
    firsts: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for name, path in blueprints.items():
        rendered = render_blueprint(path, out_dir=workdir / "unused")
        key = _group_key(rendered.files)
        groups.setdefault(key, []).append((name, rendered.context.values))
        firsts.setdefault(key, rendered.files)
    outcomes: dict[str, Outcome] = {}
    for n, (key, members) in enumerate(groups.items()):
        out = workdir / f"group{n}"
        apply_write(plan_write(out, firsts[key]))
        (out / "tests").mkdir(exist_ok=True)
        for name, values in members:
            body = "\n".join(f"    {k} = {hcl.literal(v, 2)}" for k, v in values.items())
            (out / "tests" / f"{name}.tftest.hcl").write_text(
                f'{HEADER}\nrun "plan" {{\n  command = plan\n  variables {{\n{body}\n  }}\n'
                f'{_orderable(values)}}}\n', encoding="utf-8")
        tf = Terraform(terraform, out, env)
        tf.init(backend=False)
        result = tf.run(["test", "-json"], ok_codes=(0, 1))
        outcomes.update(_parse(result.stdout, [m for m, _ in members]))
    return outcomes


def _orderable(values: dict[str, object]) -> str:
    """RDS's answer to the database module's plan-time class lookup (orderable.tf, SQL
    Server and Oracle only): it offers the blueprint's class. This harness checks the
    variable validations, not RDS's catalogue, so the mock says yes."""
    database = values["database"]
    assert isinstance(database, dict)
    if orderable_lookup(str(database["engine"])) is None:
        return ""
    return ("  override_data {\n"
            "    target = module.database.data.aws_rds_orderable_db_instance.this\n"
            f"    values = {{ instance_class = {hcl.literal(database['instance_class'])}, "
            "multi_az_capable = true }\n  }\n")


def _parse(text: str, names: list[str]) -> dict[str, Outcome]:
    """Per test file (one per blueprint): passed, and the diagnostics it produced."""
    status: dict[str, str] = {}
    errors: dict[str, list[str]] = {name: [] for name in names}
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        name = str(event.get("@testfile", "")).removeprefix("tests/").removesuffix(
            ".tftest.hcl")
        if name not in errors:
            continue
        if event.get("type") == "diagnostic":
            diag = event.get("diagnostic", {})
            errors[name].append(f"{diag.get('summary', '')}: {diag.get('detail', '')}")
        elif event.get("type") == "test_file" and "status" in event.get("test_file", {}):
            status[name] = event["test_file"]["status"]
    return {name: Outcome(name, status.get(name) == "pass", "\n".join(errors[name]))
            for name in names}
