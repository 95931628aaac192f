"""The blueprint JSON Schema: current, well-formed, closed, described, and pointed at.

The real clients (check-jsonschema, yaml-language-server) are driven in
tests/integration/test_schema_clients.py; these are the fast checks of the schema itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from pydantic import AfterValidator, BaseModel, BeforeValidator

from tests.helpers import REPO
from tfgen.blueprint import model as blueprint
from tfgen.blueprint.schema import (
    FIELD_RULES,
    FILE_MATCH,
    MODELINE,
    SCHEMA_FILE,
    SCHEMA_ID,
    blueprint_schema,
    schema_text,
)
from tfgen.cli import main

COMMITTED = REPO / SCHEMA_FILE
EXAMPLES = sorted([*(REPO / "blueprints").rglob("*.yaml"), *(REPO / "examples").glob("*.yaml")])


def test_committed_schema_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), \
        "run `python -m tfgen.blueprint.schema` " \
        "(or `tfgen schema -o schema/blueprint.schema.json`) " \
        "and commit"


def test_it_is_a_valid_draft_2020_12_schema_with_an_id_and_title() -> None:
    schema = blueprint_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("https://") and schema["title"]


def test_every_object_is_closed_and_every_key_described() -> None:
    models = blueprint_schema()["$defs"]
    assert len(models) == 2 * 10  # ten models, each also as an overlay
    for where, model in models.items():
        assert model.get("additionalProperties") is False, where
        undescribed = [k for k, v in model["properties"].items() if not v.get("description")]
        assert undescribed == [], where


def test_defaults_enums_and_ranges_come_from_the_model() -> None:
    defs = blueprint_schema()["$defs"]
    database = defs["Database"]["properties"]
    assert database["engine"]["default"] == "mysql"
    assert "aurora-postgresql" in database["engine"]["enum"]
    assert (database["read_replicas"]["minimum"], database["read_replicas"]["maximum"]) == (0, 5)
    assert defs["Blueprint"]["properties"]["network"]["default"]["nat"] == "per-az"
    assert defs["Blueprint"]["required"] == ["name"]
    assert "required" not in defs["overlay-Blueprint"]


def _validated(field: Any) -> bool:
    """Whether a pydantic field runs a Python validator (possibly inside an Optional)."""
    kinds = (AfterValidator, BeforeValidator)
    return any(isinstance(m, kinds) for m in field.metadata) or \
        "Validator(" in repr(field.annotation)


def test_every_python_validator_is_restated_or_handled() -> None:
    """A new validator in tfgen/blueprint/model.py must get a schema rule (or a reason here)."""
    handled_elsewhere = {"Blueprint.stage"}  # tfgen/blueprint/schema.py `_defaults`: parse_stage
    missing = []
    for name in dir(blueprint):
        model = getattr(blueprint, name)
        if not (isinstance(model, type) and issubclass(model, BaseModel)
                and model.__module__ == blueprint.__name__ and name != "_Model"):
            continue
        for key, field in model.model_fields.items():
            dotted = f"{name}.{key}"
            if _validated(field) and dotted not in FIELD_RULES | dict.fromkeys(
                    handled_elsewhere):
                missing.append(dotted)
    assert missing == []


def test_cli_prints_the_schema_and_checks_a_copy(tmp_path: Path) -> None:
    runner = CliRunner()
    printed = runner.invoke(main, ["schema"])
    assert printed.exit_code == 0 and printed.output == schema_text()
    assert json.loads(printed.output)["$id"]
    stale = tmp_path / "old.json"
    stale.write_text("{}\n")
    checked = runner.invoke(main, ["schema", "--check", str(stale)])
    assert checked.exit_code == 3 and "out of date" in checked.output
    written = runner.invoke(main, ["schema", "--output", str(tmp_path / "s" / "b.json")])
    assert written.exit_code == 0
    ok = runner.invoke(main, ["schema", "--check", str(tmp_path / "s" / "b.json")])
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_starts_with_the_modeline_to_the_committed_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(MODELINE), path
    target = (path.parent / first.removeprefix(MODELINE)).resolve()
    assert target == COMMITTED.resolve()


def test_readme_suggests_the_modeline_the_globs_and_the_id() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"{MODELINE}../{SCHEMA_FILE}" in readme
    assert json.dumps(list(FILE_MATCH)) in readme and SCHEMA_ID in readme
