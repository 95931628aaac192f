"""What tfgen knows about each RDS engine: ports, versions, limits AWS enforces.

One table, so that validation (reject what AWS would reject) and rendering (ports, log
exports, IAM authentication) read the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineFacts:
    """Facts of one `engine` value."""

    family: str
    port: int
    default_version: str
    version_majors: tuple[str, ...]
    log_exports: tuple[str, ...]
    iam_auth: bool
    aurora: bool = False
    takes_db_name: bool = True
    db_name_max: int = 63
    multi_az: bool = True
    read_replicas: bool = True
    #: smallest instance classes AWS offers for this engine, by family prefix
    too_small: tuple[str, ...] = ()


# Only the error log: the slow query log is off unless a custom parameter group sets
# slow_query_log = 1 (RDS User Guide, "Publishing MySQL logs to Amazon CloudWatch Logs"),
# so exporting "slowquery" would create an empty, billed log group.
_MYSQL_LOGS = ("error",)
_SQL_SMALL = ("db.t3.micro", "db.t3.small", "db.t3.medium", "db.t3.large")


def _sqlserver(*, multi_az: bool = True, read_replicas: bool = True,
               too_small: tuple[str, ...] = ()) -> EngineFacts:
    """SQL Server editions share everything but their limits."""
    return EngineFacts("sqlserver", 1433, "16.00", ("13.", "14.", "15.", "16."),
                       ("agent", "error"), False, takes_db_name=False, multi_az=multi_az,
                       read_replicas=read_replicas, too_small=too_small)


ENGINES: dict[str, EngineFacts] = {
    "mysql": EngineFacts("mysql", 3306, "8.0", ("5.7", "8.0", "8.4"), _MYSQL_LOGS, True),
    "mariadb": EngineFacts("mysql", 3306, "10.11", ("10.", "11."), _MYSQL_LOGS, True),
    "postgres": EngineFacts(
        "postgres", 5432, "16",
        tuple(str(v) for v in range(11, 19)), ("postgresql", "upgrade"), True,
    ),
    "oracle-se2": EngineFacts(
        "oracle", 1521, "19", ("19", "21"), ("alert", "audit", "listener", "trace"), False,
        db_name_max=8, read_replicas=False,  # Oracle replicas need Enterprise Edition
    ),
    "oracle-ee": EngineFacts(
        "oracle", 1521, "19", ("19", "21"), ("alert", "audit", "listener", "trace"), False,
        db_name_max=8,
    ),
    "sqlserver-ex": _sqlserver(multi_az=False, read_replicas=False),
    "sqlserver-web": _sqlserver(multi_az=False, read_replicas=False),
    "sqlserver-se": _sqlserver(read_replicas=False, too_small=_SQL_SMALL),
    "sqlserver-ee": _sqlserver(too_small=_SQL_SMALL),
    "aurora-mysql": EngineFacts(
        "mysql", 3306, "8.0.mysql_aurora.3.08.0", ("5.7", "8.0"), _MYSQL_LOGS, True, aurora=True,
    ),
    "aurora-postgresql": EngineFacts(
        "postgres", 5432, "16.6", tuple(str(v) for v in range(11, 18)), ("postgresql",), True,
        aurora=True,
    ),
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
