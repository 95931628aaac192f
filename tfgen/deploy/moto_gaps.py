"""The gaps of moto 5.2 for tfgen's stacks, filled *around* the emulator.

Used at runtime by `tfgen plan/apply/destroy --emulator moto` (tfgen.deploy.moto_server, in the
moto child process) and by the integration tests. The rendered Terraform is never changed
to suit moto; each helper names the gap it fills (../shared/notes/emulator-gaps.md).
moto is imported lazily: it is the `emulator` extra, not a runtime requirement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MOTO_ACCESS_KEY = "testing"
MOTO_SECRET_KEY = "testing"  # moto accepts any key; this is not a secret

# What moto 5.2 lacks or gets wrong for the rendered stacks, filled in *around* the emulator
# (the rendered Terraform is never changed to suit it). Each helper says which gap it fills.
# They work on an in-process moto (ThreadedMotoServer shares the process's moto backends):
# the fixtures' server, or the one `python -m tfgen.deploy.moto_server` starts.

MOTO_ACCOUNT_ID = "123456789012"
CLOUDFRONT_XMLNS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"


def pin_zone_id(name: str, zone_id: str = "Z0TFGENTEST0001") -> None:
    """Make the in-process moto give the hosted zone ``name`` the ID ``zone_id``.

    Real zone IDs start with ``Z`` and the modules validate that; moto draws 22 random
    characters, so the ID is pinned through moto's custom-ID registry.
    """
    from moto.route53.models import HostedZoneIdentifier
    from moto.utilities.id_generator import moto_id_manager

    fqdn = name if name.endswith(".") else f"{name}."
    moto_id_manager.set_custom_id(HostedZoneIdentifier(MOTO_ACCOUNT_ID, fqdn, None), zone_id)


def seed_public_zone(endpoint: str, name: str) -> str:
    """Create the public hosted zone a blueprint's `dns.zone` names (tfgen looks it up).

    The zone ID must have been pinned (:func:`pin_zone_id`) in the moto process first.
    """
    import boto3  # type: ignore[import-untyped]

    client = boto3.client(
        "route53",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=MOTO_ACCESS_KEY,
        aws_secret_access_key=MOTO_SECRET_KEY,
    )
    created = client.create_hosted_zone(Name=name, CallerReference=f"tfgen-test-{name}")
    got = str(created["HostedZone"]["Id"]).rsplit("/", 1)[-1]
    if not got.startswith("Z"):
        raise AssertionError(f"moto gave hosted zone {name} the ID {got}: pin_zone_id() it first")
    return got


@contextmanager
def unique_rds_resource_ids() -> Iterator[None]:
    """Give every moto DB instance its own DbiResourceId while the context is open.

    moto 5.2 hard-codes one DbiResourceId for all instances (and copies it into read
    replicas); hashicorp/aws finds instances by that ID, so with a replica it reads the
    wrong instance and its delete waiter never ends.
    """
    import itertools

    from moto.rds import models as rds_models

    counter = itertools.count(1)
    original_init = rds_models.DBInstance.__init__
    original_set_as_replica = rds_models.DBInstance.set_as_replica

    def fresh_id() -> str:
        return f"db-TFGENTEST{next(counter):016d}"

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.dbi_resource_id = fresh_id()

    def set_as_replica(self: Any) -> None:
        original_set_as_replica(self)
        self.dbi_resource_id = fresh_id()

    rds_models.DBInstance.__init__ = init  # type: ignore[method-assign]
    rds_models.DBInstance.set_as_replica = set_as_replica  # type: ignore[method-assign]
    try:
        yield
    finally:
        rds_models.DBInstance.__init__ = original_init  # type: ignore[method-assign]
        rds_models.DBInstance.set_as_replica = original_set_as_replica  # type: ignore[method-assign]


class CloudFrontCachePolicies:
    """CloudFront cache policies (Create/Get/GetConfig/Update/Delete) for moto's server.

    moto (up to 5.2.5) has no cache-policy API, so ``aws_cloudfront_cache_policy`` gets a 404.
    The configuration is stored as sent and echoed back, which is all the provider reads.
    """

    PATHS = (
        "{0}/2020-05-31/cache-policy$",
        "{0}/2020-05-31/cache-policy/(?P<policy_id>[^/]+)$",
        "{0}/2020-05-31/cache-policy/(?P<policy_id>[^/]+)/config$",
    )

    def __init__(self) -> None:
        self.policies: dict[str, tuple[str, str]] = {}  # id -> (etag, CachePolicyConfig XML)

    def _body(self, policy_id: str, config: str) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<CachePolicy xmlns="{CLOUDFRONT_XMLNS}"><Id>{policy_id}</Id>'
            "<LastModifiedTime>2024-01-01T00:00:00.000Z</LastModifiedTime>"
            f"{config}</CachePolicy>"
        )

    @staticmethod
    def _config(raw: bytes) -> str:
        """The request's CachePolicyConfig element without the XML declaration."""
        text = raw.decode("utf-8")
        return re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", text)

    def _missing(self, policy_id: str) -> tuple[int, dict[str, str], str]:
        return (
            404,
            {"content-type": "text/xml"},
            f'<?xml version="1.0"?><ErrorResponse xmlns="{CLOUDFRONT_XMLNS}"><Error>'
            "<Type>Sender</Type><Code>NoSuchCachePolicy</Code>"
            f"<Message>The cache policy {policy_id} does not exist.</Message></Error>"
            "<RequestId>tfgen-test</RequestId></ErrorResponse>",
        )

    def handle(
        self, request: Any, full_url: str, headers: Any
    ) -> tuple[int, dict[str, str], str]:
        """One handler for the three paths (moto passes a Flask request).

        Not named ``dispatch``: moto's server treats handlers of that name as class methods.
        """
        import uuid

        parts = request.path.rstrip("/").split("/")
        policy_id = parts[3] if len(parts) > 3 else None
        method = request.method
        if policy_id is None and method == "POST":
            policy_id = uuid.uuid4().hex[:14].upper()
            etag = uuid.uuid4().hex[:13].upper()
            self.policies[policy_id] = (etag, self._config(request.get_data()))
            return (
                201,
                {"content-type": "text/xml", "ETag": etag, "Location": f"{full_url}/{policy_id}"},
                self._body(policy_id, self.policies[policy_id][1]),
            )
        if policy_id is None or policy_id not in self.policies:
            return self._missing(str(policy_id))
        etag, config = self.policies[policy_id]
        if method == "GET":
            body = config if parts[-1] == "config" else self._body(policy_id, config)
            return 200, {"content-type": "text/xml", "ETag": etag}, body
        if method == "PUT":
            etag = uuid.uuid4().hex[:13].upper()
            self.policies[policy_id] = (etag, self._config(request.get_data()))
            return 200, {"content-type": "text/xml", "ETag": etag}, self._body(policy_id, config)
        if method == "DELETE":
            del self.policies[policy_id]
            return 204, {}, ""
        return 405, {}, ""


