"""Facts the render and the review share are written once (tfgen/render/module_facts.py,
tfgen/blueprint/engines.py); a copy elsewhere in the package or the templates fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import REPO

SOURCES = sorted([*(REPO / "tfgen").rglob("*.py"), *(REPO / "templates").rglob("*.j2")])

#: text of a fact -> the one file allowed to hold it (None: it is built, never written)
FACTS: dict[str, str | None] = {
    '"pub-"': "tfgen/render/module_facts.py",
    '"int-"': "tfgen/render/module_facts.py",
    "-final-{": "tfgen/render/module_facts.py",
    "-final-${": None,
    '"sqlserver-web"': "tfgen/blueprint/engines.py",
    '"oracle-se2"': "tfgen/blueprint/engines.py",
}


def _code(path: Path) -> str:
    """The file without comment lines (a comment may name a fact it does not decide)."""
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("#"))


@pytest.mark.parametrize("fact", list(FACTS))
def test_a_shared_fact_is_written_once(fact: str) -> None:
    holders = [p.relative_to(REPO).as_posix() for p in SOURCES if fact in _code(p)]
    home = FACTS[fact]
    allowed = {home, "tfgen/blueprint/model.py"}  # the blueprint's Engine literal
    assert set(holders) <= allowed, holders
    assert home is None or home in holders
