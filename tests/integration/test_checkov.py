"""checkov over every rendered stage and variant: zero failed checks.

A check tfgen does not satisfy is either fixed in templates/modules or skipped inline in
the template with `#checkov:skip=CKV_...:reason`; this test fails on any failed check and
on any skip without a reason. checkov clashes with moto's dependencies (it pins
packaging<24 and an old boto3), so it lives in its own venv: `make checkov` creates
`.venv-checkov/`; $TFGEN_CHECKOV points at another checkov executable.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO
from tests.variants import VARIANTS, write_variant
from tfgen.outdir.output import apply_write, plan_write
from tfgen.project import render_blueprint

pytestmark = [pytest.mark.integration, pytest.mark.checkov]

CHECKOV_VERSION = "3.3.30"
REQUIRE_ENV = "TFGEN_REQUIRE_INTEGRATION"


@pytest.fixture(scope="session")
def checkov_bin() -> Path:
    """$TFGEN_CHECKOV, else .venv-checkov/bin/checkov; fails under CI, else skips loudly."""
    chosen = os.environ.get("TFGEN_CHECKOV")
    candidate = Path(chosen) if chosen else REPO / ".venv-checkov" / "bin" / "checkov"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which(chosen) if chosen else None
    if found:
        return Path(found)
    message = f"checkov not found at {candidate} (run `make checkov` or set TFGEN_CHECKOV)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {message}", pytrace=False)
    pytest.skip(f"CHECKOV TESTS SKIPPED (set {REQUIRE_ENV}=1 to fail instead): {message}")


def run_checkov(binary: Path, directory: Path) -> dict[str, Any]:
    """checkov on a rendered tree (offline: --skip-download); returns its terraform report."""
    proc = subprocess.run(
        [
            str(binary),
            "-d",
            str(directory),
            "--framework",
            "terraform",
            "--skip-download",
            "--compact",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    # Exit 1 means "failed checks"; anything else non-zero, or no JSON, is a broken run.
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    if isinstance(report, list):  # one entry per framework
        [report] = [r for r in report if r.get("check_type") == "terraform"]
    assert isinstance(report, dict)
    return report


def test_checkov_is_the_pinned_version(checkov_bin: Path) -> None:
    out = subprocess.run([str(checkov_bin), "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == CHECKOV_VERSION


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_checkov_has_no_failed_check(variant: str, tmp_path: Path, checkov_bin: Path) -> None:
    rendered = render_blueprint(write_variant(tmp_path, variant), out_dir=tmp_path / "out")
    apply_write(plan_write(rendered.out_dir, rendered.files))
    report = run_checkov(checkov_bin, rendered.out_dir)
    summary = report["summary"]
    print(
        f"\ncheckov {variant}: passed {summary['passed']}, failed {summary['failed']}, "
        f"skipped {summary['skipped']}"
    )
    assert summary["parsing_errors"] == 0
    assert summary["resource_count"] >= 40 and summary["passed"] >= 100  # it really checked
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert failed == [], "fix these in templates/modules or skip them inline with a reason"
    no_reason = [
        f"{c['check_id']} {c['resource']}"
        for c in report["results"]["skipped_checks"]
        if not (c.get("check_result", {}).get("suppress_comment") or "").strip()
    ]
    assert no_reason == [], "every inline skip needs a reason"
