"""`loupe forget --email` finds the person by the keyed hash scrubbing left in the bodies, and
scrubbing hashes an email as the request does: stripped and lower-cased."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from loupe.cli import app
from loupe.ingest.hash_key import hash_key
from loupe.ingest.scrub import Scrubber
from loupe.settings import load_settings
from loupe.warehouse import open_warehouse
from tests.helpers.calls import api_call

runner = CliRunner()
LOGIN = "/api/v1/auth/login"


def cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), prog_name="loupe")
    assert result.exit_code == code, result.output
    return result.output


def test_scrubbing_and_the_request_hash_an_email_alike(loupe_env: Path) -> None:
    scrubber = Scrubber(key=hash_key(load_settings()))
    scrubbed = scrubber.scrub({"email": "  Ann.Lee@Example.COM "})["email"]
    assert scrubbed == scrubber.hash_text("ann.lee@example.com")
    assert scrubbed != Scrubber(key=b"another key").hash_text("ann.lee@example.com")


def test_forget_email_removes_the_calls_holding_its_hash(loupe_env: Path) -> None:
    cli("init")
    records = [
        api_call(event_id="00000000-0000-4000-8000-000000000001", session_id="s-ann",
                 method="POST", endpoint=LOGIN, request={"email": "Ann.Lee@Example.com"},
                 response={"user_id": 41}),
        api_call(event_id="00000000-0000-4000-8000-000000000002", session_id="s-ann", user_id=41),
        api_call(event_id="00000000-0000-4000-8000-000000000003", session_id="s-other",
                 user_id=41),
        api_call(event_id="00000000-0000-4000-8000-000000000004", session_id="s-bob",
                 method="POST", endpoint=LOGIN, request={"email": "bob@example.com"},
                 response={"user_id": 42}),
    ]  # fmt: skip
    calls = loupe_env / "calls.ndjson"
    calls.write_bytes(b"\n".join(orjson.dumps(record) for record in records) + b"\n")
    cli("ingest", str(calls))
    with open_warehouse(load_settings()) as warehouse:
        assert "ann" not in warehouse.scalar("SELECT groupConcat(request) FROM pd.api_calls")

    # An access request: where the warehouse holds the person, with nothing changed.
    found = cli("forget", "--dry-run", "--email", "ann.lee@example.com")
    assert "found email h:" in found and "pd.api_calls 3" in found and "nothing erased" in found
    with open_warehouse(load_settings()) as warehouse:
        assert warehouse.scalar("SELECT count() FROM pd.api_calls") == 4
        assert warehouse.scalar("SELECT count() FROM privacy.erased_keys") == 0
        assert warehouse.scalar("SELECT count() FROM privacy.erasures") == 0

    output = cli("forget", "--email", " ANN.LEE@example.com")
    assert "erased email h:" in output and "pd.api_calls 3" in output
    with open_warehouse(load_settings()) as warehouse:
        assert warehouse.rows("SELECT session_id FROM pd.api_calls") == [{"session_id": "s-bob"}]
        assert warehouse.scalar("SELECT count() FROM privacy.erased_keys WHERE kind = 'email'") == 1

    # The address's next login is dropped at ingest.
    again = api_call(
        event_id="00000000-0000-4000-8000-000000000005",
        session_id="s-new",
        method="POST",
        endpoint=LOGIN,
        request={"email": "ann.lee@example.com"},
    )
    calls.write_bytes(orjson.dumps(again) + b"\n")
    assert "1 dropped (erased persons)" in cli("ingest", str(calls))


def test_exactly_one_person_is_named(loupe_env: Path) -> None:
    """A malformed request is a usage error: one line, exit code 2, nothing opened."""
    see = " (see `loupe forget --help`)\n"
    for args in ([], ["--user", "1", "--session", "s"]):
        result = runner.invoke(app, ["forget", *args], prog_name="loupe")
        assert result.exit_code == 2
        assert result.stderr == "error: name exactly one of --user, --session, --email" + see
    result = runner.invoke(app, ["forget", "--user", "abc"], prog_name="loupe")
    assert result.exit_code == 2
    assert result.stderr == "error: --user takes a positive user id, not 'abc'" + see
