"""The reader (a BI tool) reads `dwh` and nothing else, through every bypass we could think of;
each statement goes to the real `loupe serve` over HTTP, as curl or a BI tool sends it."""

from __future__ import annotations

import pytest

from tests.helpers.interface import SECRET, Served

pytestmark = pytest.mark.slow

# (statement, the exception code a server with GRANTs would answer)
BYPASSES = {
    "direct": ("SELECT * FROM pd.interface_people", 497),
    "backquoted": ("SELECT * FROM `pd`.`interface_people`", 497),
    "alias named like dwh": ("SELECT * FROM pd.interface_people AS dwh", 497),
    "subquery in FROM": ("SELECT * FROM (SELECT email FROM pd.interface_people)", 497),
    "IN subquery": (
        "SELECT n FROM dwh.interface_probe WHERE label IN (SELECT email FROM pd.interface_people)",
        497,
    ),
    "IN table": ("SELECT n FROM dwh.interface_probe WHERE label IN pd.interface_people", 497),
    "JOIN": (
        "SELECT p.email FROM dwh.interface_probe AS d, pd.interface_people AS p",
        497,
    ),
    "WITH": ("WITH x AS (SELECT * FROM pd.interface_people) SELECT * FROM x", 497),
    "UNION": (
        "SELECT label FROM dwh.interface_probe UNION ALL SELECT email FROM pd.interface_people",
        497,
    ),
    "scalar subquery": ("SELECT (SELECT any(email) FROM pd.interface_people)", 497),
    "view over pd": ("SELECT * FROM dwh.interface_people_view", 497),
    "Merge table over pd": ("SELECT * FROM dwh.interface_merge", 497),
    "view() table function": ("SELECT * FROM view(SELECT * FROM pd.interface_people)", 497),
    "merge()": ("SELECT * FROM merge('pd', '^interface')", 497),
    "merge() REGEXP": ("SELECT * FROM merge(REGEXP('^p'), '^interface')", 497),
    "cluster()": ("SELECT * FROM cluster('default', pd.interface_people)", 497),
    "remote()": ("SELECT * FROM remote('127.0.0.1', pd.interface_people)", 497),
    "file()": ("SELECT * FROM file('/etc/passwd', 'LineAsString')", 497),
    "file() scalar": ("SELECT file('/etc/hostname')", 497),
    "url()": ("SELECT * FROM url('http://127.0.0.1:1/', 'LineAsString')", 497),
    "s3()": ("SELECT * FROM s3('http://127.0.0.1:1/b/k', 'CSV')", 497),
    "mysql()": ("SELECT * FROM mysql('127.0.0.1:3306', 'shop', 'orders', 'u', 'p')", 497),
    "sqlite()": ("SELECT * FROM sqlite('/tmp/x.sqlite', 't')", 497),
    "executable()": (
        "SELECT * FROM executable('cat /etc/passwd', 'LineAsString', 'x String')",
        497,
    ),
    "python()": ("SELECT * FROM Python(settings)", 497),
    "dictionary()": ("SELECT * FROM dictionary('pd.d')", 497),
    "dictGet": ("SELECT dictGet('pd.d', 'email', 1)", 497),
    "joinGet": ("SELECT joinGet('pd.j', 'email', 1)", 497),
    "hasColumnInTable": ("SELECT hasColumnInTable('pd', 'interface_people', 'email')", 497),
    "mysql database": ("SELECT * FROM mysql.customers", 497),
    "system table outside the list": ("SELECT query FROM system.query_log", 497),
    "system.processes": ("SELECT query FROM system.processes", 497),
    "system.parts": ("SELECT database, table FROM system.parts", 497),
    "DESCRIBE": ("DESCRIBE TABLE pd.interface_people", 497),
    "SHOW CREATE": ("SHOW CREATE TABLE pd.interface_people", 497),
    "EXISTS": ("EXISTS TABLE pd.interface_people", 497),
    "SHOW TABLES FROM": ("SHOW TABLES FROM pd", 497),
    "USE": ("USE pd", 497),
    "Identifier parameter": ("SELECT * FROM {t:Identifier}", 497),
    "SETTINGS readonly=0": ("SELECT 1 SETTINGS readonly = 0", 164),
    "SET readonly": ("SET readonly = 0", 164),
    "SETTINGS table filters": (
        "SELECT database FROM system.tables SETTINGS additional_table_filters = {}",
        164,
    ),
    "SET dialect": ("SET dialect = 'prql'", 164),
    "INSERT": ("INSERT INTO dwh.interface_probe VALUES (9, 'nine')", 164),
    "INSERT SELECT": (
        "INSERT INTO dwh.interface_probe SELECT 9, email FROM pd.interface_people",
        164,
    ),
    "CREATE TABLE": ("CREATE TABLE dwh.mine (x UInt8) ENGINE = Memory", 164),
    "CREATE temporary table AS": (
        "CREATE TEMPORARY TABLE t AS SELECT * FROM pd.interface_people",
        164,
    ),
    "DROP": ("DROP TABLE dwh.interface_probe", 164),
    "ALTER DELETE": ("ALTER TABLE dwh.interface_probe DELETE WHERE 1", 164),
    "TRUNCATE": ("TRUNCATE TABLE dwh.interface_probe", 164),
    "SYSTEM": ("SYSTEM FLUSH LOGS", 164),
    "KILL": ("KILL QUERY WHERE 1", 164),
    "INTO OUTFILE": ("SELECT 1 INTO OUTFILE '/tmp/loupe-reader-outfile'", 48),
    "multi-statement": ("SELECT 1; SELECT * FROM pd.interface_people", 62),
}


