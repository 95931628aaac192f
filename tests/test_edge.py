"""The edge of the stack (issue 11, points 6-8): CloudFront, origin verification, DNS
aliases and the honesty of the static-web stage, checked in the rendered Terraform, the
predicted inventory and the review."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import EXAMPLE, REPO, example_data, write_blueprint
from tfgen.blueprint.stages import Stage
from tfgen.project import render_blueprint
from tfgen.review.diff import DiffReport, diff_sides
from tfgen.review.inventory import inventory

DIST = "module.cdn.aws_cloudfront_distribution.this"
RULE = "module.alb.aws_lb_listener_rule.origin_verify[0]"


def _diff(old: str, new: str) -> DiffReport:
    return diff_sides(f"{EXAMPLE}@{old}", f"{EXAMPLE}@{new}")


def _block(text: str, header: str) -> str:
    """The body of the first block that starts with `header` (balanced braces)."""
    start = text.index(header)
    depth = 0
    for i in range(text.index("{", start), len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start:i + 1]
    raise AssertionError(f"unbalanced block {header}")


# --- point 6: CloudFront serves the blueprint's documents; the alias is valid ------------

def test_cloudfront_uses_the_blueprints_index_and_error_documents(tmp_path: Path) -> None:
    data = example_data()
    data["frontend"]["index_document"] = "home.html"
    data["frontend"]["error_document"] = "missing.html"
    rendered = render_blueprint(write_blueprint(tmp_path, data), stage=Stage.CDN)
    files = rendered.files
    dist = _block(files["modules/cdn/main.tf"], 'resource "aws_cloudfront_distribution"')
    assert "default_root_object = var.index_document" in dist
    assert '"index.html"' not in dist
    error = _block(dist, "custom_error_response")
    assert "error_code            = 403" in error
    assert "response_code         = 404" in error
    assert 'response_page_path    = "/${var.error_document}"' in error
    cdn_call = _block(files["main.tf"], 'module "cdn"')
    assert "index_document              = var.frontend.index_document" in cdn_call
    assert "error_document              = var.frontend.error_document" in cdn_call
    assert '"home.html"' in files["variables.tf"] and '"missing.html"' in files["variables.tf"]
    args = inventory(rendered.context)[DIST].args
    assert args["default_root_object"] == "home.html"
    assert args["custom_error_response"] == "403 -> /missing.html (404)"


def test_alias_to_cloudfront_does_not_evaluate_target_health() -> None:
    cdn = render_blueprint(EXAMPLE, stage=Stage.CDN)
    dns_call = _block(cdn.files["main.tf"], 'module "dns"')
    assert "evaluate_target_health = false" in dns_call
    module = cdn.files["modules/dns/main.tf"]
    for record in ('resource "aws_route53_record" "a"', 'resource "aws_route53_record" "aaaa"'):
        assert "evaluate_target_health = var.evaluate_target_health" in _block(module, record)
    inv = inventory(cdn.context)
    assert inv["module.dns.aws_route53_record.a"].args["evaluate_target_health"] is False
    assert inv["module.dns.aws_route53_record.aaaa[0]"].args["evaluate_target_health"] is False
    # The origin record and every record before cdn alias a load balancer: allowed there.
    assert inv["module.dns.aws_route53_record.origin[0]"].args["evaluate_target_health"] is True
    before = render_blueprint(EXAMPLE, stage=Stage.STATIC_WEB)
    assert "evaluate_target_health = true" in _block(before.files["main.tf"], 'module "dns"')
    assert inventory(before.context)["module.dns.aws_route53_record.a"].args[
        "evaluate_target_health"] is True


# --- point 7: the ALB forwards only what carries CloudFront's secret header --------------

def test_alb_forwards_only_requests_carrying_the_cloudfront_secret() -> None:
    cdn = render_blueprint(EXAMPLE, stage=Stage.CDN)
    alb_call = _block(cdn.files["main.tf"], 'module "alb"')
    assert "origin_verify_enabled = true" in alb_call
    assert "origin_verify_header  = module.cdn.origin_verify_header" in alb_call
    origin = [o for o in re.findall(r"  origin \{.*?\n  \}", cdn.files["modules/cdn/main.tf"],
                                    re.S) if "custom_origin_config" in o]
    assert len(origin) == 1
    assert "value = terraform_data.origin_verify.output" in _block(origin[0], "custom_header")
    secret = _block(cdn.files["modules/cdn/main.tf"], 'resource "terraform_data" "origin_verify"')
    assert "input = uuid()" in secret and "ignore_changes = [input]" in secret
    rule = _block(cdn.files["modules/load_balancer/main.tf"],
                  'resource "aws_lb_listener_rule" "origin_verify"')
    assert "http_header_name = var.origin_verify_header.name" in rule
    inv = inventory(cdn.context)
    assert inv[RULE].args["action"] == "forward"
    https = inv["module.alb.aws_lb_listener.https[0]"].args
    assert (https["default_action"], https["target_group_arn"]) == ("fixed-response 403", None)
    assert "module.cdn.terraform_data.origin_verify" in inv
    # Before cdn nothing sends the header: the ALB forwards everything.
    before = inventory(render_blueprint(EXAMPLE, stage=Stage.STATIC_WEB).context)
    assert RULE not in before
    assert before["module.alb.aws_lb_listener.https[0]"].args["default_action"] == "forward"


def test_alb_without_a_domain_verifies_on_the_http_listener(tmp_path: Path) -> None:
    data = example_data()
    data.pop("dns")
    inv = inventory(render_blueprint(write_blueprint(tmp_path, data), stage=Stage.CDN).context)
    assert inv["module.alb.aws_lb_listener.http"].args["default_action"] == "fixed-response 403"
    assert inv[RULE].args["listener_arn"].address == "module.alb.aws_lb_listener.http"


def test_no_origin_secret_is_committed() -> None:
    """The value lives in the state only: every committed custom_header takes it from
    terraform_data, and no listener rule holds a literal header value."""
    trees = [REPO / "out", REPO / "tests" / "golden"]
    files = [p for tree in trees for p in tree.rglob("*.tf")]
    headers = [b for p in files for b in re.findall(r"custom_header \{.*?\}", p.read_text(), re.S)]
    assert headers, "no rendered custom_header found: is the cdn stage still committed?"
    for block in headers:
        assert re.search(r"value\s*=\s*terraform_data\.origin_verify\.output", block), block
    rules = [b for p in files for b in re.findall(r"http_header \{.*?\}", p.read_text(), re.S)]
    assert rules, "no rendered http_header condition found"
    for block in rules:
        assert re.search(r"values\s*=\s*\[var\.origin_verify_header\.value\]", block), block


def test_review_of_the_cdn_step_names_the_origin_secret() -> None:
    messages = [r.message for r in _diff("static-web", "cdn").risks if r.subject == RULE]
    assert len(messages) == 1 and "X-Origin-Verify" in messages[0] and "403" in messages[0]
    back = [r.message for r in _diff("cdn", "static-web").risks if r.subject == RULE]
    assert len(back) == 1 and "every request again" in back[0]


# --- point 8: static-web says it is HTTP only and may hit Block Public Access ------------

def test_review_of_static_web_says_http_only_and_block_public_access() -> None:
    report = _diff("multi-az", "static-web")
    text = " ".join(r.message for r in report.risks if r.kind == "exposure")
    assert "plain HTTP only" in text and "until stage cdn" in text
    assert "Block Public Access" in text
    story = " ".join(s.text for s in report.narrative)
    assert "HTTP" in story and "Block Public Access" in story


def test_static_web_readme_says_http_only_and_block_public_access() -> None:
    readme = render_blueprint(EXAMPLE, stage=Stage.STATIC_WEB).files["README.md"]
    assert "plain HTTP" in readme and "Block Public Access" in readme
    assert "plain HTTP" not in render_blueprint(EXAMPLE, stage=Stage.CDN).files["README.md"]
