"""The typed blueprint: every field, its default, and the rules one field can check alone.

Rules that relate several fields (subnets inside the VPC, AZs in the region, engine and
instance class together) live in :mod:`tfgen.blueprint.validate`, which also turns pydantic's
errors into located messages. The defaults here are the documented defaults
(docs/blueprint-reference.md is checked against this file by a test).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from tfgen.blueprint import regions
from tfgen.blueprint.stages import Stage, parse_stage

AL2023_SSM = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


def _check_name(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9-]*[a-z0-9]", value) or "--" in value:
        raise ValueError(
            "use lowercase letters, digits and single hyphens, starting with a letter "
            "— e.g. shopping-mall"
        )
    return value


def _check_cidr(value: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(f"'{value}' is not a CIDR block — e.g. 10.0.0.0/16") from None
    if net.version != 4:
        raise ValueError("only IPv4 CIDR blocks are supported")
    if str(net) != value:
        raise ValueError(f"'{value}' has host bits set — did you mean {net}?")
    return value


DEFAULT_REGION = "ap-northeast-2"


def check_region(value: str) -> str:
    """A Region from the dated table in tfgen/blueprint/regions.py, with a did-you-mean."""
    if regions.is_region(value):
        return value
    close = regions.suggest_region(value)
    if close:
        raise ValueError(f"'{value}' is not an AWS region — did you mean {close}?")
    raise ValueError(f"'{value}' is not an AWS region name — e.g. ap-northeast-2")


def _default_zones(data: Any) -> Any:
    """Blueprints that name no AZs get two of their region's (tfgen/blueprint/regions.py)."""
    if isinstance(data, dict) and "availability_zones" not in data:
        region = data.get("region", DEFAULT_REGION)
        if isinstance(region, str) and regions.is_region(region):
            zones = regions.default_zones(region)
            if zones is not None:
                return {**data, "availability_zones": zones}
    return data


def _check_path(value: str) -> str:
    if not value.startswith("/") or " " in value:
        raise ValueError("must be a URL path starting with '/' — e.g. /health")
    return value


def _check_api_path(value: str) -> str:
    _check_path(value)
    if value == "/":
        raise ValueError("'/' is the default behaviour's path — use a prefix such as /api/*")
    return value


def _max_len(limit: int, why: str) -> AfterValidator:
    """A length limit a module's `validation` block enforces (named in the message)."""
    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"is {len(value)} characters — {why} takes at most {limit}")
        return value
    return AfterValidator(check)


def _check_ami(value: str) -> str:
    if re.fullmatch(r"ami-[0-9a-f]{8}([0-9a-f]{9})?", value):
        return value
    # The tier module's ami_ssm_parameter validation: letters, digits and _ . - / only.
    if re.fullmatch(r"ssm:/[A-Za-z0-9_./-]+", value):
        return value
    raise ValueError("use an AMI ID (ami-0123456789abcdef0) or 'ssm:<public parameter path>'")


def _check_bucket(value: str) -> str:
    rules = [
        (3 <= len(value) <= 63, "must be 3 to 63 characters long"),
        (re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", value) is not None,
         "may hold only lowercase letters, digits, dots and hyphens, and must begin and "
         "end with a letter or digit"),
        (".." not in value and ".-" not in value and "-." not in value,
         "must not have two dots, or a dot next to a hyphen"),
        (re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value) is None, "must not look like an IP address"),
        (not value.startswith(("xn--", "sthree-", "amzn-s3-demo-")),
         "must not start with xn--, sthree- or amzn-s3-demo-"),
        (not value.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3")),
         "must not end with -s3alias, --ol-s3, .mrap or --x-s3"),
    ]
    for ok, message in rules:
        if not ok:
            raise ValueError(f"S3 bucket name '{value}' {message}")
    return value


#: Master user names RDS reserves for itself (database module `master_username` validation).
RDS_RESERVED_USERS = ("rdsadmin", "rdsrepladmin", "rdsmon")


def _check_username(value: str) -> str:
    if value.lower() in RDS_RESERVED_USERS:
        raise ValueError(f"'{value}' is reserved by RDS — pick another master user name")
    return value


def _check_domain(value: str) -> str:
    label = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
    if not re.fullmatch(rf"{label}(\.{label})+", value):
        raise ValueError(f"'{value}' is not a lowercase domain name — e.g. example.com")
    return value


def _check_record(value: str) -> str:
    if value == "":
        return value
    label = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
    if not re.fullmatch(rf"{label}(\.{label})*", value):
        raise ValueError(f"'{value}' is not a record name relative to the zone — e.g. shop")
    return value


