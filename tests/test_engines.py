"""The engine facts of issue 11 (points 2–5): support calendar against an injected date,
explicit licence model and lifecycle, Aurora minor drift ignored, the app tier's database
grant — each checked in the rendered code or the review, not just in the table."""

from __future__ import annotations

import datetime as dt
import typing
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, example_data, write_blueprint
from tfgen.blueprint import engines
from tfgen.blueprint.model import Engine
from tfgen.blueprint.stages import Stage
from tfgen.blueprint.validate import load_blueprint
from tfgen.errors import BlueprintInvalid
from tfgen.project import render_blueprint
from tfgen.review.diff import diff_sides

DB = "module.database.aws_db_instance.this[0]"


def test_calendar_is_evaluated_against_the_date_given() -> None:
    before, after = dt.date(2026, 7, 31), dt.date(2026, 8, 1)
    assert engines.past_standard_support("mysql", "8.0", before) is None
    assert engines.past_standard_support("mysql", "8.0.36", after) == dt.date(2026, 7, 31)
    assert engines.past_standard_support("postgres", "13.4", dt.date(2026, 12, 3))
    assert engines.past_standard_support("postgres", "17", dt.date(2026, 12, 3)) is None
    assert engines.past_standard_support("mariadb", "10.11", dt.date(2026, 12, 3)) is None
    assert engines.past_standard_support("aurora-mysql", "5.7.mysql_aurora.2.12.5",
                                          dt.date(2026, 12, 3)) == dt.date(2024, 10, 31)
    assert engines.past_standard_support("oracle-ee", "19", dt.date(2099, 1, 1)) is None
    assert engines.supported_majors("mysql", dt.date(2026, 12, 3)) == ["8.4"]


def test_every_default_version_is_in_standard_support_on_the_suite_date() -> None:
    today = dt.date.fromisoformat("2026-12-03")
    for name, facts in engines.ENGINES.items():
        assert engines.version_matches(name, facts.default_version), name
        assert engines.past_standard_support(name, facts.default_version, today) is None, name
    assert engines.ENGINES["mysql"].default_version == "8.4"
    assert engines.ENGINES["postgres"].default_version == "17"


def _with_database(tmp_path: Path, **database: str) -> Path:
    data = example_data()
    data["database"] = {"engine": "mysql", **database}
    return write_blueprint(tmp_path, data, "bp.yaml")


def test_validation_uses_the_pinned_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _with_database(tmp_path, engine_version="8.0")
    monkeypatch.setenv("TFGEN_TODAY", "2026-07-31")
    load_blueprint(path)  # the last day of standard support is still fine
    monkeypatch.setenv("TFGEN_TODAY", "2026-08-01")
    with pytest.raises(BlueprintInvalid, match="left RDS standard support on 2026-07-31"):
        load_blueprint(path)


@pytest.mark.parametrize(("engine", "license_model", "lifecycle"), [
    ("mysql", "general-public-license", "open-source-rds-extended-support-disabled"),
    ("mariadb", "general-public-license", None),
    ("postgres", "postgresql-license", "open-source-rds-extended-support-disabled"),
    ("oracle-se2", "license-included", None),
    ("oracle-ee", "bring-your-own-license", None),
    ("sqlserver-se", "license-included", None),
    ("aurora-postgresql", None, "open-source-rds-extended-support-disabled"),
])
def test_license_model_and_lifecycle_are_rendered(engine: str, license_model: str | None,
                                                  lifecycle: str | None,
                                                  tmp_path: Path) -> None:
    data = example_data()
    data["database"] = {"engine": engine, "instance_class": "db.r6g.large"}
    if engine.startswith("sqlserver") or engine.startswith("oracle"):
        data["database"]["db_name"] = None
    path = write_blueprint(tmp_path, data, "bp.yaml")
    rendered = render_blueprint(path, stage=Stage.AWS)
    db = rendered.context.values["database"]
    assert (db["license_model"], db["engine_lifecycle_support"]) == (license_model, lifecycle)
    module = rendered.files["modules/database/main.tf"]
    assert "license_model            = var.license_model" in module
    assert "engine_lifecycle_support = var.engine_lifecycle_support" in module


def test_aurora_cluster_ignores_engine_version_drift() -> None:
    module = render_blueprint(EXAMPLE).files["modules/database/main.tf"]
    cluster = module[module.index('resource "aws_rds_cluster" "this"'):]
    cluster = cluster[: cluster.index("\n}\n")]
    assert "ignore_changes = [engine_version]" in cluster
    assert "rds-aurora#228" in cluster