@contextmanager
def cloudfront_cache_policies() -> Iterator[CloudFrontCachePolicies]:
    """Register the cache-policy routes with moto's CloudFront URL table while open.

    moto builds one Flask app per service lazily, per server: only a moto server started
    *inside* this context (and its first CloudFront request) sees the routes.
    """
    from moto.cloudfront import urls

    store = CloudFrontCachePolicies()
    added = [path for path in CloudFrontCachePolicies.PATHS if path not in urls.url_paths]
    for path in added:
        urls.url_paths[path] = store.handle
    try:
        yield store
    finally:
        for path in added:
            urls.url_paths.pop(path, None)


@contextmanager
def protected_load_balancers() -> Iterator[None]:
    """DeleteLoadBalancer refuses a load balancer whose deletion protection is on.

    AWS answers ``OperationNotPermitted`` (HTTP 400) then; moto 5.2 deletes it anyway, so a
    stage step that retires a protected ALB would pass on moto and fail on AWS
    (../shared/notes/emulator-gaps.md). The message is AWS's.
    """
    from moto.elbv2 import models as elbv2_models
    from moto.elbv2.exceptions import ELBClientError

    original = elbv2_models.ELBv2Backend.delete_load_balancer

    def delete_load_balancer(self: Any, arn: str) -> None:
        balancer = self.load_balancers.get(arn)
        if balancer is not None and balancer.attrs.get("deletion_protection.enabled") == "true":
            raise ELBClientError(
                "OperationNotPermitted",
                f"Load balancer '{arn}' cannot be deleted because deletion protection is "
                "enabled",
            )
        original(self, arn)

    elbv2_models.ELBv2Backend.delete_load_balancer = delete_load_balancer  # type: ignore[method-assign]
    try:
        yield
    finally:
        elbv2_models.ELBv2Backend.delete_load_balancer = original  # type: ignore[method-assign]


