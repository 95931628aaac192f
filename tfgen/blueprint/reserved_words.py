"""Words the database engines reserve, which RDS refuses as the initial database name.

CreateDBInstance / CreateDBCluster `DBName`, for MySQL, Aurora and PostgreSQL: "Can't be a
word reserved by the database engine" (RDS API reference:
https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html).
RDS compares without regard to case: CreateDBCluster answered "DatabaseName Database
cannot be used. It is a reserved word for this engine" for "Database"
(https://github.com/orgs/noop-inc/discussions/99), so :func:`reserved_by` lowercases.

One dated table, read 2026-12-04. Only reserved words are listed (MySQL's "(R)",
PostgreSQL's RESERVED_KEYWORD); nonreserved keywords are valid database names.

* MySQL 8.4 (:data:`MYSQL_84`): the words with RESERVED = 1 in the server's own test
  result of `SELECT * FROM INFORMATION_SCHEMA.KEYWORDS`,
  mysql-test/r/information_schema_keywords.result, as stored for Shannon-Data/ShannonBase
  (a MySQL fork whose MYSQL_VERSION reads 8.4.4; commit 28d64c1). It is the 8.4 list of
  https://dev.mysql.com/doc/refman/8.4/en/keywords.html (the page itself could not be read
  in full here). That it is 8.4's: it has the keywords the page lists as new in 8.4
  (AUTO, BERNOULLI, GTIDS, LOG, MANUAL, PARALLEL, PARSE_TREE, QUALIFY, S3, TABLESAMPLE;
  transcribed from the page in doctrine/dbal src/Platforms/Keywords/MySQL84Keywords.php),
  all with RESERVED = 0, and lacks the two the page lists as removed (MASTER_BIND,
  MASTER_SSL_VERIFY_SERVER_CERT; doctrine/dbal commit 0ceaf0c).
  Cross-check: every word is also reserved in upstream mysql/mysql-server's copy of the
  same file (an 8.0.17/18 server, commit 0418d93) except INTERSECT, reserved since
  8.0.31; that copy also reserves ARRAY (nonreserved since 8.0.19, says the 8.0 page),
  CUBE, MEMBER and the two removed MASTER_ words, which the 8.4 file does not. Engine
  "mysql" uses this set for 8.0 too: each word is reserved there as well (INTERSECT from
  8.0.31); 8.0 may reserve a few more, which pass here and fail at apply, never the
  reverse.
* PostgreSQL 17 (:data:`POSTGRES_17`): the RESERVED_KEYWORD entries of
  src/include/parser/kwlist.h. No copy tagged 17 could be read: postgres/postgres's stored
  copy is from 2017 (PostgreSQL 10, commit 013c117) and Florents-Tselai/postgres's is a
  late-2024 development snapshot (commit 2112ca5: it has 17's merge_action and json_table
  and 18's virtual). Their reserved sets are the same 77 words plus system_user, which the
  newer one has (reserved since PostgreSQL 16); so 17, between the two, reserves these 78.

Aurora MySQL, MariaDB, Oracle and Db2 have lists of their own that tfgen has not read:
no check for them (RDS still refuses their reserved words, at apply).
"""

from __future__ import annotations

#: When the lists below were read (see the module docstring for the sources).
READ_ON = "2026-12-04"

MYSQL_84_SOURCE = "https://dev.mysql.com/doc/refman/8.4/en/keywords.html"
POSTGRES_17_SOURCE = ("https://github.com/postgres/postgres/blob/REL_17_STABLE/"
                      "src/include/parser/kwlist.h")


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text` (the tables read like the sources)."""
    return frozenset(text.split())


#: MySQL 8.4 reserved words (259), lowercase.
MYSQL_84: frozenset[str] = _words(
    "accessible add all alter analyze and as asc asensitive before between bigint binary "
    "blob both by call cascade case change char character check collate column condition "
    "constraint continue convert create cross cume_dist current_date current_time "
    "current_timestamp current_user cursor database databases day_hour day_microsecond "
    "day_minute day_second dec decimal declare default delayed delete dense_rank desc "
    "describe deterministic distinct distinctrow div double drop dual each else elseif "
    "empty enclosed escaped except exists exit explain false fetch first_value float "
    "float4 float8 for force foreign from fulltext function generated get grant group "
    "grouping groups having high_priority hour_microsecond hour_minute hour_second if "
    "ignore in index infile inner inout insensitive insert int int1 int2 int3 int4 int8 "
    "integer intersect interval into io_after_gtids io_before_gtids is iterate join "
    "json_table key keys kill lag last_value lateral lead leading leave left like limit "
    "linear lines load localtime localtimestamp lock long longblob longtext loop "
    "low_priority match maxvalue mediumblob mediumint mediumtext middleint "
    "minute_microsecond minute_second mod modifies natural no_write_to_binlog not "
    "nth_value ntile null numeric of on optimize optimizer_costs option optionally or "
    "order out outer outfile over partition percent_rank precision primary procedure "
    "purge range rank read read_write reads real recursive references regexp release "
    "rename repeat replace require resignal restrict return revoke right rlike row "
    "row_number rows schema schemas second_microsecond select sensitive separator set "
    "show signal smallint spatial specific sql sql_big_result sql_calc_found_rows "
    "sql_small_result sqlexception sqlstate sqlwarning ssl starting stored straight_join "
    "system table terminated then tinyblob tinyint tinytext to trailing trigger true undo "
    "union unique unlock unsigned update usage use using utc_date utc_time utc_timestamp "
    "values varbinary varchar varcharacter varying virtual when where while window with "
    "write xor year_month zerofill"
)

#: PostgreSQL 17 RESERVED_KEYWORD entries (78).
POSTGRES_17: frozenset[str] = _words(
    "all analyse analyze and any array as asc asymmetric both case cast check collate "
    "column constraint create current_catalog current_date current_role current_time "
    "current_timestamp current_user default deferrable desc distinct do else end except "
    "false fetch for foreign from grant group having in initially intersect into lateral "
    "leading limit localtime localtimestamp not null offset on only or order placing "
    "primary references returning select session_user some symmetric system_user table "
    "then to trailing true union unique user using variadic when where window with"
)

#: engine -> (the reserved words, what they are, where they come from).
BY_ENGINE: dict[str, tuple[frozenset[str], str, str]] = {
    "mysql": (MYSQL_84, "MySQL 8.4", MYSQL_84_SOURCE),
    "postgres": (POSTGRES_17, "PostgreSQL 17", POSTGRES_17_SOURCE),
    "aurora-postgresql": (POSTGRES_17, "PostgreSQL 17", POSTGRES_17_SOURCE),
}


def reserved_by(engine: str, name: str) -> str | None:
    """The engine's label ("MySQL 8.4") when it reserves `name`, else None."""
    entry = BY_ENGINE.get(engine)
    if entry is None or name.lower() not in entry[0]:
        return None
    return entry[1]
