"""The stage ladder on one state: aws -> multi-az -> static-web -> cdn and back, then destroy.

Two ladders run side by side, each with its own moto process (tests/integration/ladder.py
walks one): the prod-like example (blueprints/shopping-mall.yaml, deletion protection ON
for the whole walk up and back down; only the final destroy lifts it, with a reviewed plan +
apply of `deletion_protection: false` first) and a dev-like blueprint (single NAT, no
domain) that walks up to cdn and is destroyed from there (RUNGS says why).
Every step goes through `tfgen plan --emulator URL --format json` and `tfgen apply`, and
must: apply completely; pass the stage's read-back checks (tests/integration/readback.py);
keep the database, the front-end bucket and the DNS records going up; refuse a stateful
destroy without `--allow-destroy`; and have been predicted exactly by the review (0 missed,
0 unexpected, beyond the emulator read-back noise that tfgen plan names itself).

The per-step table (predicted/actual/noise counts, replaced/destroyed addresses, seconds)
is printed (`pytest -s`) and written to `ladder.json` under the pytest tmp dir.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import EXAMPLE
from tests.integration.ladder import LADDER, UP, Ladder, Walk, format_table
from tests.integration.readback import MotoProcess
from tests.variants import dev_ladder_data
from tfgen.deploy.terraform_env import TerraformEnv

pytestmark = pytest.mark.integration


def prod_data() -> dict[str, Any]:
    """The example as shipped, starting at the bottom rung."""
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["stage"] = "aws"
    return data


LADDERS = {"prod": prod_data, "dev": dev_ladder_data}
#: The rungs each ladder walks. Prod walks up and all the way back down (protection on: the
#: harder case for every step down, and the exit-5 consent refusal at static-web -> multi-az).
#: Dev walks up only and is destroyed from cdn: its steps down differ from prod's only by the
#: resources a domain adds, which prod walks, and the whole `.ci/run` must stay under 45
#: minutes on two cores (CI of 317a0fd took 50, both ladders walking all six steps).
RUNGS: dict[str, tuple[str, ...]] = {"prod": LADDER, "dev": UP}


def _walk(name: str, tmp: Path, terraform_bin: Path, tf_env: TerraformEnv,
          wait: threading.Event | None, ready: threading.Event) -> Walk:
    walk = Walk(name)
    if wait is not None:
        wait.wait(timeout=900)
    moto = MotoProcess(tmp / "moto.log")
    try:
        ladder = Ladder(name, LADDERS[name](), tmp, moto, terraform_bin, tf_env,
                        log=lambda line: print(line, file=sys.stderr, flush=True))
        ladder.initialised = ready
        ladder.walk(walk, RUNGS[name])
    finally:
        ready.set()
        moto.stop()
    return walk


@pytest.fixture(scope="module")
def walks(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
          terraform_bin: Path, tf_env: TerraformEnv) -> Iterator[dict[str, Walk]]:
    """The selected ladders at once (`-k dev` walks one); each after the previous one's
    first `tfgen plan` has filled the plugin cache (not safe for concurrent first inits)."""
    selected = [item.callspec.params["name"] for item in request.session.items
                if item.module is not None and item.module.__name__ == __name__
                and hasattr(item, "callspec")]
    futures = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        previous: threading.Event | None = None
        for name in dict.fromkeys(selected):
            ready = threading.Event()
            futures[name] = pool.submit(_walk, name, tmp_path_factory.mktemp(f"ladder-{name}"),
                                        terraform_bin, tf_env, previous, ready)
            previous = ready
        result = {name: f.result() for name, f in futures.items()}
    table = format_table(list(result.values()))
    report = tmp_path_factory.getbasetemp() / "ladder.json"
    report.write_text(json.dumps({n: w.as_json() for n, w in result.items()}, indent=2),
                      encoding="utf-8")
    print(f"\nstage ladder on one state (table also in {report}):\n{table}")
    yield result


@pytest.mark.parametrize("name", list(LADDERS))
def test_ladder_walks_up_and_down_exactly_as_reviewed(name: str,
                                                      walks: dict[str, Walk]) -> None:
    walk = walks[name]
    if walk.error:
        done = [s.step for s in walk.steps]
        pytest.fail(f"{name} ladder failed after {done}:\n{walk.error}", pytrace=False)
    walked = [s.stage for s in walk.steps if s.step not in ("destroy",)
              and not s.step.startswith("lift")]
    assert walked == list(RUNGS[name])
    assert walk.steps[-1].step == "destroy"
    for step in walk.steps:
        assert step.missed == [] and step.unexpected == 0, step
