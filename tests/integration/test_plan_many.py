"""`tfgen plan A B -j 2`: two small environments planned at once against moto.

Plan only (no apply): two overlays of the dev example at stage `aws`, without a domain,
each with its own names. The run must plan both (Terraform really ran: saved plans and
records exist), print the one-line-per-environment summary first and then one review per
environment, within --max-chars, and exit 0 (first plans are predicted exactly).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import example_base
from tfgen.deploy.terraform_env import TerraformEnv

CLI = [sys.executable, "-c", "from tfgen.cli import run; run()"]


def _env(tf_env: TerraformEnv, terraform_bin: Path) -> dict[str, str]:
    env = dict(os.environ)
    assert tf_env.cli_config_file is not None
    env.update({"TF_CLI_CONFIG_FILE": str(tf_env.cli_config_file),
                "TFGEN_TERRAFORM": str(terraform_bin), "NO_COLOR": "1", **tf_env.extra})
    return env


@pytest.mark.integration
def test_two_environments_planned_concurrently(tmp_path: Path, terraform_bin: Path,
                                               tf_env: TerraformEnv,
                                               moto_endpoint: str) -> None:
    project = tmp_path / "project"
    folder = project / "blueprints"
    folder.mkdir(parents=True)
    base = example_base(folder)
    for name in ("alpha", "beta"):
        (folder / f"{name}.yaml").write_text(
            f"extends: {base}\nenvironment: {name}\nnetwork:\n  vpc_cidr: 10.2{len(name)}.0.0/16\n"
            f"frontend:\n  bucket_name: tfgen-it-{name}-frontend\n", encoding="utf-8")
    start = time.monotonic()
    done = subprocess.run([*CLI, "plan", "blueprints/alpha.yaml", "blueprints/beta.yaml",
                           "-j", "2", "--emulator", moto_endpoint, "--format", "markdown",
                           "--max-chars", "6000"],
                          env=_env(tf_env, terraform_bin), cwd=project, capture_output=True,
                          text=True, timeout=300, check=False)
    elapsed = time.monotonic() - start
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    creates = []
    for name in ("alpha", "beta"):  # Terraform really planned: the saved plan and record
        plan_dir = project / "out" / name / ".tfgen" / "plan"
        assert (plan_dir / "tfplan").is_file()
        record = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
        assert record["environment"] == name and record["applicable"]
        creates.append(sum(c["action"] == "create" for c in record["changes"]))
        assert creates[-1] > 20
    md = done.stdout
    assert md.startswith("## tfgen plan: 2 environments\n\n"
                         f"- alpha: creates {creates[0]}\n- beta: creates {creates[1]}\n")
    assert len(md) <= 6000
    assert md.count("### tfgen diff:") == 2  # one review per environment, alpha first
    assert md.index("tfgen diff: nothing applied yet") < md.index("blueprints/beta.yaml")
    # Both ran at once: each environment's progress is prefixed on stderr.
    progress = [line for line in done.stderr.splitlines() if line.endswith("terraform plan")]
    assert sorted(progress) == ["[alpha] terraform plan", "[beta] terraform plan"]
    print(f"two environments planned with -j 2 in {elapsed:.1f} s")
