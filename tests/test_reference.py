"""docs/blueprint-reference.md is generated from the model and must stay current."""

from __future__ import annotations

from tests.helpers import REPO
from tfgen.blueprint.reference import reference_markdown


def test_reference_doc_is_current() -> None:
    committed = (REPO / "docs" / "blueprint-reference.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), "run `python -m tfgen.blueprint.reference` and commit"


def test_every_field_is_described() -> None:
    undocumented = [line.split("`")[1] for line in reference_markdown().splitlines()
                    if line.startswith("| `") and line.endswith("|  |")]
    assert undocumented == []


def test_app_enabled_is_not_described_as_the_web_tier() -> None:
    [row] = [line for line in reference_markdown().splitlines()
             if line.startswith("| `app.enabled` |")]
    assert "web tier" not in row and "false` is an error" in row
