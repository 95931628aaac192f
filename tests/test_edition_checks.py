"""The SQL Server edition class table (tfgen/edition_checks.py): what it refuses, what it
leaves to RDS at plan time, and that the default class never trips it unannounced."""

from __future__ import annotations

import pytest

from tfgen.blueprint import Database
from tfgen.edition_checks import (
    ORDERABLE_LOOKUP_ENGINES,
    SQLSERVER_CLASS_LIMITS,
    limit_reason,
    refused_patterns,
)
from tfgen.engines import ENGINES


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
    """schema.py marks instance_class required only for tfgen.engines `too_small`; a
    table rule refusing the default class would need the same treatment."""
    default = Database.model_fields["instance_class"].default
    for engine, facts in ENGINES.items():
        if default not in facts.too_small:
            assert limit_reason(engine, default) is None, engine


def test_the_lookup_is_rendered_for_sql_server_and_oracle_only() -> None:
    expected = {e for e in ENGINES if e.startswith(("sqlserver-", "oracle-"))}
    assert expected == ORDERABLE_LOOKUP_ENGINES
    assert all(not refused_patterns(e) for e in ENGINES if ENGINES[e].edition is None)
