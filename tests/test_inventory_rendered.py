"""The review's inventory against the rendered Terraform, argument by argument.

tfgen.review.inventory restates what the templates decide so that `tfgen diff` needs no
provider; tests/integration/test_inventory_plan.py compares only address sets with a real
plan. This test reads the rendered `.tf` of every stage and test variant (python-hcl2 plus
tests/hcl_eval.py for the expressions), evaluates each resource's arguments from the root
variables' defaults through the module calls, and checks every literal argument the
inventory claims. A reference (`Ref`, known after apply) is not compared; an argument the
inventory words for a reader (a summary, not the provider's value) is listed in SUMMARY
with the reason, so nothing is skipped silently.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests.hcl_eval import UNKNOWN, Scope, evaluate
from tests.variants import VARIANTS, write_variant
from tfgen.project import render_blueprint
from tfgen.review.diff import _refs
from tfgen.review.inventory import CLOUDFRONT_PREFIX_LIST, Resource, inventory

#: Where an inventory argument sits in the resource block when its name differs.
PATH = {
    ("aws_lb_target_group", "health_check_path"): "health_check.path",
    ("aws_launch_template", "root_volume_size"): "block_device_mappings.ebs.volume_size",
    ("aws_launch_template", "http_tokens"): "metadata_options.http_tokens",
    ("aws_s3_bucket_versioning", "status"): "versioning_configuration.status",
    ("aws_s3_bucket_ownership_controls", "object_ownership"): "rule.object_ownership",
    ("aws_s3_bucket_server_side_encryption_configuration", "sse_algorithm"):
        "rule.apply_server_side_encryption_by_default.sse_algorithm",
    ("aws_s3_bucket_lifecycle_configuration", "abort_incomplete_multipart_upload_days"):
        "rule.abort_incomplete_multipart_upload.days_after_initiation",
    ("aws_s3_bucket_website_configuration", "index_document"): "index_document.suffix",
    ("aws_s3_bucket_website_configuration", "error_document"): "error_document.key",
    ("aws_cloudfront_cache_policy", "default_ttl"): "default_ttl",
    ("aws_cloudfront_distribution", "price_class"): "price_class",
    ("aws_autoscaling_policy", "target_value"): "target_tracking_configuration.target_value",
    ("aws_lb_listener", "default_action"): "default_action.type",
    ("aws_route53_record", "evaluate_target_health"): "alias.evaluate_target_health",
}

#: Arguments the template leaves to the provider's default, which the inventory states.
DEFAULT = {
    # CloudFormation AWS::EC2::NatGateway: "The default is a public NAT gateway."
    ("aws_nat_gateway", "connectivity_type"): "public",
    # IAM CreateRole, Path: "If it is not included, it defaults to a slash (/)."
    ("aws_iam_role", "path"): "/",
}

#: Arguments the inventory words, starting with the provider's value.
WORDED = {("aws_lb_listener", "default_action")}

#: What the inventory shows in place of a value only a data source knows.
SHOWN_AS = {
    ("aws_vpc_security_group_ingress_rule", "prefix_list_id"): CLOUDFRONT_PREFIX_LIST,
}

#: Arguments the inventory words for the reader of a diff; not the provider's value.
SUMMARY = {
    "subnets": "which subnets, not their IDs (known after apply)",
    "subnet_ids": "which subnets, not their IDs",
    "vpc_zone_identifier": "which subnets, not their IDs",
    "user_data": "a digest or a description of the script",
    "user_data_environment": "the app.env lines the default bootstrap writes",
    "instance_refresh": "the refresh strategy in words",
    "condition": "the listener rule's header condition in words",
    "action": "the listener rule's action type",
    "policy": "an IAM or bucket policy in words",
    "noncurrent_version_expiration": "the lifecycle rule in words",
    "custom_error_response": "the error mapping in words",
    "alb_origin_protocol_policy": "an origin's setting (origins are a list of blocks)",
    "api_path_pattern": "a cache behaviour's setting",
    "alb_origin": "the ALB origin's domain",
    "certificate": "the viewer certificate in words",
    "input": "uuid() at first apply",
    "triggers_replace": "what replaces the final-snapshot suffix",
    "alias": "the alias target (known after apply)",
    "image_id": "an AMI or the SSM parameter it is read from",
    "validation_record_fqdns": "the validation records' names (known after apply)",
}
#: The same, per resource type.
SUMMARY_OF_TYPE = {
    ("aws_route53_record.validation", "name"): "the ACM-given record name in words",
    ("aws_route53_record.validation", "type"): "the ACM-given record type",
    ("aws_autoscaling_group", "tags"): "tag blocks, propagated at launch",
}


#: Files without resources, variables or locals (parsing is most of this test's time).
NOT_READ = {"outputs.tf", "versions.tf", "providers.tf", "backend.tf"}


@functools.cache
def _parse(text: str) -> dict[str, Any]:
    """A parsed file (shared by variants that render it alike), without the variables'
    validation blocks, which this test does not read."""
    kept, depth = [], 0
    for line in text.splitlines():
        if depth == 0 and line == "  validation {":
            depth = 1
            continue
        if depth:
            depth += line.count("{") - line.count("}")
            continue
        kept.append(line)
    parsed: dict[str, Any] = hcl2.loads("\n".join(kept) + "\n")
    return parsed


class _Module:
    """One module call: its resources and the scope its expressions see."""

    def __init__(self, files: dict[str, str], folder: str, call: dict[str, Any] | None,
                 parent: Scope | None, data: dict[str, Any]) -> None:
        self.resources: dict[tuple[str, str], dict[str, Any]] = {}
        defaults: dict[str, Any] = {}
        locals_: dict[str, Any] = {}
        for path, text in files.items():
            where, _, base = path.rpartition("/")
            if where != folder or not base.endswith(".tf") or base in NOT_READ:
                continue
            doc = _parse(text)
            for block in doc.get("variable", []):
                for name, body in block.items():
                    defaults[name.strip('"')] = body.get("default")
            for block in doc.get("locals", []):
                locals_.update({k: v for k, v in block.items() if not k.startswith("__")})
            for block in doc.get("resource", []):
                for rtype, named in block.items():
                    for name, body in named.items():
                        self.resources[rtype.strip('"'), name.strip('"')] = body
        args = {k: v for k, v in (call or {}).items() if not k.startswith("__")}

        def getter(name: str) -> Any:
            if name in args and parent is not None:
                return lambda: evaluate(args[name], parent)
            return lambda: evaluate(defaults.get(name), Scope({}, {}))

        resources = {f"{t}.{n}": body for (t, n), body in self.resources.items()}
        self.scope = Scope({n: getter(n) for n in {*defaults, *args}}, locals_, resources,
                           data)


def _partition(region: str) -> str:
    """The partition of a Region, as botocore's endpoints.json regionRegex says."""
    return "aws-cn" if region.startswith("cn-") else \
        "aws-us-gov" if region.startswith("us-gov-") else "aws"


