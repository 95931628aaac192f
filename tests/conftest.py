"""Shared pytest options. `--update-golden` re-records snapshots on purpose."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current templates")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


#: The day the suite evaluates the support calendar (tfgen/engines.py) against, so CI
#: does not change its verdict when a date in the table passes.
CALENDAR_DATE = "2026-12-03"


@pytest.fixture(autouse=True)
def _pinned_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TFGEN_TODAY", CALENDAR_DATE)
