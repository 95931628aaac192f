"""The blueprint's JSON Schema (draft 2020-12), for editors and schema validators.

Generated from the pydantic model (tfgen/blueprint/model.py) so it cannot drift from it: types,
defaults, enums, ranges, patterns and `additionalProperties: false` come from the model,
descriptions from the reference table (tfgen/blueprint/reference.py). Rules tfgen checks in
Python are restated as JSON Schema where JSON Schema can say them: field validators
(:data:`FIELD_RULES`), the AZs of each region (tfgen/blueprint/regions.py) and the engine rules
(tfgen/blueprint/engines.py), generated from the same tables. The rest are listed in
:data:`NOT_EXPRESSIBLE`; only `tfgen validate` checks them. An overlay (a file with
`extends:`) is validated without required keys or cross-field rules: its base supplies
the rest, and the merged blueprint is what tfgen validates.

Regenerate the committed copy with `python -m tfgen.blueprint.schema`; a test keeps it current.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from tfgen.blueprint import regions
from tfgen.blueprint.edition_checks import refused_patterns
from tfgen.blueprint.engines import AURORA_CLASS_PREFIXES, ENGINES
from tfgen.blueprint.model import AL2023_SSM, DEFAULT_REGION, RDS_RESERVED_USERS, Blueprint
from tfgen.blueprint.reference import DESCRIPTIONS
from tfgen.blueprint.stages import Stage

#: Where SchemaStore would serve it (its convention for schemas it hosts:
#: https://json.schemastore.org/<name>.json, SchemaStore CONTRIBUTING.md, "How to add a
#: JSON Schema that's hosted in this repository").
SCHEMA_ID = "https://json.schemastore.org/tfgen-blueprint.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: The committed copy, relative to the project root.
SCHEMA_FILE = "schema/blueprint.schema.json"
#: The first line of every example blueprint (yaml-language-server's modeline).
MODELINE = "# yaml-language-server: $schema="
#: File-match globs suggested for SchemaStore's catalog and editor settings (README).
FILE_MATCH = ("blueprints/*.yaml", "blueprints/**/*.yaml")

# Character classes shared by several rules (ECMA-262 syntax, as JSON Schema's `pattern`).
_HIDDEN = "\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069"
_PLAIN = {"pattern": f"^[^{_HIDDEN}]*$"}
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_CIDR = {"pattern": f"^{_OCTET}(\\.{_OCTET}){{3}}/(3[0-2]|[12]?[0-9])$"}
_LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_URL_PATH = {"pattern": "^/[^ ]*$"}


def _any_case(word: str) -> str:
    """`rds` -> `[Rr][Dd][Ss]`: ECMA-262 patterns have no inline case-insensitive flag."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


#: blueprint.py `_check_bucket`, rule by rule (S3 general purpose bucket naming rules).
_BUCKET: dict[str, Any] = {
    "minLength": 3, "maxLength": 63, "pattern": "^[a-z0-9][a-z0-9.-]*[a-z0-9]$",
    "allOf": [{"not": {"pattern": "\\.\\.|\\.-|-\\."}},
              {"not": {"pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$"}},
              {"not": {"pattern": "^(xn--|sthree-|amzn-s3-demo-)"}},
              {"not": {"pattern": "(-s3alias|--ol-s3|\\.mrap|--x-s3)$"}}],
}
_STAGE_WORDS = [*(s.value for s in Stage), *(str(s.number) for s in Stage)]

