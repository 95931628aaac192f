"""Every child module's own `tests/<module>.tftest.hcl` passes `terraform test`, at every stage.

The real terraform binary runs each rendered module's test with the mocked AWS provider
(`mock_provider "aws"`; the real hashicorp/aws from the mirror supplies the schema and
checks the arguments), the way a user runs it inside `modules/<module>/`. Issue 14.

Cost: a module's `.tf` files are the same at every stage (checked below), so each module
gets one directory holding the distinct test files of all four stages, one
`terraform init` is shared by all of them (same provider requirements), and the modules
run three at a time. Two more jobs break a copy of a module (IMDSv2 in tier, the health
check the alarm watches in health_alarm) and expect its test to say so: the tests can fail.

The example blueprint has no Route 53 health check, so each stage is rendered twice more
with one, with and without an alarm email: that renders modules/health_alarm, whose test
then runs at every stage for both, and the dns test with its health check on.

The example is MySQL, whose database module renders no edition/class lookup
(orderable.tf, SQL Server and Oracle only): a SQL Server Standard render's database
module runs too, where RDS (mocked) refusing the class or its Multi-AZ must stop the
plan, and a copy with the class postcondition weakened must fail its test.
"""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, example_data, write_blueprint
from tfgen.blueprint.stages import Stage
from tfgen.deploy.terraform import RunResult, Terraform
from tfgen.deploy.terraform_env import TerraformEnv
from tfgen.project import render_blueprint

pytestmark = pytest.mark.integration


#: module -> (text of its main.tf, what a broken copy says instead, the failure expected).
_BREAKS: dict[str, tuple[str, str, str]] = {
    "tier": ('http_tokens                 = "required"', 'http_tokens                 = "optional"',
             "Instances must require IMDSv2"),
    "health_alarm": ("HealthCheckId = var.health_check_id", 'HealthCheckId = "another-check"',
                     "The alarm's only dimension must be HealthCheckId"),
}


def _with_health_check(work: Path, email: str | None) -> Path:
    """The example with a health check (and an alarm email or none), under the example's
    file name (the generated files' header names it, and the module trees must match)."""
    data = example_data()
    data["dns"].update(health_check=True, alarm_email=email)
    return write_blueprint(work / f"variant-{bool(email)}", data, EXAMPLE.name)


def _module_dirs(work: Path) -> dict[str, list[str]]:
    """Write one directory per module; module -> the stages whose test file it runs."""
    trees: dict[str, dict[str, str]] = {}
    tests: dict[str, dict[str, list[str]]] = {}  # module -> test text -> renders (labels)
    renders = [(EXAMPLE, ""), (_with_health_check(work, "ops@example.com"), "-health-check"),
               (_with_health_check(work, None), "-no-email")]
    for (blueprint, suffix), stage in [(r, st) for r in renders for st in Stage]:
        label = f"{stage.value}{suffix}"
        files = render_blueprint(blueprint, stage=stage).files
        modules = {path.split("/")[1] for path in files if path.startswith("modules/")}
        for module in modules:
            prefix = f"modules/{module}/"
            own = {p.removeprefix(prefix): t for p, t in files.items() if p.startswith(prefix)}
            test = own.pop(f"tests/{module}.tftest.hcl", None)
            assert test is not None, f"{label}: module {module} ships no test"
            assert trees.setdefault(module, own) == own, (
                f"module {module} differs between renders: one directory cannot test them all")
            tests.setdefault(module, {}).setdefault(test, []).append(label)
    for module, own in trees.items():
        for relpath, text in own.items():
            (work / module / relpath).parent.mkdir(parents=True, exist_ok=True)
            (work / module / relpath).write_text(text, encoding="utf-8")
        (work / module / "tests").mkdir()
        for text, labels in tests[module].items():
            (work / module / "tests" / f"{labels[0]}.tftest.hcl").write_text(text, encoding="utf-8")
    return {module: [label.split("-health-check")[0].split("-no-email")[0]
                     for labels in tests[module].values() for label in labels]
            for module in trees}


#: The class postcondition of orderable.tf, weakened in the negative control.
ORDERABLE_CONDITION = "condition     = self.instance_class == var.instance_class"


