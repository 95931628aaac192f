"""Rules on `database.db_name` that depend on the engine (split from tfgen.blueprint.validate).

RDS CreateDBInstance `DBName`: some engines create no database at launch (SQL Server:
"Not applicable. Must be null."), Oracle names the SID in at most 8 characters, and no
engine takes a word it reserves (tfgen/blueprint/reserved_words.py). RDS API reference:
https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tfgen.blueprint.engines import EngineFacts
from tfgen.blueprint.loader import Document
from tfgen.blueprint.model import Database
from tfgen.blueprint.reserved_words import reserved_by
from tfgen.errors import Problem

WHERE = ("database", "db_name")


def db_name_problems(doc: Document, raw: dict[str, Any], db: Database,
                     facts: EngineFacts) -> Iterator[Problem]:
    """Problems with a `db_name` the blueprint sets (the default, "mall", is fine)."""
    if "db_name" not in raw or db.db_name is None:
        return
    if not facts.takes_db_name:
        yield doc.problem(WHERE, f"{db.engine} creates no database at launch — remove db_name")
        return
    if len(db.db_name) > facts.db_name_max:
        yield doc.problem(WHERE, f"{db.engine} database names have at most "
                                 f"{facts.db_name_max} characters — shorten it")
    engine = reserved_by(db.engine, db.db_name)
    if engine is not None:
        yield doc.problem(WHERE, f"'{db.db_name}' is a reserved word in {engine}, and RDS "
                                 "refuses reserved words as the database name — pick "
                                 f"another, e.g. '{db.db_name}_db'")
