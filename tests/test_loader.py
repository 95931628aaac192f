"""The YAML loader: positions for every value, and refusals of what a blueprint never needs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tfgen.blueprint.loader import Mark, dotted, parse_document, read_document
from tfgen.errors import BlueprintInvalid


def _problems(text: str | bytes) -> list[str]:
    with pytest.raises(BlueprintInvalid) as caught:
        parse_document(text, "bp.yaml")
    return [str(p) for p in caught.value.problems]


def test_positions_of_keys_and_values() -> None:
    doc = parse_document("name: shop\nweb:\n  port: 80\nazs: [a, b]\n", "bp.yaml")
    assert doc.data == {"name": "shop", "web": {"port": 80}, "azs": ["a", "b"]}
    assert doc.value_marks[("web", "port")] == Mark(3, 9)
    assert doc.key_marks[("web", "port")] == Mark(3, 3)
    assert doc.value_marks[("azs", 1)] == Mark(4, 10)
    # a missing path is located at its nearest ancestor
    assert doc.mark_of(("web", "min_size")) == Mark(3, 3)
    assert doc.problem(("azs", 1), "bad").line == 4


def test_dotted_paths() -> None:
    assert dotted(("network", "subnets", "ap-northeast-2a", "app")) == \
        "network.subnets.ap-northeast-2a.app"
    assert dotted(("availability_zones", 0)) == "availability_zones[0]"


def test_bom_and_dates_and_ordinary_aliases() -> None:
    doc = parse_document("\ufeffname: shop\nwhen: 2024-01-02\nweb: &t {port: 80}\napp: *t\n",
                         "bp.yaml")
    assert doc.data["when"] == "2024-01-02"  # a date-looking value stays text
    assert doc.data["app"] == {"port": 80}


def test_tabs_everywhere_are_all_reported() -> None:
    assert _problems("name: shop\nweb:\n\tport: 80\n\tmin_size: 2\n") == [
        "bp.yaml:3:1: tab used for indentation — YAML needs spaces",
        "bp.yaml:4:1: tab used for indentation — YAML needs spaces"]


def test_invalid_utf8_is_located() -> None:
    assert _problems(b"name: shop\nx: \xff\n") == [
        "bp.yaml:2:4: byte 0xff is not valid UTF-8 — save the file as UTF-8"]


def test_deep_flow_nesting_does_not_exhaust_the_stack() -> None:
    [problem] = _problems("name: " + "[" * 50_000)
    assert "nested deeper than 32 levels" in problem


def test_a_directory_or_fifo_is_not_read(tmp_path: Path) -> None:
    with pytest.raises(BlueprintInvalid, match="is a directory"):
        read_document(tmp_path)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(BlueprintInvalid, match="is not a regular file"):
        read_document(fifo)  # would block forever if it were opened