#: "Model.field" -> keywords for the field's value (its non-null branch when optional),
#: restating a Python validator of tfgen/blueprint/model.py.
FIELD_RULES: dict[str, dict[str, Any]] = {
    # name_checks.py: `name-environment` must not begin with internal- (load balancer
    # names) or sg- (security group names).
    "Blueprint.name": {"pattern": "^(?!.*--)[a-z][a-z0-9-]*[a-z0-9]$",
                       "not": {"pattern": "^(internal|sg)(-|$)"}},
    "Blueprint.environment": {"pattern": "^(?!.*--)[a-z][a-z0-9-]*[a-z0-9]$"},
    "Blueprint.region": {"enum": sorted(regions.REGIONS)},
    "Backend.region": {"enum": sorted(regions.REGIONS)},
    "Blueprint.availability_zones": {"uniqueItems": True},
    "Blueprint.tags": {
        "propertyNames": {"minLength": 1, "maxLength": 127, **_PLAIN,
                          "not": {"pattern": f"^{_any_case('aws:')}"}},
        "additionalProperties": {"type": "string", "maxLength": 256, **_PLAIN}},
    # validate.py: a VPC is /16 to /24 (AWS allows /28; tfgen's floor is /24).
    "Network.vpc_cidr": {"pattern": _CIDR["pattern"].replace("(3[0-2]|[12]?[0-9])$",
                                                             "(1[6-9]|2[0-4])$")},
    "SubnetSet.public": _CIDR, "SubnetSet.app": _CIDR, "SubnetSet.data": _CIDR,
    "Tier.ami": {"pattern": "^(ami-[0-9a-f]{8}([0-9a-f]{9})?|ssm:/[A-Za-z0-9_./-]+)$"},
    "Tier.health_check_path": {**_URL_PATH, "maxLength": 1024},
    "Tier.user_data": _PLAIN,
    "AppTier.enabled": {"const": True},
    "Database.username": {"not": {"pattern": "^(" + "|".join(
        _any_case(u) for u in RDS_RESERVED_USERS) + ")$"}},
    "Frontend.bucket_name": _BUCKET,
    "Frontend.index_document": _PLAIN,
    "Frontend.error_document": _PLAIN,
    "Cdn.api_path": {**_URL_PATH, "maxLength": 255, "not": {"const": "/"}},
    "Dns.zone": {"pattern": f"^{_LABEL}(\\.{_LABEL})+$"},
    "Dns.record": {"pattern": f"^({_LABEL}(\\.{_LABEL})*)?$"},
    "Dns.health_check_path": {**_URL_PATH, "maxLength": 255},
    "Backend.bucket": _BUCKET,
    "Backend.kms_key_id": _PLAIN,
}
for _key in ("ami", "health_check_path", "user_data"):
    FIELD_RULES[f"AppTier.{_key}"] = FIELD_RULES[f"Tier.{_key}"]

#: What only `tfgen validate` checks, by the tests/bad/ case that shows it. JSON Schema
#: cannot compare two values of one document (it has no arithmetic and no references to
#: other values), compute with addresses, know today's date, read files, or see the YAML
#: before its parser built the data. A test checks each case is accepted by the schema
#: and refused by `tfgen validate`.
NOT_EXPRESSIBLE: dict[str, str] = {
    "db-name-reserved-mysql": "db_name is not a word the engine reserves, in any letter case "
    "(ECMA-262 patterns have no case-insensitive flag; tfgen/blueprint/reserved_words.py)",
    "db-name-reserved-postgres": "db_name is not a word the engine reserves, in any letter "
    "case (ECMA-262 patterns have no case-insensitive flag; tfgen/blueprint/reserved_words.py)",
    "vpc-cidr-host-bits": "a CIDR's host bits are zero (needs arithmetic on the address)",
    "vpc-too-small-for-azs": "the VPC has room for three subnets per AZ (size vs count)",
    "subnet-outside-vpc": "explicit subnets lie inside the VPC",
    "subnets-overlap": "explicit subnets do not overlap",
    "subnet-prefix-not-longer": "subnet_prefix_length is longer than the VPC prefix",
    "subnet-too-small-derived": "derived subnets are at least /27",
    "subnet-too-small-explicit": "explicit subnets are at least /27",
    "subnets-az-missing": "network.subnets names every listed AZ",
    "subnets-az-unknown": "network.subnets names only listed AZs",
    "min-above-max": "min_size <= desired_capacity <= max_size",
    "desired-outside-range": "min_size <= desired_capacity <= max_size",
    "storage-max-below-allocated": "max_allocated_storage > allocated_storage",
    "name-environment-too-long": "`name-environment` fits in 22 characters",
    "engine-version-past-standard-support": "the RDS support calendar (tfgen/blueprint/engines.py) "
                                            "is judged against today's date",
    "stage-override-contradiction": "a `--stage` given on the command line",
    "user-data-missing": "the user-data file exists",
    "merge-key": "YAML merge keys (<<) are refused; a schema sees the document after its "
                 "YAML parser merged them",
}


