"""Fuzzing the collector: the record decoder (hypothesis) and the HTTP API (schemathesis over
`collector-openapi.yaml`), with fixed, derandomized example budgets so CI runs the same cases.

Whatever comes in, the answer is never a 5xx and never a hang, and whatever the decoder keeps
can be inserted (a row that Arrow refuses would poison its whole batch).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loupe.ingest.batch import Batch
from loupe.ingest.bodies import BodyError, array_elements, decode_body
from loupe.ingest.collector import create_collector_app, openapi_document
from loupe.ingest.records import Rejection
from loupe.ingest.sinks import WarehouseSink
from loupe.ingest.writer import BatchWriter
from loupe.warehouse import Warehouse
from tests.helpers.calls import api_call
from tests.helpers.servers import serve_asgi

TOKEN = "fuzz-token"
FUZZ = settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
field_names = st.sampled_from([*api_call(), "event_id", "other"])
records = st.dictionaries(field_names, json_values, max_size=14) | st.builds(
    lambda overrides: api_call(**overrides),
    st.dictionaries(field_names, json_values, max_size=3),
)


def storable(items: list) -> None:
    """The decoded items go into the warehouse's Arrow tables as they are."""
    rows = [item for item in items if not isinstance(item, Rejection)]
    rejections = [(0, item, "collector") for item in items if isinstance(item, Rejection)]
    batch = Batch(rows, rejections)
    assert batch.accepted_table().num_rows == len(rows)
    assert batch.rejected_table().num_rows == len(rejections)
    assert all(rejection.reason for _, rejection, _ in rejections)


@FUZZ
@given(body=st.binary(max_size=2000), ndjson=st.booleans())
def test_any_bytes_decode_to_records_or_a_4xx(body: bytes, ndjson: bool) -> None:
    try:
        items = decode_body(body, ndjson, 1_763_640_000_000, 1024, budget=1_000_000)
    except BodyError as error:
        assert error.status in (413, 422)
    else:
        storable(items)


@FUZZ
@given(
    lines=st.lists(
        records.map(orjson.dumps)
        | st.binary(max_size=200)
        | st.integers(0, 300).map(lambda depth: b"[" * depth + b"]" * depth),
        max_size=8,
    )
)
def test_ndjson_records_each_become_a_row_or_a_rejection(lines: list[bytes]) -> None:
    body = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    items = decode_body(body, True, 1_763_640_000_000, 1024, budget=None)
    assert len(items) == sum(1 for line in body.split(b"\n") if line.strip())
    storable(items)


@FUZZ
@given(elements=st.lists(json_values | records, max_size=8))
def test_array_elements_split_like_a_json_decoder(elements: list) -> None:
    body = orjson.dumps(elements, option=orjson.OPT_INDENT_2)
    assert [orjson.loads(text) for text in array_elements(body)] == orjson.loads(body)


@pytest.fixture
def collector_url(warehouse: Warehouse) -> Iterator[str]:
    writer = BatchWriter(WarehouseSink(warehouse), max_delay_ms=20, when_full="raise")
    app = create_collector_app(writer, TOKEN, max_body_bytes=64_000, max_concurrent_requests=2)
    with serve_asgi(app) as url:
        yield url
    writer.close()


SCHEMA = schemathesis.openapi.from_dict(openapi_document())
POST = SCHEMA["/v1/api-calls"]["POST"]


def test_the_api_never_answers_5xx(collector_url: str) -> None:
    statuses: set[int] = set()

    @FUZZ
    @given(case=POST.as_strategy())
    def post(case: schemathesis.Case) -> None:
        headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKEN}"}
        response = case.call(base_url=collector_url, headers=headers, timeout=10)
        statuses.add(response.status_code)
        assert response.status_code < 500, (response.status_code, response.text)
        assert response.json()  # every answer is JSON

    post()
    assert 200 in statuses
    for path in ("/healthz", "/metrics", "/openapi.json"):
        assert httpx.get(f"{collector_url}{path}", timeout=10).status_code == 200
