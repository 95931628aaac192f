"""What tfgen knows about each RDS engine: ports, versions, licences, support dates.

One table, so that validation (reject what AWS would reject) and rendering (ports, log
exports, IAM authentication, licence model, lifecycle) read the same facts. The support
calendar (:data:`STANDARD_SUPPORT_ENDS`) is the one dated table of this module; it is
evaluated against a date the caller passes (:func:`past_standard_support`), never against
the clock, so a test or CI run gives the same answer on any day.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

#: `engine_lifecycle_support` tfgen renders where AWS offers RDS Extended Support (RDS for
#: MySQL/PostgreSQL and Aurora). The API default enrols a new database in paid Extended
#: Support once its major passes end of standard support; "disabled" refuses that (AWS
#: then upgrades the major itself after the date). Valid values: CreateDBInstance /
#: CreateDBCluster `EngineLifecycleSupport` (RDS API reference).
LIFECYCLE_DISABLED = "open-source-rds-extended-support-disabled"


@dataclass(frozen=True)
class EngineFacts:
    """Facts of one `engine` value."""

    family: str
    port: int
    default_version: str
    version_majors: tuple[str, ...]
    log_exports: tuple[str, ...]
    iam_auth: bool
    #: CreateDBInstance `LicenseModel`; None for Aurora (set by the cluster, not settable).
    license_model: str | None
    aurora: bool = False
    takes_db_name: bool = True
    db_name_max: int = 63
    multi_az: bool = True
    read_replicas: bool = True
    #: smallest instance classes AWS offers for this engine, by family prefix
    too_small: tuple[str, ...] = ()
    #: whether `engine_lifecycle_support` applies (RDS Extended Support exists)
    extended_support: bool = False
    #: the edition as AWS's instance-class tables name it (tfgen/blueprint/edition_checks.py)
    edition: str | None = None


# Only the error log: the slow query log is off unless a custom parameter group sets
# slow_query_log = 1 (RDS User Guide, "Publishing MySQL logs to Amazon CloudWatch Logs"),
# so exporting "slowquery" would create an empty, billed log group.
_MYSQL_LOGS = ("error",)
_SQL_SMALL = ("db.t3.micro", "db.t3.small", "db.t3.medium", "db.t3.large")


def _sqlserver(edition: str, *, multi_az: bool = True, read_replicas: bool = True,
               too_small: tuple[str, ...] = ()) -> EngineFacts:
    """SQL Server editions share everything but their limits (licence included on RDS)."""
    return EngineFacts("sqlserver", 1433, "16.00", ("13.", "14.", "15.", "16."),
                       ("agent", "error"), False, "license-included", takes_db_name=False,
                       multi_az=multi_az, read_replicas=read_replicas, too_small=too_small,
                       edition=f"SQL Server {edition}")


# LicenseModel values: RDS API reference, CreateDBInstance `LicenseModel` — MySQL and
# MariaDB "general-public-license", PostgreSQL "postgresql-license", SQL Server
# "license-included", Oracle "bring-your-own-license" | "license-included". RDS offers
# Oracle Enterprise Edition only as bring-your-own-licence; SE2 is licence-included here.
ENGINES: dict[str, EngineFacts] = {
    "mysql": EngineFacts("mysql", 3306, "8.4", ("5.7", "8.0", "8.4"), _MYSQL_LOGS, True,
                         "general-public-license", extended_support=True),
    "mariadb": EngineFacts("mysql", 3306, "11.8", ("10.", "11."), _MYSQL_LOGS, True,
                           "general-public-license"),
    "postgres": EngineFacts(
        "postgres", 5432, "17",
        tuple(str(v) for v in range(11, 19)), ("postgresql", "upgrade"), True,
        "postgresql-license", extended_support=True,
    ),
    "oracle-se2": EngineFacts(
        "oracle", 1521, "19", ("19", "21"), ("alert", "audit", "listener", "trace"), False,
        "license-included", db_name_max=8,
        read_replicas=False,  # Oracle replicas need Enterprise Edition
    ),
    "oracle-ee": EngineFacts(
        "oracle", 1521, "19", ("19", "21"), ("alert", "audit", "listener", "trace"), False,
        "bring-your-own-license", db_name_max=8,
    ),
    "sqlserver-ex": _sqlserver("Express", multi_az=False, read_replicas=False),
    "sqlserver-web": _sqlserver("Web", multi_az=False, read_replicas=False),
    "sqlserver-se": _sqlserver("Standard", read_replicas=False, too_small=_SQL_SMALL),
    "sqlserver-ee": _sqlserver("Enterprise", too_small=_SQL_SMALL),
    # Aurora: an exact minor (the provider cannot pin a major for a cluster; see
    # templates/modules/database/main.tf.j2 and README "Aurora versions"). 3.10 and 17.7
    # are the long-term-support minors of Aurora MySQL 3 and Aurora PostgreSQL 17.
    "aurora-mysql": EngineFacts(
        "mysql", 3306, "8.0.mysql_aurora.3.10.3", ("5.7", "8.0"), _MYSQL_LOGS, True, None,
        aurora=True, extended_support=True,
    ),
    "aurora-postgresql": EngineFacts(
        "postgres", 5432, "17.7", tuple(str(v) for v in range(11, 18)), ("postgresql",),
        True, None, aurora=True, extended_support=True,
    ),
}

#: The support calendar: (engine, major) -> last day of RDS / Aurora standard support.
#: After it a new database is either enrolled in paid RDS Extended Support (API default)
#: or refused (tfgen renders Extended Support disabled), so tfgen rejects such majors.
#: Sources, read 2026-12: RDS for MySQL "Supported MySQL major versions on Amazon RDS"
#: (MySQL.Concepts.VersionMgmt), "Release calendars for Amazon RDS for PostgreSQL"
#: (PostgreSQLReleaseNotes/postgresql-release-calendar), "Release calendar for Aurora
#: MySQL major versions", "Aurora PostgreSQL release calendar for major versions", RDS
#: for MariaDB "Supported MariaDB major versions" (MariaDB has no Extended Support).
#: Majors not listed (Oracle, SQL Server: licence-bound, no RDS Extended Support) are not
#: checked. Update this table when AWS publishes a new major or moves a date.
#: Cross-checked 2026-12-04: every RDS MySQL, RDS PostgreSQL and Aurora MySQL date agrees
#: with awslabs/aws-service-eol-data data/eol.json (lastUpdated 2026-09-13; each entry
#: names the AWS page above); MariaDB 10.6-11.8 with endoflife.date's amazon-rds-mariadb
#: API. Not cross-checked: MariaDB 10.5 and the Aurora PostgreSQL rows.
STANDARD_SUPPORT_ENDS: dict[tuple[str, str], dt.date] = {
    ("mysql", "5.7"): dt.date(2024, 2, 29),
    ("mysql", "8.0"): dt.date(2026, 7, 31),
    ("mysql", "8.4"): dt.date(2029, 7, 31),
    ("mariadb", "10.5"): dt.date(2025, 2, 28),
    ("mariadb", "10.6"): dt.date(2026, 8, 31),
    ("mariadb", "10.11"): dt.date(2028, 2, 29),
    ("mariadb", "11.4"): dt.date(2029, 5, 31),
    ("mariadb", "11.8"): dt.date(2030, 6, 30),
    ("postgres", "11"): dt.date(2024, 2, 29),
    ("postgres", "12"): dt.date(2025, 2, 28),
    ("postgres", "13"): dt.date(2026, 2, 28),
    ("postgres", "14"): dt.date(2027, 2, 28),
    ("postgres", "15"): dt.date(2028, 2, 29),
    ("postgres", "16"): dt.date(2029, 2, 28),
    ("postgres", "17"): dt.date(2030, 2, 28),
    ("postgres", "18"): dt.date(2031, 2, 28),
    ("aurora-mysql", "5.7"): dt.date(2024, 10, 31),
    ("aurora-mysql", "8.0"): dt.date(2028, 4, 30),
    ("aurora-postgresql", "11"): dt.date(2024, 2, 29),
    ("aurora-postgresql", "12"): dt.date(2025, 2, 28),
    ("aurora-postgresql", "13"): dt.date(2026, 2, 28),
    ("aurora-postgresql", "14"): dt.date(2027, 2, 28),
    ("aurora-postgresql", "15"): dt.date(2028, 2, 29),
    ("aurora-postgresql", "16"): dt.date(2029, 2, 28),
    ("aurora-postgresql", "17"): dt.date(2030, 2, 28),
}

#: Aurora runs only on memory-optimised, burstable medium/large and serverless classes.
AURORA_CLASS_PREFIXES = ("db.r", "db.x2g.", "db.t3.medium", "db.t3.large", "db.t4g.medium",
                         "db.t4g.large", "db.serverless")


def aurora_accepts(instance_class: str) -> bool:
    """Whether Aurora offers `instance_class` at all."""
    return instance_class.startswith(AURORA_CLASS_PREFIXES)


def version_matches(engine: str, version: str) -> bool:
    """Whether `version` names a major version AWS offers for `engine`."""
    majors = ENGINES[engine].version_majors
    return any(version == m.rstrip(".") or version.startswith(m if m.endswith(".") else m + ".")
               for m in majors)


def major_of(engine: str, version: str) -> str:
    """The calendar's major of `version`: "8.0" of "8.0.36", "16" of "16.4", "10.11"."""
    parts = version.split(".")
    two = ENGINES[engine].family == "mysql"  # MySQL/MariaDB majors are X.Y; PostgreSQL X
    return ".".join(parts[:2]) if two and len(parts) > 1 else parts[0]


def standard_support_end(engine: str, version: str) -> dt.date | None:
    """When `version`'s major leaves standard support, or None when tfgen has no date."""
    return STANDARD_SUPPORT_ENDS.get((engine, major_of(engine, version)))


def past_standard_support(engine: str, version: str, today: dt.date) -> dt.date | None:
    """The end date if `version`'s major is past standard support on `today`, else None."""
    end = standard_support_end(engine, version)
    return end if end is not None and today > end else None


def supported_majors(engine: str, today: dt.date) -> list[str]:
    """Majors of `engine` still in standard support on `today`, oldest first (for hints)."""
    return [major for (eng, major), end in STANDARD_SUPPORT_ENDS.items()
            if eng == engine and end >= today]


def calendar_today() -> dt.date:
    """The date validation checks the calendar against: $TFGEN_TODAY (ISO) or today.

    The CLI uses the real date, so a blueprint whose major has left standard support is
    refused from that day on. Tests pin $TFGEN_TODAY (tests/conftest.py), so CI does not
    start failing the day a date in the table passes; calendar tests inject their own.
    """
    pinned = os.environ.get("TFGEN_TODAY")
    return dt.date.fromisoformat(pinned) if pinned else dt.date.today()
