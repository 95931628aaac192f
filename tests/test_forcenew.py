"""Every entry of the force-new table, exercised through the diff engine: changing that
argument of a rendered resource must predict a replacement (and other arguments must not)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, example_data, write_blueprint
from tfgen.blueprint.stages import Stage
from tfgen.project import render_blueprint
from tfgen.review.diff import compare_inventories
from tfgen.review.forcenew import FORCE_NEW, forces_replacement
from tfgen.review.inventory import Inventory, Ref, inventory

ENTRIES = sorted((t, a) for t, args in FORCE_NEW.items() for a in args)


@cache
def _pool() -> tuple[Inventory, ...]:
    """Renders that together contain every resource type tfgen emits."""
    import tempfile

    out = [inventory(render_blueprint(EXAMPLE, stage=s).context) for s in Stage]
    data = example_data()
    data["database"] = {"engine": "aurora-mysql", "instance_class": "db.r6g.large",
                        "read_replicas": 1}
    data["dns"]["health_check"] = True  # opt-in since issue 11: keep its entries checked
    data["dns"]["alarm_email"] = "ops@example.com"  # and the alarm's subscription
    folder = Path(tempfile.mkdtemp(prefix="tfgen-forcenew-"))
    out.append(inventory(render_blueprint(write_blueprint(folder, data),
                                          stage=Stage.MULTI_AZ).context))
    return tuple(out)


def _different(value: object) -> object:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, Ref):
        return Ref(value.address + "-other", value.attribute)
    if isinstance(value, list):
        return [*value, "extra.example.com"]
    return f"{value}-changed"


def _find(rtype: str, arg: str) -> tuple[Inventory, str]:
    for inv in _pool():
        for addr, res in inv.items():
            if res.type == rtype and arg in res.args:
                return inv, addr
    raise AssertionError(f"no rendered {rtype} has argument {arg}: stale table entry?")


@pytest.mark.parametrize(("rtype", "arg"), ENTRIES, ids=[f"{t}.{a}" for t, a in ENTRIES])
def test_changing_a_force_new_argument_predicts_replacement(rtype: str, arg: str) -> None:
    inv, addr = _find(rtype, arg)
    res = inv[addr]
    changed = dict(inv)
    changed[addr] = replace(res, args={**res.args, arg: _different(res.args[arg])})
    result = {c.address: c for c in compare_inventories(inv, changed)}
    assert result[addr].action == "replace"
    assert [c.name for c in result[addr].changes if c.forces_replacement] == [arg]


def test_every_rendered_type_is_known_or_deliberately_in_place() -> None:
    in_place = {"aws_internet_gateway", "aws_cloudfront_distribution",
                "aws_cloudfront_cache_policy", "aws_cloudfront_origin_access_control"}
    types = {r.type for inv in _pool() for r in inv.values()}
    assert types - set(FORCE_NEW) == in_place
    assert set(FORCE_NEW) <= types


@pytest.mark.parametrize(("rtype", "arg"), [
    ("aws_launch_template", "instance_type"), ("aws_db_instance", "multi_az"),
    ("aws_db_instance", "instance_class"), ("aws_lb_listener", "port"),
    ("aws_autoscaling_group", "max_size"), ("aws_s3_bucket_public_access_block",
                                            "block_public_policy"),
])
def test_other_arguments_change_in_place(rtype: str, arg: str) -> None:
    assert not forces_replacement(rtype, arg)
    inv, addr = _find(rtype, arg)
    res = inv[addr]
    changed = {**inv, addr: replace(res, args={**res.args, arg: _different(res.args[arg])})}
    result = {c.address: c for c in compare_inventories(inv, changed)}
    assert result[addr].action == "change"
