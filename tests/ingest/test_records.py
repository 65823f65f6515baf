"""The API-call record contract: what is accepted, normalised, or rejected with which reason."""

from __future__ import annotations

import orjson
import pytest

from loupe.ingest.records import COLUMNS, Rejection, decode_line, derived_event_id, normalize
from tests.helpers.calls import api_call

RECEIVED_AT = 1_763_640_000_000
LIMIT = 4096


def row_of(record: dict) -> dict:
    result = normalize(record, RECEIVED_AT, LIMIT)
    assert not isinstance(result, Rejection), result
    return dict(zip(COLUMNS, result))


def test_valid_record_is_normalised() -> None:
    row = row_of(api_call(method="get", user_id=123))
    assert row["ts"] == 1_795_169_730_123  # 2026-11-20T10:15:30.123Z
    assert row["method"] == "GET"
    assert row["user_id"] == 123
    assert row["request"] == '{"section":"rings","page":1}'
    assert row["received_at"] == RECEIVED_AT


def test_epoch_milliseconds_and_iso_agree() -> None:
    assert row_of(api_call(ts=1_795_169_730_123))["ts"] == row_of(api_call())["ts"]
    assert row_of(api_call(ts="2026-11-20T13:15:30.123+03:00"))["ts"] == 1_795_169_730_123


def test_missing_event_id_is_derived_deterministically() -> None:
    first, second = row_of(api_call()), row_of(api_call())
    assert first["event_id"] == second["event_id"] == derived_event_id(api_call())
    assert row_of(api_call(status=500))["event_id"] != first["event_id"]
    # Canonical JSON: the same record with its keys in another order is the same call.
    assert derived_event_id(dict(reversed(api_call().items()))) == first["event_id"]


def test_given_event_id_is_kept() -> None:
    event_id = "0b9e2a9c-54f4-4c4e-8f0e-8f6a5b8b1c11"
    assert row_of(api_call(event_id=event_id))["event_id"] == event_id
    # The same id in capitals is the same call: ids are stored in lower case.
    assert row_of(api_call(event_id=event_id.upper()))["event_id"] == event_id


def test_iso_times_keep_every_millisecond() -> None:
    second = 1_795_169_730_000  # 2026-11-20T10:15:30Z
    for millis in range(1000):
        assert row_of(api_call(ts=f"2026-11-20T10:15:30.{millis:03d}Z"))["ts"] == second + millis
    assert row_of(api_call(ts="2026-11-20T10:15:30.123z"))["ts"] == second + 123


@pytest.mark.parametrize(
    ("ts", "accepted"),
    [
        ("2000-01-01T00:00:00Z", True),
        ("1999-12-31T23:59:59.999Z", False),
        ("2099-12-31T23:59:59.999Z", True),
        ("2100-01-01T00:00:00Z", False),
        (946_684_800_000, True),
        (4_102_444_800_000, False),  # 2100-01-01 in epoch milliseconds
    ],
)
def test_times_run_from_2000_up_to_2100(ts: object, accepted: bool) -> None:
    result = normalize(api_call(ts=ts), RECEIVED_AT, LIMIT)
    assert isinstance(result, Rejection) != accepted


def test_a_record_of_exactly_the_size_limit_is_accepted() -> None:
    def sized(padding: int) -> dict:
        return api_call(response={"blob": "x" * padding})

    counted = ("session_id", "method", "endpoint", "user_agent", "ip", "referer")
    base = sized(0)
    size = len('{"blob":""}') + len('{"section":"rings","page":1}')
    size += sum(len(base[field]) for field in counted)
    assert not isinstance(normalize(sized(LIMIT - size), RECEIVED_AT, LIMIT), Rejection)
    assert isinstance(normalize(sized(LIMIT - size + 1), RECEIVED_AT, LIMIT), Rejection)


def test_null_user_and_missing_optionals_get_defaults() -> None:
    row = row_of({"ts": 1_795_169_730_123, "session_id": "s"})
    assert row["user_id"] == 0 and row["request"] == "{}" and row["referer"] == ""


