"""The SQL Server edition class table (tfgen/blueprint/edition_checks.py): what it refuses, what it
leaves to RDS at plan time, and that the default class never trips it unannounced."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write_blueprint
from tfgen.blueprint.edition_checks import (
    ORDERABLE_LOOKUP_ENGINES,
    SQLSERVER_CLASS_LIMITS,
    limit_reason,
    refused_patterns,
)
from tfgen.blueprint.engines import ENGINES
from tfgen.blueprint.model import Database
from tfgen.project import render_blueprint


@pytest.mark.parametrize(("engine", "instance_class", "refused"), [
    # Express: db.t2/db.t3 only, up to xlarge (AWS table, every version column)
    ("sqlserver-ex", "db.t3.small", False),
    ("sqlserver-ex", "db.t3.xlarge", False),
    ("sqlserver-ex", "db.t3.2xlarge", True),
    ("sqlserver-ex", "db.m5.large", True),
    ("sqlserver-ex", "db.r6i.large", True),
    # Web: nothing above 4xlarge
    ("sqlserver-web", "db.m5.4xlarge", False),
    ("sqlserver-web", "db.m5.8xlarge", True),
    ("sqlserver-web", "db.r5.24xlarge", True),
    # Enterprise: every family from xlarge
    ("sqlserver-ee", "db.m5.large", True),
    ("sqlserver-ee", "db.r5.xlarge", False),
    ("sqlserver-ee", "db.x1e.32xlarge", False),
    # not in the table: decided by RDS at plan time
    ("sqlserver-se", "db.m5.large", False),
    ("oracle-se2", "db.m5.24xlarge", False),
    ("mysql", "db.t3.micro", False),
    # a shape the table cannot read (Oracle's preconfigured classes): left to RDS
    ("sqlserver-ex", "db.r5b.4xlarge.tpc2.mem2x", False),
])
def test_the_table_refuses_what_aws_states(engine: str, instance_class: str,
                                            refused: bool) -> None:
    assert (limit_reason(engine, instance_class) is not None) is refused


def test_every_edition_of_the_table_is_an_engine_edition() -> None:
    editions = {facts.edition for facts in ENGINES.values()}
    assert set(SQLSERVER_CLASS_LIMITS) <= editions


def test_the_default_class_is_never_refused_by_the_table() -> None:
    """schema.py marks instance_class required only for tfgen.blueprint.engines `too_small`; a
    table rule refusing the default class would need the same treatment."""
    default = Database.model_fields["instance_class"].default
    for engine, facts in ENGINES.items():
        if default not in facts.too_small:
            assert limit_reason(engine, default) is None, engine


def test_the_lookup_is_rendered_for_sql_server_and_oracle_only() -> None:
    expected = {e for e in ENGINES if e.startswith(("sqlserver-", "oracle-"))}
    assert expected == ORDERABLE_LOOKUP_ENGINES
    assert all(not refused_patterns(e) for e in ENGINES if ENGINES[e].edition is None)


@pytest.mark.parametrize(("engine", "instance_class", "lookup"), [
    ("sqlserver-se", "db.m5.large", True),
    ("oracle-se2", "db.m5.large", True),
    ("mysql", "db.t3.medium", False),
    ("aurora-postgresql", "db.r6g.large", False),
])
def test_the_plan_time_lookup_is_rendered_only_where_editions_differ(
        tmp_path: Path, engine: str, instance_class: str, lookup: bool) -> None:
    """SQL Server/Oracle: orderable.tf, its test runs and a README line; every other
    engine renders exactly what it did before (no file, no mock, no line)."""
    database = {"engine": engine, "instance_class": instance_class}
    if engine.startswith("oracle-"):
        database["db_name"] = None
    path = write_blueprint(tmp_path, {"name": "shop", "database": database})
    files = render_blueprint(path).files
    assert ("modules/database/orderable.tf" in files) is lookup
    test = files["modules/database/tests/database.tftest.hcl"]
    assert ('run "edition_not_offered_on_class"' in test) is lookup
    assert ("aws_rds_orderable_db_instance" in test) is lookup
    assert ("aws_rds_orderable_db_instance" in files["README.md"]) is lookup
    assert ("aws_rds_orderable_db_instance" in files["modules/database/README.md"]) is lookup
    if lookup:
        assert f'instance_class = "{instance_class}"' in test
