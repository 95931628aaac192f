"""Every child module's own `tests/<module>.tftest.hcl` passes `terraform test`, at every stage.

The real terraform binary runs each rendered module's test with the mocked AWS provider
(`mock_provider "aws"`; the real hashicorp/aws from the mirror supplies the schema and
checks the arguments), the way a user runs it inside `modules/<module>/`. Issue 14.

Cost: a module's `.tf` files are the same at every stage (checked below), so each module
gets one directory holding the distinct test files of all four stages, one
`terraform init` is shared by all of them (same provider requirements), and the modules
run three at a time. A last job breaks IMDSv2 in a copy of the tier module and expects
its test to say so: the tests can fail.
"""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE
from tfgen.project import render_blueprint
from tfgen.stages import Stage
from tfgen.terraform import RunResult, Terraform
from tfgen.terraform_env import TerraformEnv

pytestmark = pytest.mark.integration


def _module_dirs(work: Path) -> dict[str, list[str]]:
    """Write one directory per module; module -> the stages whose test file it runs."""
    trees: dict[str, dict[str, str]] = {}
    tests: dict[str, dict[str, list[str]]] = {}  # module -> test text -> stages
    for stage in Stage:
        files = render_blueprint(EXAMPLE, stage=stage).files
        modules = {path.split("/")[1] for path in files if path.startswith("modules/")}
        for module in modules:
            prefix = f"modules/{module}/"
            own = {p.removeprefix(prefix): t for p, t in files.items() if p.startswith(prefix)}
            test = own.pop(f"tests/{module}.tftest.hcl", None)
            assert test is not None, f"{stage.value}: module {module} ships no test"
            assert trees.setdefault(module, own) == own, (
                f"module {module} differs between stages: one directory cannot test them all")
            tests.setdefault(module, {}).setdefault(test, []).append(stage.value)
    for module, own in trees.items():
        for relpath, text in own.items():
            (work / module / relpath).parent.mkdir(parents=True, exist_ok=True)
            (work / module / relpath).write_text(text, encoding="utf-8")
        (work / module / "tests").mkdir()
        for text, stages in tests[module].items():
            (work / module / "tests" / f"{stages[0]}.tftest.hcl").write_text(text, encoding="utf-8")
    return {module: [s for stages in tests[module].values() for s in stages] for module in trees}


def test_every_module_passes_its_own_terraform_test(tmp_path: Path, terraform_bin: Path,
                                                    tf_env: TerraformEnv) -> None:
    modules = _module_dirs(tmp_path)
    assert set(modules) >= {"network", "security", "load_balancer", "tier", "database",
                            "static_site", "cdn", "certificate", "dns"}
    assert all(len(stages) == len(Stage) for m, stages in modules.items()
               if m in ("network", "security", "load_balancer", "tier", "database"))

    # The negative control: IMDSv2 made optional in a copy of the tier module.
    broken = tmp_path / "tier-broken"
    shutil.copytree(tmp_path / "tier", broken)
    main = broken / "main.tf"
    text = main.read_text(encoding="utf-8")
    assert 'http_tokens                 = "required"' in text
    main.write_text(text.replace('http_tokens                 = "required"',
                                 'http_tokens                 = "optional"'), encoding="utf-8")

    names = sorted(modules)
    first = tmp_path / names[0]
    Terraform(terraform_bin, first, tf_env).init(backend=False)
    for name in [*names[1:], "tier-broken"]:
        shutil.copy(first / ".terraform.lock.hcl", tmp_path / name)
        (tmp_path / name / ".terraform").symlink_to(first / ".terraform")

    def run(name: str) -> tuple[str, RunResult]:
        tf = Terraform(terraform_bin, tmp_path / name, tf_env, timeout=300)
        return name, tf.run(["test", "-no-color"], ok_codes=(0, 1))

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(pool.map(run, ["tier-broken", *names]))

    bad = results.pop("tier-broken")
    assert bad.exit_code == 1, bad.stdout
    assert "Instances must require IMDSv2" in bad.stderr, bad.stderr

    failed = {name: f"{r.stdout}\n{r.stderr}" for name, r in results.items() if r.exit_code}
    assert not failed, "\n\n".join(f"== {name}\n{out}" for name, out in failed.items())
    for name, result in results.items():
        passed = re.search(r"Success! (\d+) passed, 0 failed", result.stdout)
        assert passed and int(passed.group(1)) >= 1, f"{name}: {result.stdout}"
