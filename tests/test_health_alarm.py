"""The Route 53 health check is wired to a CloudWatch alarm and an SNS topic (issue 11, 9).

A health check no record fails over on and no alarm watches only costs money. Route 53
publishes `AWS/Route53 HealthCheckStatus` to CloudWatch in us-east-1 only, so the alarm
(and the topic it notifies) must be created through the `aws.us_east_1` provider alias.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import example_data, write_blueprint
from tfgen.errors import InputError
from tfgen.project import render_blueprint
from tfgen.review.cost import bill
from tfgen.review.inventory import Ref, inventory


def _data(**dns: Any) -> dict[str, Any]:
    data = example_data()
    data["region"] = "eu-west-1"
    data["availability_zones"] = ["eu-west-1a", "eu-west-1b"]
    data["dns"].update(dns)
    return data


def _block(text: str, header: str) -> str:
    start = text.index(header)
    return text[start:text.index("\n}\n", start) + 2]


def test_health_check_comes_with_an_alarm_in_us_east_1(tmp_path: Path) -> None:
    rendered = render_blueprint(write_blueprint(tmp_path, _data(
        health_check=True, alarm_email="ops@example.com")), out_dir=tmp_path / "out")
    call = _block(rendered.files["main.tf"], 'module "health_alarm"')
    assert "aws = aws.us_east_1" in call
    assert "health_check_id = module.dns.health_check_id" in call
    alarm = _block(rendered.files["modules/health_alarm/main.tf"],
                   'resource "aws_cloudwatch_metric_alarm" "this"')
    for line in ('namespace         = "AWS/Route53"', 'metric_name       = "HealthCheckStatus"',
                 "HealthCheckId = var.health_check_id",
                 "alarm_actions      = [aws_sns_topic.this.arn]"):
        assert line in alarm, line
    assert "health_alarm_topic_arn" in rendered.files["outputs.tf"]

    inv = inventory(rendered.context)
    assert inv["module.health_alarm.aws_cloudwatch_metric_alarm.this"].args["dimensions"] == \
        Ref("module.dns.aws_route53_health_check.this[0]", "id")
    sub = inv["module.health_alarm.aws_sns_topic_subscription.email[0]"]
    assert (sub.args["protocol"], sub.args["endpoint"]) == ("email", "ops@example.com")

    lines = {line.key: line for line in bill(rendered.context).lines}
    assert lines["dns_health_alarm"].monthly == 0.10
    assert lines["dns_health_check"].monthly == 1.50


def test_no_email_no_subscription_but_still_a_topic(tmp_path: Path) -> None:
    inv = inventory(render_blueprint(write_blueprint(tmp_path, _data(health_check=True)))
                    .context)
    assert "module.health_alarm.aws_sns_topic.this" in inv
    assert not any(r.type == "aws_sns_topic_subscription" for r in inv.values())


def test_without_health_check_no_alarm_module(tmp_path: Path) -> None:
    rendered = render_blueprint(write_blueprint(tmp_path, _data()), out_dir=tmp_path / "out")
    assert 'module "health_alarm"' not in rendered.files["main.tf"]
    assert not any(k.startswith("modules/health_alarm/") for k in rendered.files)
    assert "dns_health_alarm" not in {line.key for line in bill(rendered.context).lines}


def test_alarm_email_without_health_check_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="alarm_email"):
        render_blueprint(write_blueprint(tmp_path, _data(alarm_email="ops@example.com")))


@pytest.mark.parametrize("email", ["ops", "ops@example", "a b@example.com"])
def test_malformed_alarm_email_is_refused(tmp_path: Path, email: str) -> None:
    with pytest.raises(InputError, match="alarm_email"):
        render_blueprint(write_blueprint(tmp_path, _data(health_check=True, alarm_email=email)))
