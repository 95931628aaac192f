"""The us-east-1 provider alias stays declared below cdn (found by the ladder test).

Stepping cdn -> static-web on one state, `terraform plan` failed with "Provider
configuration not present ... module.cdn_certificate.aws_acm_certificate.this (orphan)":
the render at static-web dropped `provider "aws" { alias = "us_east_1" }` while the state
still held the certificate it created.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import example_data, write_blueprint
from tfgen.project import render_blueprint


@pytest.mark.parametrize("stage", ["aws", "multi-az", "static-web", "cdn"])
def test_alias_rendered_at_every_stage_with_a_domain(tmp_path: Path, stage: str) -> None:
    data = example_data()
    data["stage"] = stage
    rendered = render_blueprint(write_blueprint(tmp_path, data), out_dir=tmp_path / "out")
    assert 'alias  = "us_east_1"' in rendered.files["providers.tf"]
