"""Every rendered stage and variant is `terraform fmt` clean and passes `terraform validate`
with the real hashicorp/aws provider (from the mirror, or the registry)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.variants import VARIANTS, write_variant
from tfgen.deploy.terraform import Terraform
from tfgen.deploy.terraform_env import TerraformEnv
from tfgen.outdir.output import apply_write, plan_write
from tfgen.project import render_blueprint

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_fmt_and_validate(variant: str, tmp_path: Path, terraform_bin: Path,
                          tf_env: TerraformEnv) -> None:
    rendered = render_blueprint(write_variant(tmp_path, variant), out_dir=tmp_path / "out")
    apply_write(plan_write(rendered.out_dir, rendered.files))
    tf = Terraform(terraform_bin, rendered.out_dir, tf_env)
    assert tf.fmt_check(recursive=True) == [], "terraform fmt would change these files"
    tf.init(backend=False)
    result = tf.validate()
    assert result["valid"], [d.get("summary") for d in result.get("diagnostics", [])]
    assert result.get("warning_count", 0) == 0, result.get("diagnostics")


@pytest.mark.parametrize("variant", ["aws", "cdn", "no-domain-cdn"])
def test_plan_asks_for_no_variables(variant: str, tmp_path: Path) -> None:
    """Every root variable has a default (the blueprint's value): plan needs no input."""
    import hcl2

    rendered = render_blueprint(write_variant(tmp_path, variant), out_dir=tmp_path / "out")
    parsed = hcl2.loads(rendered.files["variables.tf"])
    variables = {name: body for block in parsed["variable"] for name, body in block.items()}
    assert len(variables) >= 8
    assert [n for n, body in variables.items() if "default" not in body] == []
    assert all("description" in body and "type" in body for body in variables.values())


def test_no_secret_is_written(tmp_path: Path) -> None:
    rendered = render_blueprint(write_variant(tmp_path, "cdn"), out_dir=tmp_path / "out")
    text = "\n".join(rendered.files.values())
    assert re.findall(r"(?m)^\s*(?:master_)?password\s*=", text) == []
    assert "manage_master_user_password = true" in text
