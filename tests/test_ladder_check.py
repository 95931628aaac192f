"""The ladder test's review check fails, naming the address, when a prediction is wrong.

Cheap stand-in for a whole ladder walk (tests/integration/test_ladder.py): the force-new
entry for the RDS `identifier` is removed (as a careless edit of tfgen/review/forcenew.py would),
a blueprint change renames the database, and the plan Terraform would make is written
down from the *correct* prediction (identifier change -> replace). The ladder's
`check_review` must then refuse the step and name the database's address. The real thing
was also done once by hand against moto (see the issue 9 report).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import example_data, write_blueprint
from tests.integration.ladder import StepFailed, StepRecord, check_review
from tfgen.review import forcenew
from tfgen.review.diff import check_plan, diff_sides
from tfgen.review.diff_report import to_json_data

DB = "module.database.aws_db_instance.this[0]"
_TERRAFORM = {"add": ["create"], "change": ["update"], "destroy": ["delete"],
              "replace": ["delete", "create"]}


def _sides(tmp: Path) -> tuple[str, str]:
    data = example_data()
    data["stage"] = "multi-az"
    old = write_blueprint(tmp, data, "old.yaml")
    data["environment"] = "staging"  # the database identifier is <name>-<environment>
    new = write_blueprint(tmp, data, "new.yaml")
    return str(old), str(new)


def _plan_from(report: Any) -> dict[str, Any]:
    """The `terraform show -json` shape of exactly what `report` predicts."""
    return {"format_version": "1.2", "resource_changes": [
        {"address": c.address, "mode": "managed", "type": c.type, "name": c.address,
         "change": {"actions": _TERRAFORM[c.action], "before": {}, "after": {}}}
        for c in report.resources]}


def test_correct_prediction_passes_and_wrong_one_names_the_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = _sides(tmp_path)
    right = diff_sides(old, new)
    assert {c.address: c.action for c in right.resources}[DB] == "replace"
    plan = _plan_from(right)
    check_plan(right, plan)
    check_review("right", {"review": to_json_data(right)}, StepRecord("right", "multi-az"), [])

    monkeypatch.setitem(forcenew.FORCE_NEW, "aws_db_instance",
                        forcenew.FORCE_NEW["aws_db_instance"] - {"identifier"})
    wrong = diff_sides(old, new)
    assert {c.address: c.action for c in wrong.resources}[DB] == "change"
    check_plan(wrong, plan)
    with pytest.raises(StepFailed, match=r"module\.database\.aws_db_instance\.this\[0\]"):
        check_review("wrong", {"review": to_json_data(wrong)}, StepRecord("wrong", "multi-az"),
                     [])