@contextmanager
def idempotent_retried_deletes() -> Iterator[None]:
    """A delete that the provider's SDK retries gets the answer its first attempt got.

    Seen in CI (2 of 4 applies in one run, 2026-12-03): the SDK re-sends a delete whose
    first attempt moto had already carried out (the retry is the SDK's, on a dropped
    connection to moto's threaded server), and moto answers the retry with
    `ListenerNotFound`, `InvalidPermission.NotFound` or (a full run on a loaded machine,
    2026-12-04) `InvalidLaunchTemplateName.NotFoundException`; the provider treats none as
    "already gone", so `terraform destroy` or a stage step down fails on a resource that
    no longer exists. Only ids this moto deleted before are answered as deleted again;
    an id it never had still gets moto's error, so a wrong id in tfgen's Terraform is not
    hidden. AWS itself answers a retried delete within the SDK's idempotency window.
    """
    from moto.ec2.models.launch_templates import LaunchTemplateBackend
    from moto.ec2.models.security_groups import SecurityGroupBackend
    from moto.elbv2 import models as elbv2_models

    deleted_listeners: set[str] = set()
    deleted_templates: dict[str, Any] = {}  # id -> the template its first delete returned
    delete_template = LaunchTemplateBackend.delete_launch_template
    revoked_rules: set[str] = set()
    delete_listener = elbv2_models.ELBv2Backend.delete_listener
    revoke_ingress = SecurityGroupBackend.revoke_security_group_ingress
    revoke_egress = SecurityGroupBackend.revoke_security_group_egress

    def _delete_listener(self: Any, listener_arn: str) -> Any:
        if listener_arn in deleted_listeners and not any(
                listener_arn in lb.listeners for lb in self.load_balancers.values()):
            return None  # the retry of a delete that already happened
        listener = delete_listener(self, listener_arn)
        deleted_listeners.add(listener_arn)
        return listener

    def _delete_template(self: Any, name: str, tid: str | None) -> Any:
        if not name and tid in deleted_templates and tid not in self.launch_templates:
            return deleted_templates[tid]  # the retry of a delete that already happened
        template = delete_template(self, name, tid)
        deleted_templates[template.id] = template
        return template

    def _revoke(original: Any) -> Any:
        def revoke(self: Any, *args: Any, **kwargs: Any) -> Any:
            ids = kwargs.get("security_rule_ids") or []
            if ids and set(ids) <= revoked_rules:
                return None  # the retry of a revoke that already happened
            result = original(self, *args, **kwargs)
            revoked_rules.update(ids)
            return result
        return revoke

    elbv2_models.ELBv2Backend.delete_listener = _delete_listener  # type: ignore[method-assign]
    LaunchTemplateBackend.delete_launch_template = _delete_template  # type: ignore[method-assign]
    SecurityGroupBackend.revoke_security_group_ingress = _revoke(revoke_ingress)  # type: ignore[method-assign]
    SecurityGroupBackend.revoke_security_group_egress = _revoke(revoke_egress)  # type: ignore[method-assign]
    try:
        yield
    finally:
        elbv2_models.ELBv2Backend.delete_listener = delete_listener  # type: ignore[method-assign]
        LaunchTemplateBackend.delete_launch_template = delete_template  # type: ignore[method-assign]
        SecurityGroupBackend.revoke_security_group_ingress = revoke_ingress  # type: ignore[method-assign]
        SecurityGroupBackend.revoke_security_group_egress = revoke_egress  # type: ignore[method-assign]


@contextmanager
def instance_refresh_stub() -> Iterator[list[str]]:
    """StartInstanceRefresh answers with a refresh id (moto 5.2 has no such action: HTTP 500).

    The provider starts a refresh when a launch template changes under an ASG with an
    `instance_refresh` block, and retries a 500 for many minutes. Nothing is refreshed:
    moto's instances are not real. Yields the list of groups a refresh was asked for.
    """
    import uuid

    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult

    started: list[str] = []

    def start_instance_refresh(self: Any) -> ActionResult:
        started.append(str(self._get_param("AutoScalingGroupName")))
        return ActionResult({"InstanceRefreshId": str(uuid.uuid4())})

    had = "start_instance_refresh" in vars(AutoScalingResponse)
    AutoScalingResponse.start_instance_refresh = start_instance_refresh  # type: ignore[attr-defined]
    try:
        yield started
    finally:
        if not had:
            del AutoScalingResponse.start_instance_refresh  # type: ignore[attr-defined]


@contextmanager
def patched_moto(zones: tuple[str, ...] = ("example.com",)) -> Iterator[CloudFrontCachePolicies]:
    """Every moto gap above filled, for a moto server started inside the context.

    RDS needs no patch for deletion protection: moto 5.2 already refuses DeleteDBInstance
    and DeleteDBCluster with InvalidParameterCombination (test_harness.py proves it).
    """
    import os

    previous = os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES")
    # AmazonSSMManagedInstanceCore and the other AWS-managed policies exist only with this.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    for zone in zones:
        pin_zone_id(zone)
    try:
        with (
            unique_rds_resource_ids(),
            protected_load_balancers(),
            idempotent_retried_deletes(),
            instance_refresh_stub(),
            cloudfront_cache_policies() as store,
        ):
            yield store
    finally:
        if previous is None:
            os.environ.pop("MOTO_IAM_LOAD_MANAGED_POLICIES", None)
        else:
            os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = previous
