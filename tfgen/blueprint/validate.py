"""Validating a loaded blueprint and reporting every problem, located, at once.

Two passes. Pydantic checks types, required fields, unknown keys and one-field rules;
its errors are translated to `FILE:LINE:COL: field.path: message` with "did you mean"
hints (tfgen/blueprint/pydantic_problems.py). Then the cross-field rules below run on every section
that typed correctly, so one run reports type errors and relational errors together.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from tfgen.blueprint import regions, subnets, userdata
from tfgen.blueprint.db_name_checks import db_name_problems
from tfgen.blueprint.edition_checks import edition_class_problems
from tfgen.blueprint.engines import (
    ENGINES,
    aurora_accepts,
    calendar_today,
    past_standard_support,
    supported_majors,
    version_matches,
)
from tfgen.blueprint.layers import load_layers
from tfgen.blueprint.loader import Document, PathKey
from tfgen.blueprint.model import DEFAULT_REGION, AppTier, Blueprint, Database, Network, Tier
from tfgen.blueprint.name_checks import name_problems
from tfgen.blueprint.partial import partial, usable
from tfgen.blueprint.pydantic_problems import translate
from tfgen.blueprint.size_checks import size_problems
from tfgen.blueprint.stages import Stage, parse_stage
from tfgen.blueprint.zone_checks import default_note, zone_problems
from tfgen.errors import BlueprintInvalid, Problem

#: The tier module accepts user data whose base64 form is at most 16,384 characters
#: (templates/modules/tier/variables.tf.j2 `user_data`): 12 KiB of script.
MAX_USER_DATA_BASE64 = 16384


def load_blueprint(path: Path, stage: str | Stage | None = None,
                   display: str | None = None) -> tuple[Blueprint, Document]:
    """Read, parse and validate the blueprint at `path`; raise BlueprintInvalid."""
    doc = load_layers(path, display)  # follows `extends:` (tfgen/blueprint/layers.py)
    return validate_document(doc, stage, base_dir=path.parent), doc


def validate_document(doc: Document, stage: str | Stage | None = None,
                      base_dir: Path | None = None) -> Blueprint:
    """Validate a parsed document; `stage` overrides the blueprint's own (what-if)."""
    data = dict(doc.data)
    if stage is not None:
        data["stage"] = parse_stage(stage)
    problems: list[Problem] = []
    blueprint: Blueprint | None = None
    try:
        blueprint = Blueprint.model_validate(data)
    except ValidationError as exc:
        problems.extend(translate(exc, doc, Blueprint))
    problems.extend(_cross_checks(doc, data, blueprint, base_dir))
    if problems:
        raise BlueprintInvalid(sorted(set(problems)))
    assert blueprint is not None
    return blueprint


# --- cross-field rules -------------------------------------------------------------------

def _section(data: dict[str, Any], key: str,
             model: type[BaseModel]) -> tuple[Any, frozenset[str]]:
    """The section typed without its bad fields (tfgen/blueprint/partial.py), and their names."""
    return partial(model, data.get(key, {}))


def _cross_checks(doc: Document, data: dict[str, Any], bp: Blueprint | None,
                  base_dir: Path | None) -> Iterator[Problem]:
    try:
        stage = parse_stage(data.get("stage", Stage.AWS))
    except ValueError:
        stage = None
    azs = bp.availability_zones if bp else _str_list(data.get("availability_zones"))
    if azs is None:
        region = data.get("region", DEFAULT_REGION)
        known = isinstance(region, str) and regions.is_region(region)
        azs = (regions.default_zones(region) if known else None) or []
    yield from zone_problems(doc, data, azs)

    yield from name_problems(doc, data)

    network, bad = _section(data, "network", Network)
    if network is not None and usable(bad, "vpc_cidr", "subnets"):
        yield from _network_checks(doc, network, azs, default_note(data, azs), bad)
        yield from size_problems(doc, network, bad)
    for tier_key, model in (("web", Tier), ("app", AppTier)):
        tier, bad = _section(data, tier_key, model)
        if tier is not None:
            yield from _tier_checks(doc, tier_key, tier, base_dir, bad)
    database, bad = _section(data, "database", Database)
    if database is not None:
        yield from _database_checks(doc, data, database, stage, bad)


