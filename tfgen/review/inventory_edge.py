"""The inventory of the website's edge: static site bucket, CloudFront, Route 53.

Mirrors templates/modules/{static_site,cdn,dns}; split from tfgen.review.inventory (which calls
these) to keep each module readable.
"""

from __future__ import annotations

from tfgen.render.context import RenderContext
from tfgen.review.inventory_model import Builder, Ref


def static_site(b: Builder, ctx: RenderContext) -> str:
    fe = ctx.values["frontend"]
    public = ctx.features.public_website
    m = "static_site"
    bucket_name = fe["bucket_name"]
    bucket = b.add(m, "aws_s3_bucket", "this", {"bucket": bucket_name, "force_destroy": False})
    plain = {"bucket": bucket_name}
    b.add(m, "aws_s3_bucket_ownership_controls", "this",
          {**plain, "object_ownership": "BucketOwnerEnforced"}, tagged=False)
    b.add(m, "aws_s3_bucket_public_access_block", "this", {
        **plain, "block_public_acls": True, "ignore_public_acls": True,
        "block_public_policy": not public, "restrict_public_buckets": not public}, tagged=False)
    b.add(m, "aws_s3_bucket_versioning", "this", {**plain, "status": "Enabled"}, tagged=False)
    b.add(m, "aws_s3_bucket_lifecycle_configuration", "this", {
        **plain, "noncurrent_version_expiration": "after 30 days",
        "abort_incomplete_multipart_upload_days": 7}, tagged=False)
    b.add(m, "aws_s3_bucket_server_side_encryption_configuration", "this",
          {**plain, "sse_algorithm": "AES256"}, tagged=False)
    if public:
        b.add(m, "aws_s3_bucket_website_configuration", "this", {
            **plain, "index_document": fe["index_document"],
            "error_document": fe["error_document"]}, 0, tagged=False)
    return bucket


def bucket_policy(b: Builder, ctx: RenderContext, distribution: str | None) -> None:
    """The bucket's one policy (static_site owns it at every stage; its text per stage)."""
    public = ctx.features.public_website
    b.add("static_site", "aws_s3_bucket_policy", "this", {
        "bucket": ctx.values["frontend"]["bucket_name"],
        "policy": "anyone may s3:GetObject (public website)" if public else
        "only CloudFront (this distribution, via OAC) may s3:GetObject; TLS only",
        "distribution": None if public or distribution is None else Ref(distribution, "arn")},
        tagged=False)


def cdn(b: Builder, ctx: RenderContext, name: str, bucket: str, alb_tg: str,
         certificate: str | None) -> str:
    c = ctx.values["cdn"]
    dns = ctx.values.get("dns")
    m = "cdn"
    oac = b.add(m, "aws_cloudfront_origin_access_control", "this", {
        "name": name, "origin_access_control_origin_type": "s3", "signing_behavior": "always"},
        tagged=False)
    policy = b.add(m, "aws_cloudfront_cache_policy", "static", {
        "name": f"{name}-static", "default_ttl": c["static_default_ttl"]}, tagged=False)
    alb = alb_tg.replace("aws_lb_target_group", "aws_lb")
    secret = b.add(m, "terraform_data", "origin_verify", {"input": "uuid() at first apply"},
                   tagged=False)
    fe = ctx.values["frontend"]
    return b.add(m, "aws_cloudfront_distribution", "this", {
        "aliases": [dns["record_name"]] if dns else [], "price_class": c["price_class"],
        "s3_origin": Ref(bucket, "bucket_regional_domain_name"), "s3_origin_access": Ref(oac),
        "alb_origin": f"origin.{dns['record_name']}" if dns else Ref(alb, "dns_name"),
        "alb_origin_protocol_policy": "https-only" if dns else "http-only",
        "api_path_pattern": c["api_path_pattern"], "static_cache_policy": Ref(policy),
        "default_root_object": fe["index_document"],
        "custom_error_response": f"403 -> /{fe['error_document']} (404)",
        "alb_origin_custom_header": Ref(secret, "output"),
        "certificate": Ref(certificate, "arn") if certificate else "CloudFront default"})


def dns(b: Builder, ctx: RenderContext, alb_tg: str, cdn: str | None) -> None:
    d = ctx.values["dns"]
    m = "dns"
    alb = alb_tg.replace("aws_lb_target_group", "aws_lb")
    target = Ref(cdn, "domain_name") if cdn else Ref(alb, "dns_name")
    # AAAA only for CloudFront: the load balancer is IPv4-only (create_ipv6_record).
    for rtype, key in (("A", None), ("AAAA", 0)) if cdn else (("A", None),):
        # Route 53 rejects EvaluateTargetHealth = true for a CloudFront target.
        b.add(m, "aws_route53_record", rtype.lower(), {
            "name": d["record_name"], "type": rtype, "alias": target,
            "evaluate_target_health": cdn is None}, key, tagged=False)
    if cdn:
        b.add(m, "aws_route53_record", "origin", {
            "name": f"origin.{d['record_name']}", "type": "A", "alias": Ref(alb, "dns_name"),
            "evaluate_target_health": True},
            0, tagged=False)
    if d["create_health_check"]:
        b.add(m, "aws_route53_health_check", "this", {
            "type": "HTTPS", "fqdn": d["record_name"], "port": 443,
            "resource_path": d["health_check_path"], "request_interval": 30}, 0)
        health_alarm(b, ctx)


def health_alarm(b: Builder, ctx: RenderContext) -> None:
    """modules/health_alarm: the health check's alarm and its SNS topic (us-east-1)."""
    d = ctx.values["dns"]
    m = "health_alarm"
    name = f"{ctx.values['name']}-{ctx.values['environment']}"
    topic = b.add(m, "aws_sns_topic", "this", {"name": f"{name}-health"})
    if d["alarm_email"] is not None:
        b.add(m, "aws_sns_topic_subscription", "email", {
            "topic_arn": Ref(topic, "arn"), "protocol": "email",
            "endpoint": d["alarm_email"]}, 0, tagged=False)
    b.add(m, "aws_cloudwatch_metric_alarm", "this", {
        "alarm_name": f"{name}-health-check", "namespace": "AWS/Route53",
        "metric_name": "HealthCheckStatus", "statistic": "Minimum", "period": 60,
        "evaluation_periods": 1, "comparison_operator": "LessThanThreshold", "threshold": 1,
        "treat_missing_data": "breaching",
        "dimensions": Ref("module.dns.aws_route53_health_check.this[0]", "id"),
        "alarm_actions": Ref(topic, "arn")})