def test_aurora_version_change_plans_nothing(tmp_path: Path) -> None:
    data = example_data()
    data["database"] = {"engine": "aurora-postgresql", "instance_class": "db.r6g.large",
                        "engine_version": "16.6"}
    old = write_blueprint(tmp_path, data, "old.yaml")
    data["database"]["engine_version"] = "17.7"
    new = write_blueprint(tmp_path, data, "new.yaml")
    report = diff_sides(str(old), str(new))
    assert not [c for c in report.resources if "aws_rds_cluster" in c.address]


def test_app_tier_alone_gets_database_access() -> None:
    rendered = render_blueprint(EXAMPLE, stage=Stage.AWS)
    main = rendered.files["main.tf"]
    app = main[main.index('module "app"'):]
    app = app[: app.index("\n}\n")]
    web = main[main.index('module "web"'):]
    web = web[: web.index("\n}\n")]
    assert "secret_arn   = module.database.master_user_secret_arn" in app
    assert "DB_SECRET_ARN = module.database.master_user_secret_arn" in app
    assert "database_access" not in web
    tier = rendered.files["modules/tier/main.tf"]
    assert 'actions   = ["secretsmanager:GetSecretValue"]' in tier
    assert 'actions   = ["rds-db:connect"]' in tier
    assert "arn:aws:" not in tier
    actions = [line for line in tier.splitlines() if line.strip().startswith("actions")]
    assert not [a for a in actions if "kms:" in a]  # aws/secretsmanager: no kms grant needed
    outputs = rendered.files["modules/database/outputs.tf"]
    assert 'format("arn:%s:rds-db:%s:%s:dbuser:%s/%s"' in outputs
    assert "cluster_resource_id" in outputs and ".resource_id" in outputs


def test_review_states_the_licence(tmp_path: Path) -> None:
    data = example_data()
    old = write_blueprint(tmp_path, data, "old.yaml")
    data["database"] = {"engine": "oracle-ee", "instance_class": "db.r6g.large",
                        "db_name": "MALL"}
    new = write_blueprint(tmp_path, data, "new.yaml")
    report = diff_sides(str(old), str(new))
    licence = [r.message for r in report.risks if r.kind == "licence" and r.subject == DB]
    assert licence and "bring-your-own-license" in licence[0]
    assert "standby and each read replica" in licence[0]


def test_null_guards_in_validations_do_not_rely_on_short_circuit() -> None:
    """Terraform 1.11 evaluates both sides of `||`: `x == null || contains(..., x)` fails
    with "argument must not be null" when x is null (seen in a moto plan of the Aurora
    variant, whose license_model is null). A guard must be a conditional, or the other
    side must tolerate null (can/try)."""
    rendered = render_blueprint(EXAMPLE, stage=Stage.AWS).files
    bad = [f"{path}: {line.strip()}" for path, text in rendered.items()
           if path.endswith("variables.tf") for line in text.splitlines()
           if "condition" in line and "== null ||" in line
           and not line.split("== null ||", 1)[1].lstrip().startswith(("can(", "try("))]
    assert bad == []


def test_review_warns_that_enrolment_cannot_change_in_place() -> None:
    """A database created before tfgen rendered engine_lifecycle_support was enrolled by the
    API default; the first plan with tfgen's value is an in-place update AWS does not
    allow (RDS user guide, extended-support.html; terraform-provider-aws#44552)."""
    from tfgen.review.diff import ArgChange, ResourceChange
    from tfgen.review.inventory import Resource
    from tfgen.review.risks import change_risks

    args = {"identifier": "mall-db", "engine": "mysql",
            "engine_lifecycle_support": "open-source-rds-extended-support-disabled"}
    change = ResourceChange(
        address=DB, type="aws_db_instance", module="database", action="change",
        changes=[ArgChange("engine_lifecycle_support", "open-source-rds-extended-support",
                           "open-source-rds-extended-support-disabled", False)],
        old=Resource("aws_db_instance", "database",
                     {**args, "engine_lifecycle_support": "open-source-rds-extended-support"}),
        new=Resource("aws_db_instance", "database", args))
    messages = [r.message for r in change_risks(change) if r.kind == "licence"]
    assert messages and "only at create or restore" in messages[0]
    unchanged = ResourceChange(address=DB, type="aws_db_instance", module="database",
                               action="change", changes=[ArgChange("instance_class", "a", "b",
                                                                   False)],
                               old=change.new, new=change.new)
    assert not [r for r in change_risks(unchanged) if "restore" in r.message]


def test_the_blueprint_accepts_exactly_the_engines_tfgen_has_facts_for() -> None:
    assert set(typing.get_args(Engine)) == set(engines.ENGINES)