def _str_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _network_checks(doc: Document, net: Network, azs: list[str],
                    note: str = "", bad: frozenset[str] = frozenset()) -> Iterator[Problem]:
    vpc = ipaddress.IPv4Network(net.vpc_cidr)
    size_problem = subnets.vpc_size_problem(vpc.prefixlen)
    if size_problem is not None:
        yield doc.problem(("network", "vpc_cidr"), size_problem)
        return
    if net.subnets is None:
        if not usable(bad, "subnet_prefix_length"):
            return
        try:
            subnets.derive(net.vpc_cidr, net.subnet_prefix_length, azs)
        except ValueError as exc:
            hint = "" if "—" in str(exc) else " — use a larger VPC or a longer prefix"
            field = "subnet_prefix_length" if ("network", "subnet_prefix_length") in \
                doc.value_marks else "vpc_cidr"  # point at what the user wrote
            why = note if "AZs" in str(exc) else ""
            yield doc.problem(("network", field), f"{exc}{why}{hint}")
        return
    for az in azs:
        if az not in net.subnets:
            yield doc.problem(("network", "subnets"), f"no subnets given for AZ '{az}'{note} "
                                                  f"— add `{az}:` with public, app and data",
                              key=True)
    seen: list[tuple[ipaddress.IPv4Network, PathKey]] = []
    for az, sset in net.subnets.items():
        if az not in azs:
            close = difflib.get_close_matches(az, azs, n=1)
            hint = f" — did you mean '{close[0]}'?" if close else \
                " — add it to availability_zones or remove it here"
            yield doc.problem(("network", "subnets", az),
                              f"'{az}' is not in availability_zones{hint}", key=True)
        for purpose in subnets.PURPOSES:
            path: PathKey = ("network", "subnets", az, purpose)
            cidr = ipaddress.IPv4Network(getattr(sset, purpose))
            if not cidr.subnet_of(vpc):
                yield doc.problem(path, f"{cidr} is not inside the VPC CIDR {vpc} — pick a "
                                        f"range inside {vpc}")
                continue
            for other, other_path in seen:
                if cidr.overlaps(other):
                    mark = doc.mark_of(other_path)
                    yield doc.problem(path, f"{cidr} overlaps {other} "
                                            f"({'.'.join(map(str, other_path))}, line "
                                            f"{mark.line}) — give every subnet its own "
                                            "range")
                    break
            seen.append((cidr, path))


def _tier_checks(doc: Document, key: str, tier: Tier, base_dir: Path | None,
                 bad: frozenset[str] = frozenset()) -> Iterator[Problem]:
    if not usable(bad, "min_size", "max_size"):
        pass
    elif tier.min_size > tier.max_size:
        yield doc.problem((key, "min_size"),
                          f"min_size {tier.min_size} is larger than max_size {tier.max_size} "
                          "— lower min_size or raise max_size")
    elif usable(bad, "desired_capacity") and \
            not tier.min_size <= tier.desired_capacity <= tier.max_size:
        yield doc.problem((key, "desired_capacity"),
                          f"desired_capacity {tier.desired_capacity} must lie between "
                          f"min_size {tier.min_size} and max_size {tier.max_size} — pick a "
                          "value in that range")
    if tier.user_data is not None and base_dir is not None and usable(bad, "user_data"):
        # Issue 10: inside the project, a regular UTF-8 file (userdata.py); then the tier
        # module's own limit on the base64-encoded script.
        reason = userdata.problem(base_dir, tier.user_data)
        if reason is not None:
            yield doc.problem((key, "user_data"), reason)
        elif 4 * math.ceil((base_dir / tier.user_data).stat().st_size / 3) \
                > MAX_USER_DATA_BASE64:
            size = (base_dir / tier.user_data).stat().st_size
            yield doc.problem((key, "user_data"),
                              f"'{tier.user_data}' is {size} bytes; base64-"
                              "encoded it exceeds the 16,384 characters the tier module "
                              "accepts (12 KiB of script) — keep it small and fetch the "
                              "rest at boot")


