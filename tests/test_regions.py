"""Regions and AZ letters come from the dated table; default AZs follow the region."""

from __future__ import annotations

import re

import pytest

from tfgen.blueprint import regions
from tfgen.blueprint.loader import Document
from tfgen.blueprint.validate import validate_document


def _doc(data: dict[str, object]) -> Document:
    return Document("t.yaml", data)


def test_changing_only_the_region_keeps_the_defaults_valid() -> None:
    bp = validate_document(_doc({"name": "ab", "region": "eu-central-1"}))
    assert bp.availability_zones == ["eu-central-1a", "eu-central-1b"]


@pytest.mark.parametrize("region", [r for r, f in regions.REGIONS.items() if f.default])
def test_every_region_with_a_default_validates_with_no_azs_given(region: str) -> None:
    bp = validate_document(_doc({"name": "ab", "region": region}))
    assert all(az in regions.zones(region) for az in bp.availability_zones)
    assert len(set(bp.availability_zones)) == 2


def test_the_table_is_dated_and_every_code_matches_the_root_module_regex() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", regions.CHECKED)
    for region, facts in regions.REGIONS.items():
        assert re.fullmatch(r"[a-z]{2}(-gov)?-[a-z]+-[0-9]", region), region
        assert facts.letters and facts.letters == "".join(sorted(set(facts.letters)))


def test_a_prefix_alone_no_longer_passes() -> None:
    """The old check accepted any letter after the region; the table does not."""
    with pytest.raises(Exception, match="eu-central-1z"):
        validate_document(_doc({"name": "ab", "region": "eu-central-1",
                                "availability_zones": ["eu-central-1a", "eu-central-1z"]}))
    with pytest.raises(Exception, match="did you mean eu-central-1"):
        validate_document(_doc({"name": "ab", "region": "eu-centrl-1"}))
