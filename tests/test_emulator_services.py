"""The --emulator override covers services the current render no longer uses.

Found walking the ladder (tests/integration/test_ladder.py): at cdn -> static-web the
state still holds CloudFront resources, the static-web render declares none, and the
override left `cloudfront` out, so `tfgen plan --emulator` refreshed them against real
AWS (`GetCachePolicy ... https://cloudfront.amazonaws.com ... request send failed`).
"""

from __future__ import annotations

from tfgen.deploy import emulator

STATIC_WEB_ONLY = {"main.tf": 'resource "aws_s3_bucket" "this" {}\nresource "aws_lb" "a" {}\n'}


def test_override_points_every_service_at_the_emulator_even_if_not_rendered() -> None:
    names = emulator.services(STATIC_WEB_ONLY)
    for service in ("cloudfront", "acm", "route53", "rds", "elbv2", "s3", "autoscaling"):
        assert service in names
    text = emulator.override_text("http://127.0.0.1:5000", STATIC_WEB_ONLY, {})
    assert 'cloudfront' in text and "http://127.0.0.1:5000" in text
