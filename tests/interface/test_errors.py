"""Errors as a server sends them: `Code: N. DB::Exception: ...`, `X-ClickHouse-Exception-Code`,
and the HTTP status of the code (docs/http-interface.md)."""

from __future__ import annotations

import pytest
from clickhouse_connect.driver.exceptions import DatabaseError

from loupe.interface.protocol import STATUS_BY_CODE, ClickHouseError, engine_error
from tests.helpers.interface import Served


@pytest.mark.slow
@pytest.mark.parametrize(
    "sql,code,status",
    [
        ("SELECT nope FROM dwh.interface_probe", 47, 404),
        ("SELECT * FROM no_such_table", 60, 404),
        ("SELECT * FROM no_such_db.t", 81, 404),
        ("SELEC 1", 62, 400),
        ("SELECT 1; SELECT 2", 62, 400),
        ("SELECT throwIf(1)", 395, 500),
        ("SELECT 1 FORMAT NoSuchFormat", 73, 404),
    ],
)
def test_error_code_header_and_status(served: Served, sql: str, code: int, status: int) -> None:
    # The admin: a reader naming a database it was not given is refused first (497).
    response = served.post(sql, user="admin")
    assert response.status_code == status
    assert response.headers["X-ClickHouse-Exception-Code"] == str(code)
    assert response.text.startswith(f"Code: {code}. DB::Exception: ")
    assert "Stack trace" not in response.text


@pytest.mark.slow
def test_wrong_password_is_401_with_code_516(served: Served) -> None:
    import httpx

    wrong = httpx.post(served.url, content="SELECT 1", auth=("reader", "nope"))
    assert wrong.status_code == 401
    assert wrong.headers["X-ClickHouse-Exception-Code"] == "516"
    anonymous = httpx.post(served.url, content="SELECT 1")
    assert anonymous.status_code == 401
    admin_guess = httpx.post(served.url, content="SELECT 1", auth=("admin", ""))
    assert admin_guess.status_code == 401


@pytest.mark.slow
def test_clickhouse_connect_reports_the_code(served: Served) -> None:
    with pytest.raises(DatabaseError, match="code: 60"):
        served.client("reader").query("SELECT * FROM no_such_table")


@pytest.mark.slow
def test_passwords_never_logged(served: Served) -> None:
    served.post("SELECT 1", user="admin")
    assert served.admin_password not in "".join(served.process.lines)
    assert "reader-pass-7f3a" not in "".join(served.process.lines)


def test_status_table() -> None:
    expected = {47: 404, 60: 404, 81: 404, 62: 400, 164: 403, 497: 403, 159: 504, 516: 401}
    assert {code: STATUS_BY_CODE[code] for code in expected} == expected
    assert ClickHouseError(1000, "x").status == 500


def test_engine_error_keeps_the_innermost_code_and_name() -> None:
    chdb_text = (
        "Code: 164. DB::Exception: Code: 164. DB::Exception: Cannot modify 'readonly' setting "
        "in readonly mode. (READONLY) (version 26.9.2.1). (READONLY)\nStack trace: ..."
    )
    error = engine_error(RuntimeError(chdb_text))
    assert (error.code, error.name) == (164, "READONLY")
    assert error.body().decode() == (
        "Code: 164. DB::Exception: Cannot modify 'readonly' setting in readonly mode. "
        "(READONLY) (version 26.9.2.1)\n"
    )