@pytest.mark.parametrize("statement,code", list(BYPASSES.values()), ids=list(BYPASSES))
def test_reader_bypass_is_refused(served: Served, statement: str, code: int) -> None:
    # `{t:Identifier}` names pd.interface_people only once the parameter is bound.
    response = served.post(statement, param_t="pd.interface_people")
    assert response.headers["X-ClickHouse-Exception-Code"] == str(code), response.text
    assert response.status_code == {497: 403, 164: 403, 48: 501, 62: 400}[code]
    assert SECRET not in response.text


def test_reader_bypass_by_get_is_refused(served: Served) -> None:
    response = served.get(query="SELECT * FROM pd.interface_people")
    assert response.status_code == 403
    assert SECRET not in response.text


def test_reader_refused_databases_in_url_and_header(served: Served) -> None:
    by_param = served.post("SELECT * FROM interface_people", database="pd")
    by_header = served.post(
        "SELECT * FROM interface_people", headers={"X-ClickHouse-Database": "pd"}
    )
    assert by_param.headers["X-ClickHouse-Exception-Code"] == "497"
    assert by_header.headers["X-ClickHouse-Exception-Code"] == "497"


@pytest.mark.parametrize("setting", ["readonly", "additional_table_filters", "dialect"])
def test_reader_cannot_change_protected_settings_in_url(served: Served, setting: str) -> None:
    response = served.post("SELECT 1", **{setting: "0"})
    assert response.headers["X-ClickHouse-Exception-Code"] == "164"
    assert response.status_code == 403


def test_reader_cannot_lower_readonly_in_its_session(served: Served) -> None:
    reader = served.client("reader", session_id="reader-readonly-session")
    with pytest.raises(Exception, match="164"):
        reader.command("SET readonly = 0")
    assert reader.command("SELECT getSetting('readonly')") == 2
    with pytest.raises(Exception, match="164"):
        reader.command("INSERT INTO dwh.interface_probe VALUES (9, 'nine')")


def test_reader_reads_dwh_tables_and_views_over_dwh(served: Served) -> None:
    reader = served.client("reader")
    assert reader.query("SELECT n FROM dwh.interface_probe ORDER BY n").result_rows == [
        (1,), (2,), (3,),
    ]  # fmt: skip
    assert reader.query("SELECT sum(n) FROM interface_probe_view").result_rows == [(6,)]
    assert reader.command("SELECT currentDatabase()") == "dwh"


def test_reader_sees_only_its_databases_in_metadata(served: Served) -> None:
    reader = served.client("reader")
    databases = set(reader.query("SHOW DATABASES").result_columns[0])
    assert "dwh" in databases
    assert not databases & {"pd", "mysql", "etl", "default"}
    tables = reader.query("SELECT DISTINCT database FROM system.tables").result_columns[0]
    assert not set(tables) & {"pd", "mysql", "etl"}
    columns = reader.query("SELECT DISTINCT database FROM system.columns").result_columns[0]
    assert "dwh" in columns and not set(columns) & {"pd", "mysql"}
    schemas = reader.query(
        "SELECT DISTINCT table_schema FROM information_schema.tables"
    ).result_columns[0]
    assert not set(schemas) & {"pd", "mysql"}
    assert reader.query("SHOW TABLES FROM dwh LIKE 'interface_probe'").result_rows == [
        ("interface_probe",)
    ]


def test_reader_metadata_queries_of_bi_tools_work(served: Served) -> None:
    """What Superset and Metabase send on connect (docs/http-interface.md)."""
    reader = served.client("reader")
    assert reader.query("SELECT currentUser() AS user, timezone(), version() LIMIT 1").row_count
    assert (
        reader.query("SELECT name, value, readonly FROM system.settings LIMIT 10000").row_count
        > 100
    )
    assert reader.query("SELECT name FROM system.functions UNION ALL "
                        "SELECT name FROM system.table_functions").row_count > 100  # fmt: skip
    described = reader.query("DESCRIBE TABLE dwh.interface_probe").result_columns[0]
    assert list(described) == ["n", "label"]


def test_admin_reads_what_the_reader_cannot(served: Served) -> None:
    admin = served.client()
    assert admin.query("SELECT email FROM pd.interface_people").result_rows == [(SECRET,)]
    assert admin.query("SELECT email FROM dwh.interface_people_view").result_rows == [(SECRET,)]
