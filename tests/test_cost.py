"""The cost estimate of a render and of a step: bills per stage, the delta, its labels."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import EXAMPLE, example_data, write_blueprint
from tfgen.render.context import RenderContext
from tfgen.review import cost, cost_report, prices
from tfgen.review.diff import DiffReport, diff_sides, load_side, parse_side
from tfgen.review.diff_report import to_json_data, to_markdown, to_text

BP = str(EXAMPLE)


def _ctx(stage: str, path: str = BP) -> RenderContext:
    return load_side(parse_side(f"{path}@{stage}")).context


def _bill(stage: str, path: str = BP) -> cost.Bill:
    return cost.bill(_ctx(stage, path))


def _monthly(b: cost.Bill, key: str) -> float:
    line = b.line(key)
    assert line is not None and line.monthly is not None, key
    return line.monthly


def _variant(tmp_path: Path, name: str, **changes: Any) -> str:
    """The example blueprint with top-level and section changes (dicts are merged)."""
    data = example_data()
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    return str(write_blueprint(tmp_path, data, f"{name}.yaml"))


def _in_region(tmp_path: Path, region: str) -> str:
    return _variant(tmp_path, region, region=region,
                    availability_zones=[f"{region}a", f"{region}b"])


# --- the bill of each stage ----------------------------------------------------------------

def test_multi_az_costs_more_than_aws_and_the_standby_doubles_the_database() -> None:
    aws, multi = _bill("aws"), _bill("multi-az")
    assert aws.total < multi.total
    # Primary + standby: twice the single instance, from the table, not from a constant.
    assert _monthly(multi, "db_instances") == pytest.approx(2 * _monthly(aws, "db_instances"))
    price = prices.quote("rds.mysql.db.t3.medium", "ap-northeast-2").usd
    assert price is not None
    assert _monthly(aws, "db_instances") == pytest.approx(round(price * 730, 2))


def test_nat_per_az_costs_one_gateway_per_az_and_single_costs_one(tmp_path: Path) -> None:
    per_az = _bill("aws")
    single = _bill("aws", _variant(tmp_path, "single", network={"nat": "single"}))
    azs = len(example_data()["availability_zones"])
    assert _monthly(per_az, "nat_hours") == pytest.approx(azs * _monthly(single, "nat_hours"))
    assert _monthly(single, "nat_hours") == pytest.approx(0.059 * 730)  # Seoul's own price
    # One Elastic IP fewer per NAT gateway saved.
    ipv4 = _monthly(per_az, "public_ipv4") - _monthly(single, "public_ipv4")
    assert ipv4 == pytest.approx((azs - 1) * 0.005 * 730)


def test_read_replicas_are_billed_per_replica_with_their_own_storage(tmp_path: Path) -> None:
    assert _bill("aws").line("db_replicas") is None  # replicas arrive with multi-az
    one = _bill("multi-az")
    two = _bill("multi-az", _variant(tmp_path, "two", database={"read_replicas": 2}))
    assert _monthly(two, "db_replicas") == pytest.approx(2 * _monthly(one, "db_replicas"))
    gb = example_data()["database"]["allocated_storage"]
    assert _monthly(two, "db_storage") - _monthly(one, "db_storage") == pytest.approx(
        gb * 0.115, abs=0.01)


def test_later_stages_add_their_lines_and_drop_the_web_tier() -> None:
    static, cdn = _bill("static-web"), _bill("cdn")
    assert static.line("web_instances") is None  # the front end moved to S3
    assert _monthly(static, "s3_endpoint") == 0.0  # gateway endpoints are free
    assert static.line("cdn_egress") is None
    assert _monthly(cdn, "cdn_egress") == pytest.approx(100 * 0.120)  # viewers in Korea
    requests = cdn.line("cdn_requests")
    assert requests is not None and requests.monthly is None  # no price: said, not guessed
    assert cdn.incomplete


def test_every_line_states_its_assumption_and_hourly_lines_their_hours() -> None:
    for stage in ("aws", "multi-az", "static-web", "cdn"):
        for line in _bill(stage).lines:
            assert line.assumption, line.key
            if line.key in {"nat_hours", "alb_hours", "db_instances", "app_instances",
                            "public_ipv4"}:
                assert "730 h" in line.assumption, line.key


# --- the delta of a step -------------------------------------------------------------------

def test_the_aws_to_multi_az_delta_is_the_database_and_nothing_else() -> None:
    delta = cost.compare(_bill("aws"), _bill("multi-az"))
    changed = {r.key: r for r in delta.rows if r.changed}
    assert set(changed) == {"db_instances", "db_replicas", "db_storage"}
    assert not changed["db_replicas"].in_before and changed["db_replicas"].in_after
    assert delta.delta == pytest.approx(sum(r.delta for r in changed.values()), abs=0.01)
    assert delta.delta == pytest.approx(delta.after.total - delta.before.total, abs=0.01)
    back = cost.compare(_bill("multi-az"), _bill("aws"))
    assert back.delta == pytest.approx(-delta.delta)


def test_nothing_applied_yet_costs_nothing_before() -> None:
    report = diff_sides(f"{BP}@aws", f"{BP}@aws")
    empty = dataclasses.replace(report.old, resources={})
    delta = cost_report.of_report(dataclasses.replace(report, old=empty))
    assert delta.before.total == 0 and delta.before.lines == ()
    assert delta.delta == delta.after.total > 0


def test_the_multi_az_story_carries_the_computed_number() -> None:
    report = diff_sides(f"{BP}@aws", f"{BP}@multi-az")
    [(_, _, text)] = cost_report.narrative(report)
    assert "about twice" not in text
    assert "×2.00" in text and "$55.39 to $110.78" in text
    [(_, _, back)] = cost_report.narrative(diff_sides(f"{BP}@multi-az", f"{BP}@aws"))
    assert "$110.78 to $55.39" in back and "×0.50" in back


# --- regions -------------------------------------------------------------------------------

def test_seoul_lines_priced_at_us_east_1_say_so() -> None:
    delta = cost.compare(_bill("aws"), _bill("multi-az"))
    [warning] = [w for w in delta.warnings if "ap-northeast-2" in w]
    assert "rds.mysql.db.t3.medium" in warning and "us-east-1 prices used" in warning
    assert all(r.fallback for r in delta.rows if r.key.startswith("db_"))


def test_us_east_1_has_its_own_prices_and_no_fallback(tmp_path: Path) -> None:
    path = _in_region(tmp_path, "us-east-1")
    delta = cost.compare(_bill("aws", path), _bill("cdn", path))
    assert not any(r.fallback for r in delta.rows)
    assert _monthly(delta.after, "cdn_egress") == pytest.approx(100 * 0.085)
    assert [w for w in delta.warnings if "us-east-1 prices used" in w] == []


@pytest.mark.parametrize("region", ["eu-west-1", "eu-central-1"])
def test_european_variants_use_what_the_table_has(tmp_path: Path, region: str) -> None:
    b = _bill("aws", _in_region(tmp_path, region))
    alb = b.line("alb_hours")
    assert alb is not None
    if region == "eu-west-1":  # the one European ALB price found
        assert not alb.fallback and alb.monthly == pytest.approx(2 * 0.0252 * 730, abs=0.01)
    else:
        assert alb.fallback == ("alb_hour",)
    assert b.warnings == ()  # a researched region: no region-wide warning


# Filled from the price list transcriptions on 2026-12-04 (tfgen/review/prices.py): these items no
# longer borrow us-east-1's price in these regions.
_SOURCED = [
    ("nat_hour", "ap-northeast-2", 0.059), ("nat_gb", "ap-northeast-2", 0.059),
    ("nat_hour", "eu-west-1", 0.048), ("nat_gb", "eu-west-1", 0.048),
    ("ec2.t3.small", "ap-northeast-2", 0.026), ("ec2.t3.medium", "ap-northeast-2", 0.052),
    ("ec2.t3.micro", "eu-west-1", 0.0114), ("ebs.gp3_gb", "ap-northeast-2", 0.0912),
    ("rds.postgres.db.t3.micro", "us-east-1", 0.018),
    ("rds.postgres.db.t3.micro", "eu-central-1", 0.021),
]


@pytest.mark.parametrize(("item", "region", "usd"), _SOURCED)
def test_sourced_regional_prices_do_not_fall_back(item: str, region: str, usd: float) -> None:
    q = prices.quote(item, region)
    assert (q.usd, q.fallback) == (usd, False)
    entry = prices.TABLE[item][region]
    assert entry.source.startswith("https://") and entry.via  # where it was read


def test_the_seoul_example_prices_nat_and_instances_at_seoul_rates() -> None:
    b = _bill("aws")
    for key in ("nat_hours", "nat_data", "web_instances", "app_instances", "web_volumes"):
        line = b.line(key)
        assert line is not None and not line.fallback, key
    # Still unsourced for Seoul: the ALB and RDS MySQL lines keep the flagged fallback.
    alb, db = b.line("alb_hours"), b.line("db_instances")
    assert alb is not None and alb.fallback and db is not None and db.fallback


def test_an_unknown_region_falls_back_with_a_stated_warning(tmp_path: Path) -> None:
    b = _bill("aws", _in_region(tmp_path, "us-west-2"))
    [warning] = b.warnings
    assert "us-west-2 is not in the price table" in warning and "us-east-1" in warning
    assert b.total > 0
    q = prices.quote("nat_hour", "us-west-2")
    assert q.fallback and q.usd == 0.045 and "not in the price table" in q.note


def test_quote_never_invents_a_price() -> None:
    assert prices.quote("ec2.t3.nonexistent", "us-east-1").usd is None
    assert prices.quote("cloudfront.https_10k", "ap-northeast-2").usd is None
    own = prices.quote("public_ipv4_hour", "ap-northeast-2")
    assert own.usd == 0.005 and not own.fallback
    for item, entries in prices.TABLE.items():
        for region, price in entries.items():
            assert region in (*prices.REGIONS, prices.ALL), (item, region)
            assert price.usd is None or price.source.startswith("https://"), item
            assert price.usd is not None or price.note, item


# --- the review's formats ------------------------------------------------------------------

def _report() -> DiffReport:
    return diff_sides(f"{BP}@aws", f"{BP}@multi-az")


def test_text_shows_the_estimate_label_date_total_and_assumptions() -> None:
    out = to_text(_report())
    section = out[out.index("Monthly cost (estimate)"):out.index("Stage narrative")]
    assert prices.PRICES_DATE in section and "estimate" in section
    assert "$327.74 → $438.52 a month (+$110.78)" in section
    assert "database instances*" in section and "primary + Multi-AZ standby" in section
    assert "unchanged line(s) not shown" in section and "! no ap-northeast-2 price" in section


def test_markdown_has_the_small_table_and_the_headline() -> None:
    md = to_markdown(_report())
    assert f"**Monthly cost (estimate):** $327.74 → $438.52 a month (+$110.78), estimate: " \
           f"ap-northeast-2 list prices of {prices.PRICES_DATE}" in md
    assert "| line | before | after | delta | assumption |" in md
    assert "| **total** | **$327.74** | **$438.52** | **+$110.78** |" in md
    assert "| database read replicas* | — | $49.64 | +$49.64 |" in md


def test_json_has_a_cost_object_with_every_line() -> None:
    data = json.loads(json.dumps(to_json_data(_report())))
    c = data["cost"]
    assert c["estimate"] is True and c["prices_date"] == prices.PRICES_DATE
    assert c["region"] == "ap-northeast-2" and c["hours_per_month"] == 730
    assert c["delta"] == pytest.approx(110.78)
    assert len(c["rows"]) == len(c["after"]["lines"])  # no line left out of the JSON
    assert all(line["assumption"] for line in c["after"]["lines"])
    assert any("us-east-1 prices used" in w for w in c["warnings"])


def test_readme_and_docs_show_the_current_cost_line() -> None:
    """The README's cost line is real output; docs/cost.md names the table's date."""
    repo = EXAMPLE.parent.parent
    line = cost_report.headline(cost_report.of_report(_report()))
    assert line in (repo / "README.md").read_text(encoding="utf-8")
    docs = (repo / "docs" / "cost.md").read_text(encoding="utf-8")
    assert line in docs and f"read on {prices.PRICES_DATE}" in docs


def test_engines_without_prices_are_shown_unpriced_not_guessed(tmp_path: Path) -> None:
    path = _variant(tmp_path, "aurora", database={
        "engine": "aurora-mysql", "engine_version": "8.0", "instance_class": "db.r6g.large",
        "read_replicas": 0})
    b = _bill("multi-az", path)
    for key in ("db_instances", "db_storage"):
        line = b.line(key)
        assert line is not None and line.monthly is None and line.missing, key
    assert b.incomplete
    sentence = cost.multi_az_sentence(_ctx("multi-az", path))
    assert "no aurora-mysql db.r6g.large price in the table" in sentence