#: Issue 10: characters a blueprint from a clone may not smuggle into generated files or
#: AWS consoles — control characters (NUL, newlines, ...) and the bidirectional overrides
#: and isolates U+202A–U+202E, U+2066–U+2069 (they make text read differently than it is).
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def refuse_hidden(value: str, what: str) -> str:
    """Refuse control and bidi-override characters in `value` (named `what` in the error)."""
    found = _HIDDEN.search(value)
    if found:
        raise ValueError(f"{what} contains the invisible character U+{ord(found.group()):04X} "
                         "(control or bidirectional override) — remove it")
    return value


def _plain(value: str) -> str:
    return refuse_hidden(value, "the value")


#: Issue 10: free text with no control or bidi characters, at most 1024 / 2048 long.
Plain1024 = Annotated[str, Field(max_length=1024), AfterValidator(_plain)]
Plain2048 = Annotated[str, Field(max_length=2048), AfterValidator(_plain)]


def _check_tags(value: dict[str, str]) -> dict[str, str]:
    for key, tag in value.items():
        refuse_hidden(key, f"tag key {key[:40]!r}")
        refuse_hidden(tag, f"tag {key[:40]!r} value")
        # EC2 (VPC, subnets, instances all get these tags) accepts keys of at most 127
        # and values of at most 256 Unicode characters: EC2 API Reference, `Tag`,
        # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Tag.html
        if not 1 <= len(key) <= 127 or len(tag) > 256:
            raise ValueError(f"tag '{key[:40]}': keys are 1–127 and values up to 256 characters")
        if key.lower().startswith("aws:"):
            raise ValueError(f"tag '{key}': the 'aws:' prefix is reserved by AWS")
    return value


def _stage_before(value: Any) -> Any:
    return parse_stage(value)


Name = Annotated[str, Field(min_length=2, max_length=24), AfterValidator(_check_name)]
Cidr = Annotated[str, AfterValidator(_check_cidr)]
Port = Annotated[int, Field(ge=1, le=65535)]
UrlPath = Annotated[str, AfterValidator(_check_path),
                    _max_len(1024, "a load balancer health check path")]
#: Route 53 health checks take a ResourcePath of at most 255 characters.
ShortUrlPath = Annotated[str, AfterValidator(_check_path),
                         _max_len(255, "a Route 53 health check path")]