def _modules(files: dict[str, str]) -> dict[str, _Module]:
    root = _Module(files, "", None, None, {})
    data = {"data.aws_partition.current.partition": _partition(root.scope.var("region"))}
    out: dict[str, _Module] = {}
    for block in _parse(files["main.tf"]).get("module", []):
        for name, body in block.items():
            source = evaluate(body["source"], root.scope).removeprefix("./")
            out[name.strip('"')] = _Module(files, source, body, root.scope, data)
    return out


def _dig(body: Any, path: str) -> tuple[bool, Any]:
    """The raw value at a dotted path through nested blocks (lists of one block)."""
    for part in path.split("."):
        if isinstance(body, list) and len(body) == 1:
            body = body[0]
        if not isinstance(body, dict) or part not in body:
            return False, None
        body = body[part]
    return True, body


def _norm(v: Any) -> Any:
    if isinstance(v, bool) or v is None or v is UNKNOWN:
        return v
    if isinstance(v, int | float):
        return str(int(v)) if float(v).is_integer() else str(v)
    if isinstance(v, list):
        return [_norm(x) for x in v]
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    return v


def _instance_scope(module: _Module, body: dict[str, Any], key: str | None) -> Scope:
    if key is None:
        return module.scope
    if "count" in body:
        return module.scope.with_names({"count.index": int(key)})
    each = evaluate(body["for_each"], module.scope)
    value = each.get(key, UNKNOWN) if isinstance(each, dict) else key
    return module.scope.with_names({"each.key": key, "each.value": value})


def _key(addr: str) -> str | None:
    if not addr.endswith("]"):
        return None
    raw = addr[addr.rindex("[") + 1:-1]
    return raw.strip('"')


def drift(files: dict[str, str], inv: dict[str, Resource]) -> tuple[list[str], int]:
    """Every literal inventory argument that disagrees with the render, and how many agree."""
    modules = _modules(files)
    problems: list[str] = []
    checked = 0
    for addr, res in inv.items():
        name = addr.split(".")[3].split("[")[0]
        module = modules[res.module]
        body = module.resources.get((res.type, name))
        if body is None:
            problems.append(f"{addr}: no such resource block in the render")
            continue
        scope = _instance_scope(module, body, _key(addr))
        for arg, claimed in res.args.items():
            if any(_refs([claimed])) or arg in SUMMARY or (res.type, arg) in SUMMARY_OF_TYPE \
                    or (f"{res.type}.{name}", arg) in SUMMARY_OF_TYPE:
                continue
            found, raw = _dig(body, PATH.get((res.type, arg), arg))
            if not found:
                if claimed in (None, [], {}) or DEFAULT.get((res.type, arg)) == claimed:
                    checked += 1
                    continue
                problems.append(f"{addr}: the render sets no {arg!r} (inventory: {claimed!r})")
                continue
            rendered = evaluate(raw, scope)
            if (res.type, arg) in WORDED and isinstance(claimed, str):
                claimed = claimed.split()[0]  # "redirect to HTTPS": the action type, worded
            if arg == "tags" and isinstance(rendered, dict):
                rendered = {k: v for k, v in rendered.items() if k != "Name"}
            if rendered is UNKNOWN and SHOWN_AS.get((res.type, arg), UNKNOWN) == claimed:
                checked += 1
            elif rendered is UNKNOWN:
                problems.append(f"{addr}: {arg} = {raw!r} does not evaluate offline")
            elif _norm(rendered) != _norm(claimed) and not (
                    isinstance(rendered, list) and isinstance(claimed, list)
                    and sorted(map(str, _norm(rendered))) == sorted(map(str, _norm(claimed)))):
                problems.append(f"{addr}: {arg}: inventory {claimed!r}, rendered {rendered!r}")
            else:
                checked += 1
    return problems, checked


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_inventory_arguments_match_the_render(variant: str, tmp_path: Path) -> None:
    rendered = render_blueprint(write_variant(tmp_path, variant), out_dir=tmp_path / "out")
    problems, checked = drift(rendered.files, inventory(rendered.context))
    assert problems == []
    assert checked > 100  # the evaluator reached the arguments, not only the resources