def _database_checks(doc: Document, data: dict[str, Any], db: Database,
                     stage: Stage | None, bad: frozenset[str] = frozenset()) -> Iterator[Problem]:
    if not usable(bad, "engine"):
        return  # every rule below depends on the engine
    facts = ENGINES[db.engine]
    raw = data.get("database") or {}
    cls_ok = usable(bad, "instance_class")
    if cls_ok and facts.aurora and not aurora_accepts(db.instance_class):
        yield doc.problem(("database", "instance_class"),
                          f"Aurora does not offer {db.instance_class} — use a db.r*, "
                          "db.t3/t4g.medium or .large class")
    if cls_ok and not facts.aurora and db.instance_class.startswith("db.serverless"):
        yield doc.problem(("database", "instance_class"),
                          "db.serverless exists only for Aurora engines — use a db.t3/db.r* "
                          "class or an aurora-* engine")
    if cls_ok and db.instance_class in facts.too_small:
        given = "instance_class" in raw  # else the default: say so, point at the engine
        yield doc.problem(("database", "instance_class" if given else "engine"),
                          f"{db.engine} is not offered on {db.instance_class} (too small"
                          f"{'' if given else '; it is the default instance_class'}) — "
                          f"{'use' if given else 'set database.instance_class to'} a larger "
                          "instance class")
    elif cls_ok:  # classes an edition cannot use: tfgen/blueprint/edition_checks.py
        yield from edition_class_problems(doc, db, "instance_class" in raw)
    if db.engine_version is not None and usable(bad, "engine_version") and \
            not version_matches(db.engine, db.engine_version):
        majors = ", ".join(m.rstrip(".") for m in facts.version_majors)
        yield doc.problem(("database", "engine_version"),
                          f"'{db.engine_version}' is not a {db.engine} version — use one "
                          f"of the major versions {majors}")
    elif usable(bad, "engine_version"):
        version = db.engine_version or facts.default_version
        today = calendar_today()
        ended = past_standard_support(db.engine, version, today)
        if ended is not None:
            current = ", ".join(supported_majors(db.engine, today))
            yield doc.problem(("database", "engine_version"),
                              f"{db.engine} {version} left RDS standard support on {ended} "
                              "(a new database would start in paid Extended Support) — "
                              f"use a current major: {current}")
    if usable(bad, "allocated_storage", "max_allocated_storage") and \
            db.max_allocated_storage <= db.allocated_storage:
        yield doc.problem(("database", "max_allocated_storage"),
                          f"max_allocated_storage {db.max_allocated_storage} must be larger "
                          f"than allocated_storage {db.allocated_storage} — storage autoscaling "
                          f"grows up to it, e.g. {db.allocated_storage * 2}")
    if usable(bad, "db_name"):  # engine-dependent db_name rules: tfgen/blueprint/db_name_checks.py
        yield from db_name_problems(doc, raw, db, facts)
    multi_az = db.multi_az or (stage is not None and stage >= Stage.MULTI_AZ)
    if not usable(bad, "multi_az"):
        pass
    elif db.multi_az is False and stage is not None and stage >= Stage.MULTI_AZ:
        yield doc.problem(("database", "multi_az"),
                          f"multi_az: false contradicts stage {stage.value}, which makes the "
                          "database Multi-AZ — remove it or target stage aws")
    elif multi_az and not facts.multi_az:
        yield doc.problem(("database", "engine"),
                          f"{db.engine} does not support Multi-AZ — use sqlserver-se or -ee")
    if usable(bad, "read_replicas") and db.read_replicas and not facts.read_replicas:
        yield doc.problem(("database", "read_replicas"),
                          f"{db.engine} does not support read replicas — set "
                          "read_replicas: 0")