StageField = Annotated[Stage, BeforeValidator(_stage_before)]
InstanceType = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")]
DbInstanceClass = Annotated[str, Field(pattern=r"^db\.[a-z0-9-]+\.[a-z0-9]+$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class SubnetSet(_Model):
    """The three subnets of one AZ, given explicitly."""

    public: Cidr
    app: Cidr
    data: Cidr


class Network(_Model):
    vpc_cidr: Cidr = "10.0.0.0/16"
    nat: Literal["per-az", "single"] = "per-az"
    subnet_prefix_length: int = Field(default=24, ge=16, le=28)
    subnets: dict[str, SubnetSet] | None = None


class Tier(_Model):
    enabled: bool | None = None
    instance_type: InstanceType = "t3.small"
    ami: Annotated[str, AfterValidator(_check_ami)] = f"ssm:{AL2023_SSM}"
    min_size: int = Field(default=2, ge=0, le=100)
    max_size: int = Field(default=4, ge=1, le=100)
    desired_capacity: int = Field(default=2, ge=0, le=100)
    port: Port = 80
    cpu_target: float = Field(default=50, ge=1, le=100)
    health_check_path: UrlPath = "/"
    user_data: Plain1024 | None = None  # issue 10: a path inside the project
    root_volume_size: int = Field(default=20, ge=8, le=16384)


def _app_always_on(value: bool | None) -> bool | None:
    """The app tier cannot be switched off: see AppTier."""
    if value is False:
        raise ValueError("the app tier cannot be disabled — it is the only tier the database "
                         "admits and, from stage static-web, the public load balancer's "
                         "target; remove `enabled: false`")
    return value


class AppTier(Tier):
    """The app tier: the same knobs as the web tier, with an API server's defaults.

    Unlike the web tier it always exists: in the security chain the database admits only
    the app tier, and from stage static-web the public ALB forwards to it
    (the stage ladder in README.md: stages aws and static-web). So `enabled: false` is an
    error rather than a silently ignored switch.
    """

    enabled: Annotated[bool | None, AfterValidator(_app_always_on)] = None
    port: Port = 8080
    health_check_path: UrlPath = "/health"


Engine = Literal[
    "mysql", "mariadb", "postgres", "oracle-se2", "oracle-ee", "sqlserver-ex",
    "sqlserver-web", "sqlserver-se", "sqlserver-ee", "aurora-mysql", "aurora-postgresql",
]


class Database(_Model):
    engine: Engine = "mysql"
    engine_version: str | None = Field(default=None, min_length=1, max_length=64)
    instance_class: DbInstanceClass = "db.t3.medium"
    allocated_storage: int = Field(default=20, ge=20, le=65536)
    max_allocated_storage: int = Field(default=100, ge=20, le=65536)
    backup_retention_days: int = Field(default=7, ge=1, le=35)
    multi_az: bool | None = None
    apply_immediately: bool = True
    read_replicas: int = Field(default=0, ge=0, le=5)
    db_name: str | None = Field(default="mall", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
    username: Annotated[str, AfterValidator(_check_username)] = Field(
        default="mall_admin", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
    app_user: str = Field(default="mall_app", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,15}$")


class Frontend(_Model):
    bucket_name: Annotated[str, AfterValidator(_check_bucket)] | None = None
    # S3 object keys are at most 1,024 bytes (S3 User Guide, "Naming Amazon S3 objects").
    #: S3 website index suffix: no slash anywhere (static_site module validation).
    index_document: Plain1024 = Field(default="index.html", pattern=r"^[^/\s]+$")
    error_document: Plain1024 = Field(default="error.html", pattern=r"^[^/][^\s]*$")
    keep_web_tier: bool = False


class Cdn(_Model):
    price_class: Literal["PriceClass_All", "PriceClass_200", "PriceClass_100"] = "PriceClass_200"
    static_ttl: int = Field(default=86400, ge=1, le=31536000)
    #: A CloudFront path pattern other than the default behaviour's "/", at most 255.
    api_path: Annotated[str, AfterValidator(_check_api_path),
                        _max_len(255, "a CloudFront path pattern")] = "/api/*"


class Dns(_Model):
    zone: Annotated[str, AfterValidator(_check_domain)]
    record: Annotated[str, AfterValidator(_check_record)] = "shop"
    # Off by default (docs/cost-defaults.md). On, it comes with a CloudWatch alarm and an
    # SNS topic in us-east-1 (modules/health_alarm): a check nobody watches only costs money.
    health_check: bool = False
    health_check_path: ShortUrlPath = "/"
    #: Subscribed to the alarm's topic; AWS mails a confirmation link first.
    alarm_email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                      max_length=254)] | None = None

    @model_validator(mode="after")
    def _email_needs_check(self) -> Dns:
        if self.alarm_email is not None and not self.health_check:
            raise ValueError("dns.alarm_email is set but dns.health_check is false: nothing "
                             "would alarm; set health_check: true or drop alarm_email")
        return self


class Backend(_Model):
    """Remote state in S3, shared by a team: encrypted, one key per blueprint/environment.

    Locking uses S3's native lock file (`use_lockfile`, Terraform >= 1.10); a DynamoDB
    table is used only when named. Without a `backend` section the state is local.
    """

    bucket: Annotated[str, AfterValidator(_check_bucket)]
    key: str | None = Field(default=None, pattern=r"^[A-Za-z0-9!_.*'()/-]+$", max_length=1024)
    region: Annotated[str, AfterValidator(check_region)] | None = None
    encrypt: bool = True
    use_lockfile: bool = True
    dynamodb_table: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    # KMS KeyId: 1–2048 characters (AWS KMS API Reference, e.g. DescribeKey).
    kms_key_id: Plain2048 | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _needs_a_lock(self) -> Backend:
        if not self.use_lockfile and self.dynamodb_table is None:
            raise ValueError("shared state needs a lock: keep use_lockfile: true (or name a "
                             "dynamodb_table)")
        return self


class Blueprint(_Model):
    """One deployment of the shopping-mall service, and the stage it targets."""

    #: Consumed by layering (tfgen/blueprint/layers.py) before validation; never reaches a render.
    extends: str | None = None
    name: Name
    environment: Name = "prod"
    stage: StageField = Stage.AWS
    region: Annotated[str, AfterValidator(check_region)] = DEFAULT_REGION
    #: Default: two AZs of `region` (tfgen/blueprint/regions.py), filled in by `_zones_of_region`.
    availability_zones: list[str] = Field(
        default_factory=lambda: ["ap-northeast-2a", "ap-northeast-2c"], min_length=2,
        max_length=6,
    )
    tags: Annotated[dict[str, str], AfterValidator(_check_tags)] = Field(default_factory=dict)
    deletion_protection: bool = True
    network: Network = Field(default_factory=Network)
    web: Tier = Field(default_factory=Tier)
    app: AppTier = Field(default_factory=AppTier)
    database: Database = Field(default_factory=Database)
    frontend: Frontend = Field(default_factory=Frontend)
    cdn: Cdn = Field(default_factory=Cdn)
    dns: Dns | None = None
    backend: Backend | None = None

    @model_validator(mode="before")
    @classmethod
    def _zones_of_region(cls, data: Any) -> Any:
        return _default_zones(data)