def _database_module(work: Path, folder: str, engine: str, instance_class: str) -> Path:
    """`folder`/: the database module (with its test) of a render with `engine`."""
    blueprint = write_blueprint(work, {"name": "shop", "database": {
        "engine": engine, "instance_class": instance_class}}, name=f"{folder}.yaml")
    module = work / folder
    for path, text in render_blueprint(blueprint).files.items():
        if path.startswith("modules/database/"):
            target = module / path.removeprefix("modules/database/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    return module


def _sql_server_database(work: Path) -> None:
    """database-sqlserver/ (SQL Server Standard render), database-sqlserver-broken/ and
    database-sqlserver-ex/ (Express: no Multi-AZ, so its test expects multi_az refused)."""
    module = _database_module(work, "database-sqlserver", "sqlserver-se", "db.m5.large")
    _database_module(work, "database-sqlserver-ex", "sqlserver-ex", "db.t3.small")
    broken = work / "database-sqlserver-broken"
    shutil.copytree(module, broken)
    orderable = broken / "orderable.tf"
    text = orderable.read_text(encoding="utf-8")
    assert ORDERABLE_CONDITION in text
    orderable.write_text(text.replace(ORDERABLE_CONDITION,
                                      'condition     = self.instance_class != ""'),
                         encoding="utf-8")


def test_every_module_passes_its_own_terraform_test(tmp_path: Path, terraform_bin: Path,
                                                    tf_env: TerraformEnv) -> None:
    modules = _module_dirs(tmp_path)
    assert set(modules) >= {"network", "security", "load_balancer", "tier", "database",
                            "static_site", "cdn", "certificate", "dns", "health_alarm"}
    assert all(set(stages) == {s.value for s in Stage} for m, stages in modules.items()
               if m in ("network", "security", "load_balancer", "tier", "database",
                        "dns", "health_alarm"))

    # The negative controls: IMDSv2 made optional in a copy of the tier module, the alarm
    # pointed at another health check in a copy of health_alarm.
    for module, (old, new, _) in _BREAKS.items():
        main = shutil.copytree(tmp_path / module, tmp_path / f"{module}-broken") / "main.tf"
        text = main.read_text(encoding="utf-8")
        assert old in text, f"{module}: {old!r} not in main.tf"
        main.write_text(text.replace(old, new), encoding="utf-8")
    broken = [f"{module}-broken" for module in _BREAKS]

    _sql_server_database(tmp_path)
    names = sorted([*modules, "database-sqlserver", "database-sqlserver-ex"])
    first = tmp_path / names[0]
    Terraform(terraform_bin, first, tf_env).init(backend=False)
    for name in [*names[1:], *broken, "database-sqlserver-broken"]:
        shutil.copy(first / ".terraform.lock.hcl", tmp_path / name)
        (tmp_path / name / ".terraform").symlink_to(first / ".terraform")

    def run(name: str) -> tuple[str, RunResult]:
        tf = Terraform(terraform_bin, tmp_path / name, tf_env, timeout=300)
        return name, tf.run(["test", "-no-color"], ok_codes=(0, 1))

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(pool.map(run, [*broken, "database-sqlserver-broken", *names]))

    for module, (_, _, message) in _BREAKS.items():
        bad = results.pop(f"{module}-broken")
        assert bad.exit_code == 1, bad.stdout
        assert message in bad.stderr, bad.stderr
    bad = results.pop("database-sqlserver-broken")
    assert bad.exit_code == 1, bad.stdout
    assert 'run "edition_not_offered_on_class"... fail' in bad.stdout, bad.stdout
    for run_name in ("edition_not_offered_on_class", "edition_not_multi_az_on_class"):
        assert f'run "{run_name}"... pass' in results["database-sqlserver"].stdout
    assert 'run "multi_az_refused"... pass' in results["database-sqlserver-ex"].stdout

    failed = {name: f"{r.stdout}\n{r.stderr}" for name, r in results.items() if r.exit_code}
    assert not failed, "\n\n".join(f"== {name}\n{out}" for name, out in failed.items())
    for name, result in results.items():
        passed = re.search(r"Success! (\d+) passed, 0 failed", result.stdout)
        assert passed and int(passed.group(1)) >= 1, f"{name}: {result.stdout}"