def _describe(defs: dict[str, Any]) -> None:
    """Descriptions from tfgen/blueprint/reference.py; pydantic's generated titles dropped."""
    prefixes = {"Blueprint": "", "Network": "network.", "Tier": "web.", "AppTier": "app.",
                "Database": "database.", "Frontend": "frontend.", "Cdn": "cdn.",
                "Dns": "dns.", "Backend": "backend.", "SubnetSet": "network.subnets."}
    for name, model in defs.items():
        section = prefixes.get(name, "").rstrip(".")
        if section in DESCRIPTIONS and "description" not in model:
            model["description"] = DESCRIPTIONS[section]
        for key, prop in model.get("properties", {}).items():
            prop.pop("title", None)
            path = prefixes.get(name, "") + key
            text = DESCRIPTIONS.get(path) or DESCRIPTIONS.get(path.replace("app.", "web.", 1))
            if name == "SubnetSet":
                text = f"CIDR block of this AZ's {key} subnet, inside the VPC."
            if text:
                prop["description"] = text


def _value_branch(prop: dict[str, Any]) -> dict[str, Any]:
    """The schema a field's value must match: the non-null branch of an optional field."""
    for branch in prop.get("anyOf", []):
        if branch.get("type") != "null":
            return branch  # type: ignore[no-any-return]
    return prop


def _add_rules(defs: dict[str, Any]) -> None:
    for dotted, rules in FIELD_RULES.items():
        model, key = dotted.split(".")
        target = _value_branch(defs[model]["properties"][key])
        for word, value in copy.deepcopy(rules).items():
            if word in target and word in ("pattern", "not", "allOf"):
                target.setdefault("allOf", []).append({word: value})
            else:
                target[word] = value


def _defaults(defs: dict[str, Any]) -> None:
    """Defaults pydantic leaves out (default factories), so editors can show them."""
    top = defs["Blueprint"]["properties"]
    for key, field in Blueprint.model_fields.items():
        if field.default_factory is not None:
            value = field.default_factory()  # type: ignore[call-arg]
            top[key]["default"] = value.model_dump(mode="json") if hasattr(
                value, "model_dump") else value
    top["stage"] = {  # parse_stage: a name or number, any case, spaces around ignored
        "description": DESCRIPTIONS["stage"], "default": Stage.AWS.value,
        "anyOf": [{"enum": [s.value for s in Stage]},
                  {"type": "integer", "minimum": 2, "maximum": 5},
                  {"type": "string", "pattern": "^\\s*(" + "|".join(
                      _any_case(w) for w in _STAGE_WORDS) + ")\\s*$"}]}
    defs.pop("Stage", None)
    assert top["availability_zones"]["default"] == regions.default_zones(DEFAULT_REGION)
    assert defs["Tier"]["properties"]["ami"]["default"] == f"ssm:{AL2023_SSM}"


def _zones_of_region() -> list[dict[str, Any]]:
    """zone_checks.py: every AZ is one of the region's, and a default exists."""
    rules: list[dict[str, Any]] = []
    for name in sorted(regions.REGIONS):
        region_is: dict[str, Any] = {"properties": {"region": {"const": name}},
                                     "required": ["region"]}
        if name == DEFAULT_REGION:
            region_is = {"anyOf": [region_is, {"not": {"required": ["region"]}}]}
        then: dict[str, Any] = {"properties": {"availability_zones": {
            "items": {"enum": regions.zones(name)}}}}
        if regions.default_zones(name) is None:
            then["required"] = ["availability_zones"]
        rules.append({"if": region_is, "then": then})
    return rules


def _engine_rules(defs: dict[str, Any]) -> None:
    """validate.py `_database_checks`, per engine, from the same table
    (tfgen/blueprint/engines.py)."""
    database = defs["Database"]["properties"]
    default_engine = database["engine"]["default"]
    default_class = database["instance_class"]["default"]
    rules: list[dict[str, Any]] = []
    for engine, facts in ENGINES.items():
        engine_is: dict[str, Any] = {"properties": {"engine": {"const": engine}},
                                     "required": ["engine"]}
        if engine == default_engine:
            engine_is = {"anyOf": [engine_is, {"not": {"required": ["engine"]}}]}
        classes: list[dict[str, Any]] = [
            {"pattern": "^(" + "|".join(map(re.escape, AURORA_CLASS_PREFIXES)) + ")"}
            if facts.aurora else {"not": {"pattern": "^db\\.serverless"}}]
        if facts.too_small:
            classes.append({"not": {"enum": list(facts.too_small)}})
        classes += [{"not": {"pattern": p}} for p in refused_patterns(engine)]
        # engines.version_matches: the major itself, or the major then a dot.
        majors = "|".join(re.escape(m.rstrip(".")) for m in facts.version_majors)
        props: dict[str, Any] = {"instance_class": {"allOf": classes},
                                 "engine_version": {"pattern": f"^({majors})($|\\.)"}}
        if not facts.takes_db_name:
            props["db_name"] = {"type": "null"}
        elif facts.db_name_max < 63:
            props["db_name"] = {"maxLength": facts.db_name_max}
        if not facts.read_replicas:
            props["read_replicas"] = {"maximum": 0}
        then: dict[str, Any] = {"properties": props}
        if default_class in facts.too_small:  # the default class is too small for it
            then["required"] = ["instance_class"]
        rules.append({"if": engine_is, "then": then})
    single = sorted(e for e, facts in ENGINES.items() if not facts.multi_az)
    rules.append({  # reported at the engine, as tfgen does
        "if": {"properties": {"multi_az": {"const": True}}, "required": ["multi_az"]},
        "then": {"properties": {"engine": {"not": {"enum": single}}}}})
    defs["Database"]["allOf"] = rules


