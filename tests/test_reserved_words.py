"""The reserved-word table behind `database.db_name` (tfgen/blueprint/reserved_words.py).

The bad-blueprint corpus (tests/bad/db-name-reserved-*.yaml) checks the located message;
these check the table itself against what the sources say.
"""

from __future__ import annotations

import pytest

from tfgen.blueprint.reserved_words import MYSQL_84, POSTGRES_17, READ_ON, reserved_by


def test_table_is_dated_and_lowercase() -> None:
    assert READ_ON == "2026-12-04"
    for words in (MYSQL_84, POSTGRES_17):
        assert all(w == w.lower() and w.replace("_", "").isalnum() for w in words)
    assert (len(MYSQL_84), len(POSTGRES_17)) == (259, 78)


@pytest.mark.parametrize(("engine", "name", "expected"), [
    ("mysql", "select", "MySQL 8.4"), ("mysql", "Database", "MySQL 8.4"),  # case-insensitive
    ("mysql", "intersect", "MySQL 8.4"),  # reserved since 8.0.31
    ("mysql", "user", None),  # nonreserved in MySQL ...
    ("postgres", "user", "PostgreSQL 17"),  # ... reserved in PostgreSQL
    ("postgres", "system_user", "PostgreSQL 17"),  # reserved since 16
    ("aurora-postgresql", "table", "PostgreSQL 17"),
    ("postgres", "database", None),  # UNRESERVED_KEYWORD in kwlist.h
    ("mysql", "array", None), ("mysql", "master_bind", None),  # not reserved in 8.4
    ("mysql", "qualify", None), ("mysql", "tablesample", None),  # new in 8.4, nonreserved
    ("mysql", "mall", None), ("mariadb", "select", None),  # no table read for MariaDB
])
def test_reserved_by(engine: str, name: str, expected: str | None) -> None:
    assert reserved_by(engine, name) == expected
