"""The collector's bearer token over real HTTP: the scheme is case-insensitive (RFC 7235), the
token is not."""

from __future__ import annotations

import httpx
import pytest

from loupe.warehouse import Warehouse
from tests.helpers.calls import api_call
from tests.helpers.ingest import COLLECTOR_TOKEN as TOKEN


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (f"Bearer {TOKEN}", 200),
        (f"bearer {TOKEN}", 200),
        (f"BEARER {TOKEN}", 200),
        (f"bEaReR  {TOKEN}", 200),
        (f"Bearer {TOKEN.upper()}", 401),
        (f"Bearer {TOKEN}x", 401),
        (f"Basic {TOKEN}", 401),
        (TOKEN, 401),
        ("Bearer", 401),
        ("", 401),
    ],
)
def test_bearer_scheme_is_case_insensitive(
    collector: str, warehouse: Warehouse, authorization: str, status: int
) -> None:
    answer = httpx.post(
        f"{collector}/v1/api-calls", json=[api_call()], headers={"Authorization": authorization}
    )
    assert answer.status_code == status
    stored = warehouse.scalar("SELECT count() FROM pd.api_calls")
    if status == 200:
        assert answer.json() == {"accepted": 1, "rejected": 0, "spooled": False}
        assert stored == 1
    else:
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert stored == 0
