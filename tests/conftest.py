"""Shared pytest options. `--update-golden` re-records snapshots on purpose."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current templates")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


#: The day the suite evaluates the support calendar (tfgen/blueprint/engines.py) against, so CI
#: does not change its verdict when a date in the table passes.
CALENDAR_DATE = "2026-12-03"


@pytest.fixture(autouse=True)
def _pinned_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TFGEN_TODAY", CALENDAR_DATE)


#: Integration modules in the order `make test` (pytest -n 3 --dist loadgroup) starts them.
#: The ladder goes first on a worker of its own: it is the longest test by far and mostly
#: waits on provider polling, so the rest of the suite runs beside it on the other workers.
#: Unit tests come next (so the one extra unit xdist queues behind the ladder is quick),
#: then the other integration modules, longest first (durations from `--durations` in CI).
INTEGRATION_ORDER = (
    "test_ladder", "test_apply", "test_workflow", "test_inventory_plan", "test_plan_agrees",
    "test_module_tests", "test_checkov", "test_plan_many", "test_emulator_moto",
    "test_wheel_install", "test_pre_commit_hooks", "test_schema_clients",
    "test_terraform_static", "test_harness",
)


def _start_rank(item: pytest.Item) -> int:
    """0 for the ladder, 1 for unit tests, then each integration module by INTEGRATION_ORDER."""
    module = item.module.__name__ if isinstance(item, pytest.Function) else ""
    if ".integration." not in f".{module}":
        return 1
    name = module.rsplit(".", 1)[-1]
    rank = INTEGRATION_ORDER.index(name) if name in INTEGRATION_ORDER else len(INTEGRATION_ORDER)
    return 0 if rank == 0 else rank + 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the run and keep each integration module on one xdist worker.

    Integration modules share expensive module-scoped fixtures (a rendered stack, an
    applied state); one `xdist_group` per module stops `--dist loadgroup` from building
    them once per worker. Unit tests stay ungrouped and spread over every worker.
    """
    items.sort(key=_start_rank)
    for item in items:
        if _start_rank(item) != 1 and isinstance(item, pytest.Function):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__.rsplit(".", 1)[-1]))