def test_client_hints_are_stored_as_canonical_json_without_header_quotes() -> None:
    hints = {"platform": '"Android"', "mobile": "?0", "model": '"SM-X200"', "arch": '"arm"'}
    row = row_of(api_call(client_hints=hints))
    assert row["client_hints"] == '{"mobile":"?0","model":"SM-X200","platform":"Android"}'
    # The same hints in another order or form are the same value: one classification.
    same = {"model": "SM-X200", "platform": "Android", "mobile": "?0"}
    assert row_of(api_call(client_hints=same))["client_hints"] == row["client_hints"]
    # A desktop browser's empty model is no hint; no hints at all is empty.
    desktop = row_of(
        api_call(client_hints={"mobile": "?0", "platform": '"Windows"', "model": '""'})
    )
    assert desktop["client_hints"] == '{"mobile":"?0","platform":"Windows"}'
    assert row_of(api_call())["client_hints"] == ""
    assert row_of(api_call(client_hints={"model": '""'}))["client_hints"] == ""


def test_request_given_as_json_text_is_accepted() -> None:
    assert row_of(api_call(request='{"q": "ring"}'))["request"] == '{"q":"ring"}'


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"session_id": None}, "session_id is missing"),
        ({"session_id": "  "}, "session_id is empty"),
        ({"ts": "yesterday"}, "ts is not an ISO 8601 time"),
        ({"ts": None}, "ts is missing"),
        ({"ts": True}, "ts is not a timestamp"),
        ({"ts": 1_795_169_730}, "outside 2000-2100"),  # seconds instead of milliseconds
        ({"request": ["a", "b"]}, "request is not a JSON object"),
        ({"response": "not json"}, "response is not a JSON object"),
        ({"event_id": "123"}, "event_id is not a UUID"),
        ({"status": "200"}, "status must be an integer"),
        ({"user_id": -1}, "user_id must be an integer"),
        ({"response": {"blob": "x" * 5000}}, "over the limit of 4096"),
        ({"method": "G" * 1_000_000}, "record is 1000"),  # every field counts
        ({"referer": "r" * 5000}, "over the limit of 4096"),
        ({"client_hints": "?1"}, "client_hints is not a JSON object"),
        ({"client_hints": {"mobile": "yes"}}, "client_hints.mobile must be ?0 or ?1"),
        ({"client_hints": {"model": 7}}, "client_hints.model must be a string"),
    ],
)
def test_invalid_records_are_rejected_with_reason(change: dict, reason: str) -> None:
    record = api_call(**change)
    result = normalize(record, RECEIVED_AT, LIMIT)
    assert isinstance(result, Rejection)
    assert reason in result.reason
    assert result.payload  # the raw record is kept


def test_line_that_is_not_json_is_rejected_whole() -> None:
    result = decode_line(b'{"ts": 1, "session_id": ', RECEIVED_AT, LIMIT)
    assert isinstance(result, Rejection) and result.reason == "not valid JSON"
    assert result.payload == '{"ts": 1, "session_id": '


def nested(depth: int) -> dict:
    """A record whose `request` nests `depth` levels of arrays."""
    return api_call(request={"deep": orjson.loads(b"[" * depth + b"]" * depth)})


@pytest.mark.parametrize("depth", [254, 300, 1000])
def test_deeply_nested_record_is_rejected_not_raised(depth: int) -> None:
    line = orjson.dumps(api_call(request={"deep": 1})).replace(
        b'"deep":1', b'"deep":' + b"[" * depth + b"]" * depth
    )
    result = decode_line(line, RECEIVED_AT, LIMIT)
    assert isinstance(result, Rejection)
    assert result.reason == "record is nested too deeply"
    assert result.payload == line.decode()
    # The same record decoded by the caller (the middleware, `add_many`) is rejected too.
    assert normalize(nested(depth), RECEIVED_AT, LIMIT).reason == "record is nested too deeply"


def test_line_nested_beyond_the_decoder_is_rejected() -> None:
    result = decode_line(b"[" * 2000 + b"]" * 2000, RECEIVED_AT, LIMIT)
    assert isinstance(result, Rejection) and result.reason == "record is nested too deeply"


def test_oversized_line_of_invalid_utf8_is_rejected_truncated() -> None:
    line = b"\xff\xfe" * (LIMIT * 3)
    result = decode_line(line, RECEIVED_AT, LIMIT)
    assert isinstance(result, Rejection)
    assert result.reason == f"record is {len(line)} bytes, over the limit"
    assert result.payload == "\ufffd" * LIMIT


def test_a_record_whose_validation_raises_is_rejected() -> None:
    class Odd(dict):  # not a plain dict from JSON: rejected before anything else
        pass

    assert normalize(Odd(api_call()), RECEIVED_AT, LIMIT).reason == "record is not a JSON object"
    record = api_call(ts=float("nan"))  # int(nan) raises ValueError inside validation
    result = normalize(record, RECEIVED_AT, LIMIT)
    assert isinstance(result, Rejection) and result.reason.startswith("record cannot be read")
