"""Instance classes an edition cannot use: SQL Server and Oracle editions (issue 11).

Two layers, each with its own source:

* Offline, :data:`SQLSERVER_CLASS_LIMITS`: the few rules AWS's own table states for every
  SQL Server version it lists, so tfgen refuses them at `tfgen validate` without asking
  AWS. Source: the RDS User Guide table "DB instance class support for Microsoft SQL
  Server" (CHAP_SQLServer, section SQLServer.Concepts.General.InstanceClasses), read in
  AWS's published markdown, github.com/awsdocs/amazon-rds-user-guide
  doc_source/CHAP_SQLServer.md (versions of 2020 and 2022; the repository is archived,
  the live page is https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/SQLServer.Concepts.General.InstanceClasses.html).
  In every version column of both readings: Express runs only on burstable db.t2/db.t3
  classes up to xlarge; Web on no size above 4xlarge; Enterprise starts at xlarge in
  every family. Only these are enforced: a rule AWS states for every version cannot
  refuse a combination AWS accepts today unless AWS widened the edition since, and the
  table says when it was read.
* At plan time, for every engine in :data:`ORDERABLE_LOOKUP_ENGINES`: the database module
  asks RDS itself (`data "aws_rds_orderable_db_instance"`, templates/modules/database/
  orderable.tf.j2), which is authoritative for all the rest: Oracle SE2 and EE classes
  (AWS publishes no vCPU cap for SE2 that tfgen could cite; third-party pages disagree),
  newer families, the Region. MySQL, MariaDB, PostgreSQL and Aurora render no lookup.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tfgen.blueprint.engines import ENGINES
from tfgen.blueprint.loader import Document
from tfgen.blueprint.model import Database
from tfgen.errors import Problem

#: Engines whose editions are offered on different instance classes: the database module
#: looks the class up in RDS at plan time for these (and only these, so the output of
#: the other engines is unchanged).
ORDERABLE_LOOKUP_ENGINES = frozenset(
    engine for engine, facts in ENGINES.items() if facts.family in ("sqlserver", "oracle"))

#: Sizes in ascending order, as RDS names them ("metal" sorts last).
_SIZES = ("micro", "small", "medium", "large", "xlarge", "2xlarge", "3xlarge", "4xlarge",
          "6xlarge", "8xlarge", "9xlarge", "10xlarge", "12xlarge", "16xlarge", "18xlarge",
          "24xlarge", "32xlarge", "48xlarge", "metal")
_PART = "[a-z0-9-]+"  # one dot-free part of a class name (db.FAMILY.SIZE)


@dataclass(frozen=True)
class ClassLimit:
    """What one SQL Server edition accepts, as AWS's table states it for every version."""

    #: instance families allowed at all (None: any family)
    families: tuple[str, ...] | None
    smallest: str | None
    largest: str | None
    hint: str


#: By edition, as the rows of AWS's table name them (tfgen.blueprint.engines `edition`). Read
#: 2026-12-04 (see the module docstring for the source). Update when AWS widens an
#: edition; a stricter-than-AWS rule here refuses a valid blueprint. Standard Edition:
#: no rule beyond tfgen.blueprint.engines `too_small` holds for every version of the table.
SQLSERVER_CLASS_LIMITS: dict[str, ClassLimit] = {
    "SQL Server Express": ClassLimit(("t2", "t3"), None, "xlarge",
                                     "use db.t3.small to db.t3.xlarge, or the Web "
                                     "edition for a bigger class"),
    "SQL Server Web": ClassLimit(None, None, "4xlarge",
                                 "use a class up to 4xlarge, or the Standard or "
                                 "Enterprise edition for a bigger one"),
    "SQL Server Enterprise": ClassLimit(None, "xlarge", None,
                                        "use an xlarge or bigger class (e.g. db.m5.xlarge), "
                                        "or the Standard edition"),
}


def _limit(engine: str) -> tuple[str, ClassLimit] | None:
    edition = ENGINES[engine].edition
    limit = SQLSERVER_CLASS_LIMITS.get(edition) if edition else None
    return (edition, limit) if edition and limit else None


def _rules(edition: str, limit: ClassLimit) -> list[tuple[str, str]]:
    """(regex of refused classes, why) for one edition; the JSON schema (tfgen/blueprint/schema.py)
    places the same regexes, so editor and `tfgen validate` refuse the same classes."""
    rules: list[tuple[str, str]] = []
    if limit.families is not None:
        allowed = "|".join(map(re.escape, limit.families))
        rules.append((rf"^db\.(?!(?:{allowed})\.){_PART}\.{_PART}$",
                      f"{edition} runs only on db.{'/db.'.join(limit.families)} classes"))
    if limit.largest is not None:
        above = _SIZES[_SIZES.index(limit.largest) + 1:]
        rules.append((rf"^db\.{_PART}\.(?:{'|'.join(above)})$",
                      f"{edition} runs on classes up to {limit.largest}"))
    if limit.smallest is not None:
        below = _SIZES[:_SIZES.index(limit.smallest)]
        rules.append((rf"^db\.{_PART}\.(?:{'|'.join(below)})$",
                      f"{edition} runs on classes from {limit.smallest} up"))
    return rules


def refused_patterns(engine: str) -> list[str]:
    """Regexes of the classes the table refuses for `engine` (empty: none)."""
    found = _limit(engine)
    return [pattern for pattern, _ in _rules(*found)] if found else []


def limit_reason(engine: str, instance_class: str) -> str | None:
    """Why `engine` cannot run on `instance_class` per the table, or None (allowed or
    not covered: then the plan-time lookup decides)."""
    found = _limit(engine)
    if found is None:
        return None
    return next((why for pattern, why in _rules(*found)
                 if re.match(pattern, instance_class)), None)


def edition_class_problems(doc: Document, db: Database, given: bool) -> Iterator[Problem]:
    """The blueprint's class refused by the table, at `instance_class` (or at `engine`
    when the class is tfgen's default, so the user sees what to set)."""
    engine, instance_class = db.engine, db.instance_class
    reason = limit_reason(engine, instance_class)
    if reason is None:
        return
    found = _limit(engine)
    hint = found[1].hint if found else ""
    where = ("database", "instance_class" if given else "engine")
    default = "" if given else " (the default instance_class)"
    yield doc.problem(where, f"{engine} is not offered on {instance_class}{default}: "
                             f"{reason} — {hint}")


def orderable_lookup(engine: str) -> dict[str, bool] | None:
    """What the database module's plan-time lookup (orderable.tf) and its test need, or
    None for engines that render no lookup (their output stays as it was)."""
    if engine not in ORDERABLE_LOOKUP_ENGINES:
        return None
    return {"multi_az": ENGINES[engine].multi_az}