def _multi_az_stages() -> list[dict[str, Any]]:
    """From stage multi-az up the database is Multi-AZ: `multi_az: false` contradicts it
    and engines without Multi-AZ are refused (validate.py `_database_checks`)."""
    words = [s.value for s in Stage if s >= Stage.MULTI_AZ]
    numbers = [s.number for s in Stage if s >= Stage.MULTI_AZ]
    spelled = "|".join(_any_case(w) for w in [*words, *map(str, numbers)])
    stage_is = {"properties": {"stage": {"anyOf": [
        {"enum": [*words, *numbers]},
        {"type": "string", "pattern": f"^\\s*({spelled})\\s*$"}]}}, "required": ["stage"]}
    single = sorted(e for e, facts in ENGINES.items() if not facts.multi_az)
    return [{"if": stage_is, "then": {"properties": {"database": {"properties": {
        "multi_az": {"not": {"const": False}},
        "engine": {"not": {"enum": single}}}}}}}]


def _backend_lock(defs: dict[str, Any]) -> None:
    """Backend._needs_a_lock: `use_lockfile: false` needs a dynamodb_table."""
    defs["Backend"]["if"] = {"properties": {"use_lockfile": {"const": False}},
                             "required": ["use_lockfile"]}
    defs["Backend"]["then"] = {"properties": {"dynamodb_table": {"type": "string"}},
                               "required": ["dynamodb_table"]}


def _overlay(defs: dict[str, Any]) -> dict[str, Any]:
    """The same definitions for an overlay: no required keys, no cross-field rules."""
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v).replace("#/$defs/", "#/$defs/overlay-") if k == "$ref"
                    else strip(v) for k, v in node.items()
                    if k not in ("required", "if", "then", "else")}
        if isinstance(node, list):
            return [strip(item) for item in node]
        return node
    return {f"overlay-{name}": strip(model) for name, model in defs.items()}


def blueprint_schema() -> dict[str, Any]:
    """The whole schema as a JSON-ready dict."""
    generated = Blueprint.model_json_schema(ref_template="#/$defs/{model}")
    defs: dict[str, Any] = generated.pop("$defs")
    defs["Blueprint"] = generated
    _describe(defs)
    _add_rules(defs)
    _defaults(defs)
    _backend_lock(defs)
    _engine_rules(defs)
    for name, model in defs.items():  # every object is closed (pydantic: extra="forbid")
        assert model.get("additionalProperties") is False, name
        model.pop("title", None)
    defs = {**defs, **_overlay(defs)}
    defs["Blueprint"]["allOf"] = _zones_of_region() + _multi_az_stages()
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "tfgen blueprint",
        "description": "A tfgen blueprint: one deployment of the shopping-mall service "
                       "(YAML). A file with `extends:` is an overlay of another blueprint "
                       "and needs only what differs. Reference: docs/blueprint-reference.md.",
        "type": "object",
        "if": {"required": ["extends"]},
        "then": {"$ref": "#/$defs/overlay-Blueprint"},
        "else": {"$ref": "#/$defs/Blueprint"},
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    """The schema as committed: stable key order, two-space indent, final newline."""
    return json.dumps(blueprint_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - regeneration entry point
    import sys
    from pathlib import Path

    target = Path(sys.argv[1] if len(sys.argv) > 1 else SCHEMA_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(schema_text(), encoding="utf-8")
