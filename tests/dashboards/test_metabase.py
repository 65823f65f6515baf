"""`loupe metabase push/export` against a Metabase double that validates every request body
against the community OpenAPI file (`../shared/metabase/metabase-api.yaml`)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from loupe.cli import app
from loupe.dashboards.definitions import (
    Card,
    Dashboard,
    Parameter,
    load_dashboards,
    resolve_values,
    run_card,
)
from loupe.dashboards.metabase import payloads
from loupe.dashboards.metabase.client import MetabaseClient, MetabaseError
from loupe.dashboards.metabase.export import export
from loupe.dashboards.metabase.payloads import DatabaseConnection
from loupe.dashboards.metabase.push import native_query, normalise_card, push
from loupe.demo import DEMO_START
from loupe.warehouse import Warehouse
from tests.helpers.dashboards import DEMO_DAYS
from tests.helpers.metabase_double import SPEC_PATH, MetabaseDouble, to_mbql5
from tests.helpers.servers import serve_asgi

# The schema lives in shared/, next to the repository (CI has it there): skip only outside CI.
pytestmark = pytest.mark.skipif(
    not SPEC_PATH.is_file() and not os.environ.get("CI"), reason=f"{SPEC_PATH} is missing"
)

CONNECTION = DatabaseConnection(
    name="Loupe warehouse",
    host="clickhouse.internal",
    port=8123,
    user="metabase_ro",
    password="db-pa55word",
)


@pytest.fixture
def double() -> MetabaseDouble:
    return MetabaseDouble()


@pytest.fixture
def served(double: MetabaseDouble) -> Iterator[str]:
    with serve_asgi(double.app) as url:
        yield url


def _client(url: str, double: MetabaseDouble) -> MetabaseClient:
    return MetabaseClient(url, api_key=double.api_key)


def _push(url: str, double: MetabaseDouble, dashboards=None):
    with _client(url, double) as client:
        return push(client, dashboards or load_dashboards(), CONNECTION, "Loupe")


def _check_wiring(double: MetabaseDouble, dashboards) -> None:
    """Each dashcard's mappings target template tags of its card, for dashboard parameters that
    exist; card parameters mirror their template tags with the same ids."""
    for card in double.cards.values():
        tags = card["dataset_query"]["native"]["template-tags"]
        assert {p["id"] for p in card["parameters"]} == {t["id"] for t in tags.values()}
        for parameter in card["parameters"]:
            name = parameter["target"][1][1]
            assert tags[name]["id"] == parameter["id"]
            assert (
                parameter["type"] == {"date": "date/single", "text": "category"}[tags[name]["type"]]
            )
    assert len(double.dashboards) == len(dashboards)
    for stored in double.dashboards.values():
        definition = next(d for d in dashboards if d.title == stored["name"])
        parameter_ids = {p["id"]: p for p in stored["parameters"]}
        assert len(parameter_ids) == len(definition.parameters)
        assert len(stored["dashcards"]) == len(definition.cards)
        for dashcard in stored["dashcards"]:
            card = double.cards[dashcard["card_id"]]
            tags = card["dataset_query"]["native"]["template-tags"]
            mapped = set()
            for mapping in dashcard["parameter_mappings"]:
                assert mapping["card_id"] == dashcard["card_id"]
                assert mapping["parameter_id"] in parameter_ids
                kind, (tag_kind, name) = mapping["target"]
                assert (kind, tag_kind) == ("variable", "template-tag")
                assert name in tags
                assert parameter_ids[mapping["parameter_id"]]["slug"] == name
                mapped.add(name)
            assert mapped == set(tags), "every template tag is wired to a dashboard filter"


def test_first_push_creates_everything_wired(served: str, double: MetabaseDouble) -> None:
    dashboards = load_dashboards()
    report = _push(served, double, dashboards)

    assert len(double.databases) == 1
    database = next(iter(double.databases.values()))
    assert database["engine"] == "clickhouse"
    assert database["details"]["host"] == "clickhouse.internal"
    assert database["details"]["port"] == 8123
    assert database["details"]["dbname"] == "dwh"
    assert database["details"]["user"] == "metabase_ro"
    assert double.synced == [database["id"]]
    assert [c["name"] for c in double.collections.values()] == ["Loupe"]
    assert len(double.cards) == sum(len(d.cards) for d in dashboards)
    assert len(dashboards) >= 2
    _check_wiring(double, dashboards)
    assert not report.updated and not report.unchanged
    assert set(report.dashboard_ids) == {d.slug for d in dashboards}
    # SQL goes through unchanged, displays and settings are mapped.
    by_entity = {c["entity_id"]: c for c in double.cards.values()}
    for dashboard in dashboards:
        for card in dashboard.cards:
            stored = by_entity[payloads.entity_id(dashboard.slug, card.id)]
            assert stored["dataset_query"]["native"]["query"] == card.sql
            assert stored["display"] == card.display
            assert stored["collection_id"] in double.collections


def test_second_push_writes_nothing(served: str, double: MetabaseDouble) -> None:
    _push(served, double)
    before = len(double.log)
    report = _push(served, double)
    assert [e for e in double.log[before:] if e[0] in ("POST", "PUT")] == []
    assert not report.created and not report.updated
    assert len(double.cards) == sum(len(d.cards) for d in load_dashboards())
    assert len(double.dashboards) == len(load_dashboards())


def _with_changed_sql(dashboards, slug: str, card_id: str):
    changed = []
    for dashboard in dashboards:
        if dashboard.slug == slug:
            cards = tuple(
                c.model_copy(update={"sql": c.sql.rstrip() + "\nLIMIT 100"})
                if c.id == card_id
                else c
                for c in dashboard.cards
            )
            dashboard = dashboard.model_copy(update={"cards": cards})
        changed.append(dashboard)
    return changed


def test_changed_sql_updates_exactly_that_card(served: str, double: MetabaseDouble) -> None:
    dashboards = load_dashboards()
    _push(served, double, dashboards)
    target = dashboards[0].cards[0]
    card_id = next(
        c["id"]
        for c in double.cards.values()
        if c["entity_id"] == payloads.entity_id(dashboards[0].slug, target.id)
    )
    dashcard_ids = {d["id"] for s in double.dashboards.values() for d in s["dashcards"]}
    before = len(double.log)
    report = _push(served, double, _with_changed_sql(dashboards, dashboards[0].slug, target.id))
    writes = [e for e in double.log[before:] if e[0] in ("POST", "PUT")]
    assert [(m, p) for m, p, _ in writes] == [("PUT", f"/api/card/{card_id}")]
    assert double.cards[card_id]["dataset_query"]["native"]["query"].endswith("LIMIT 100")
    assert report.updated == [f"card {dashboards[0].slug}/{target.id}"]
    assert {d["id"] for s in double.dashboards.values() for d in s["dashcards"]} == dashcard_ids


def test_layout_change_keeps_dashcard_ids(served: str, double: MetabaseDouble) -> None:
    dashboards = load_dashboards()
    _push(served, double, dashboards)
    first = dashboards[0]
    stored = next(s for s in double.dashboards.values() if s["name"] == first.title)
    ids = sorted(d["id"] for d in stored["dashcards"])
    moved = first.cards[-1].model_copy(update={"row": first.cards[-1].row + 10})
    changed = first.model_copy(update={"cards": (*first.cards[:-1], moved)})
    before = len(double.log)
    _push(served, double, [changed, *dashboards[1:]])
    writes = [(m, p) for m, p, _ in double.log[before:] if m in ("POST", "PUT")]
    assert writes == [("PUT", f"/api/dashboard/{stored['id']}")]
    assert sorted(d["id"] for d in stored["dashcards"]) == ids
    assert max(d["row"] for d in stored["dashcards"]) == moved.row


@pytest.mark.parametrize("honour_legacy_flag", [True, False])
def test_user_password_and_mbql5_cards(honour_legacy_flag: bool) -> None:
    """Metabase 0.57+: cards come back as MBQL 5 (also when `?legacy-mbql=true` is ignored)."""
    double = MetabaseDouble(version=(0, 57), honour_legacy_flag=honour_legacy_flag)
    with serve_asgi(double.app) as url:
        for _ in range(2):
            before = len(double.log)
            with MetabaseClient(url, user=double.user, password=double.password) as client:
                push(client, load_dashboards(), CONNECTION, "Loupe")
        assert [e for e in double.log[before:] if e[0] == "PUT"] == []
        assert [e[1] for e in double.log[before:] if e[0] == "POST"] == ["/api/session"]
        card_id = next(iter(double.cards))
        answer = httpx.get(
            f"{url}/api/card/{card_id}", headers={"X-API-KEY": double.api_key}
        ).json()
        assert answer["dataset_query"]["stages"][0]["lib/type"] == "mbql.stage/native"
    _check_wiring(double, load_dashboards())


def test_normalise_card_reads_both_shapes() -> None:
    dashboard = load_dashboards()[0]
    body = payloads.card_payload(dashboard, dashboard.cards[0], 3, 4)
    mbql5 = {**body, "dataset_query": to_mbql5(body["dataset_query"])}
    assert native_query(mbql5["dataset_query"]) == native_query(body["dataset_query"])
    assert normalise_card(mbql5) == normalise_card(body)
    assert normalise_card(body)["sql"] == dashboard.cards[0].sql.strip()


def test_wrong_credentials_and_unreachable_are_clear_errors(
    served: str, double: MetabaseDouble
) -> None:
    with pytest.raises(MetabaseError, match="401") as info:
        MetabaseClient(served, user=double.user, password="wrong-password")
    assert "wrong-password" not in str(info.value)
    with (
        pytest.raises(MetabaseError, match="401"),
        MetabaseClient(served, api_key="bad-key-123") as client,
    ):
        client.get("/database")
    with pytest.raises(MetabaseError, match="either --api-key"):
        MetabaseClient(served)


def test_double_rejects_bodies_that_violate_the_schema(served: str, double: MetabaseDouble):
    headers = {"X-API-KEY": double.api_key}
    bad = [
        ("/api/collection", {"name": "x", "colour": "red"}),  # additionalProperties: false
        ("/api/collection", {"description": "no name"}),  # name is required
        ("/api/dashboard", {"name": "x", "collection_id": "root"}),  # integer expected
        ("/api/database", {"name": "x", "engine": "postgres", "details": {}}),  # engine enum
        ("/api/session", {"username": "a"}),  # password is required
    ]
    for path, body in bad:
        response = httpx.post(served + path, json=body, headers=headers)
        assert response.status_code == 400, (path, body, response.text)
        assert "schema" in response.json()["message"]
    assert double.collections == {} and double.dashboards == {} and double.databases == {}
    # A dashcard without its required keys is refused too.
    dashboard = httpx.post(served + "/api/dashboard", json={"name": "d"}, headers=headers).json()
    response = httpx.put(
        f"{served}/api/dashboard/{dashboard['id']}",
        json={"dashcards": [{"id": -1, "card_id": None, "row": 0, "col": 0}], "tabs": []},
        headers=headers,
    )
    assert response.status_code == 400 and "required" in response.json()["message"]
    assert httpx.get(served + "/api/database").status_code == 401


def _small() -> Dashboard:
    parameters = (
        Parameter(name="start", type="date", label="From", default="2026-11-16"),
        Parameter(name="kind", type="category", label="Kind", choices=("", "a", "b")),
    )
    cards = (
        Card(
            id="c1",
            title="Pie",
            display="pie",
            sql="SELECT k, count() AS n FROM t WHERE d >= {{start}} [[AND k = {{kind}}]] "
            "GROUP BY k",
            settings={"dimension": "k", "metrics": ["n"]},
            row=0,
            col=0,
            width=12,
            height=6,
        ),
        Card(
            id="c2",
            title="Bars",
            display="bar",
            sql="SELECT d, k, count() AS n FROM t GROUP BY d, k",
            settings={"dimension": "d", "metrics": ["n"], "series": "k", "stacked": True},
            row=0,
            col=12,
            width=12,
            height=6,
        ),
    )
    return Dashboard(slug="small", title="Small", parameters=parameters, cards=cards)


def test_payload_mapping_of_a_small_dashboard() -> None:
    dashboard = _small()
    pie = payloads.card_payload(dashboard, dashboard.cards[0], 1, 2)
    assert pie["visualization_settings"] == {"pie.dimension": "k", "pie.metric": "n"}
    tags = pie["dataset_query"]["native"]["template-tags"]
    assert tags["start"]["type"] == "date" and tags["start"]["default"] == "2026-11-16"
    assert tags["kind"]["type"] == "text" and "default" not in tags["kind"]
    bars = payloads.card_payload(dashboard, dashboard.cards[1], 1, 2)
    assert bars["visualization_settings"] == {
        "graph.dimensions": ["d", "k"],
        "graph.metrics": ["n"],
        "stackable.stack_type": "stacked",
    }
    assert bars["parameters"] == [] and bars["dataset_query"]["native"]["template-tags"] == {}
    body = payloads.dashboard_update_payload(dashboard, 2, {"c1": 10, "c2": 11}, {11: 7})
    assert [d["id"] for d in body["dashcards"]] == [-1, 7]
    kind = next(p for p in body["parameters"] if p["slug"] == "kind")
    assert kind["type"] == "string/=" and kind["values_source_config"] == {"values": ["a", "b"]}
    assert [m["target"] for m in body["dashcards"][0]["parameter_mappings"]] == [
        ["variable", ["template-tag", "start"]],
        ["variable", ["template-tag", "kind"]],
    ]
    # Stable ids: the same definition gives the same body.
    assert payloads.card_payload(dashboard, dashboard.cards[0], 1, 2) == pie


def test_money_columns_carry_the_currency(
    tmp_path: Path, served: str, double: MetabaseDouble
) -> None:
    funnel = next(d for d in load_dashboards() if d.slug == "funnel")
    revenue = payloads.card_payload(funnel, funnel.card("revenue"), 1, 2, "EUR")
    assert revenue["visualization_settings"]["column_settings"] == {
        '["name", "revenue"]': {"number_style": "currency", "currency": "EUR"}
    }
    visits = payloads.card_payload(funnel, funnel.card("visits"), 1, 2, "EUR")
    assert "column_settings" not in visits["visualization_settings"]
    # Pushed through the double (every body checked against the API description), and exported.
    with MetabaseClient(served, api_key=double.api_key) as client:
        push(client, [funnel], CONNECTION, "Loupe", "EUR")
    sent = [body for method, path, body in double.log if method == "POST" and path == "/api/card"]
    money = [b for b in sent if b["name"] == funnel.card("revenue").title]
    assert (
        money[0]["visualization_settings"]["column_settings"]
        == (revenue["visualization_settings"]["column_settings"])
    )
    export(tmp_path, [funnel], CONNECTION, "Loupe", "EUR")
    exported = json.loads((tmp_path / "cards" / "funnel" / "revenue.json").read_text())
    assert '"EUR"' in json.dumps(exported["visualization_settings"])


# The cards that show products, with the column of the product's id (none: a chart).
PRODUCT_CARDS = {
    ("products", "top_products"): "product_id",
    ("products", "movers"): "product_id",
    ("inventory", "carts_over_stock"): "item_id",
    ("inventory", "most_carted"): None,
    ("inventory", "most_favorited"): "item_id",
    ("merchandising", "lost_by_item"): "item_id",
    ("merchandising", "price_changes"): "item_id",
}


def test_product_cards_show_labels(
    served: str, double: MetabaseDouble, demo_warehouse: Warehouse
) -> None:
    """The queries Metabase receives, run on the demo warehouse, show each product by its label
    in dwh.items first; the chart of the most carted items has it as its dimension."""
    dashboards = load_dashboards()
    _push(served, double, dashboards)
    by_entity = {c["entity_id"]: c for c in double.cards.values()}
    labels = {r["id"]: r["label"] for r in demo_warehouse.rows("SELECT id, label FROM dwh.items")}
    names = set(labels.values())
    last = (DEMO_START + timedelta(days=DEMO_DAYS - 1)).isoformat()
    shown = 0
    for (slug, card_id), id_column in PRODUCT_CARDS.items():
        dashboard = next(d for d in dashboards if d.slug == slug)
        stored = by_entity[payloads.entity_id(slug, card_id)]
        sent = dashboard.card(card_id).model_copy(
            update={"sql": stored["dataset_query"]["native"]["query"]}
        )
        day = {"start": last, "end": last} if dashboard.parameters else {}
        values = resolve_values(dashboard, demo_warehouse, day)
        result = run_card(demo_warehouse, dashboard, sent, values)
        assert result.error is None and result.columns[0] == "product", (slug, card_id)
        for row in result.rows:
            line = dict(zip(result.columns, row, strict=True))
            assert line["product"] in names
            assert id_column is None or line["product"] == labels[line[id_column]]
            shown += 1
    assert shown > 0
    carted = by_entity[payloads.entity_id("inventory", "most_carted")]
    assert carted["visualization_settings"]["graph.dimensions"] == ["product"]


def test_merchandising_dashboard_is_pushed_with_its_filters(
    served: str, double: MetabaseDouble
) -> None:
    """The merchandising dashboard and every card of it reach Metabase: the section filter as a
    static list wired to the cards whose SQL reads it, and no other; money in the currency."""
    board = next(d for d in load_dashboards() if d.slug == "merchandising")
    report = _push(served, double)
    stored = double.dashboards[report.dashboard_ids["merchandising"]]
    assert stored["name"] == board.title
    section = next(p for p in stored["parameters"] if p["slug"] == "section")
    assert section["type"] == "string/="
    assert section["values_source_config"] == {
        "values": list(board.parameter("section").choices[1:])
    }
    by_entity = {c["entity_id"]: c for c in double.cards.values()}
    cards = {card.id: by_entity[payloads.entity_id(board.slug, card.id)] for card in board.cards}
    assert {card["id"] for card in cards.values()} == {d["card_id"] for d in stored["dashcards"]}
    wired = {
        double.cards[d["card_id"]]["name"]: {m["target"][1][1] for m in d["parameter_mappings"]}
        for d in stored["dashcards"]
    }
    with_section = {card.title for card in board.cards if "section" in card.parameter_names()}
    assert {name for name, tags in wired.items() if "section" in tags} == with_section
    assert {"Lost demand by item", "Top search gaps (asked, nothing found)"} <= with_section
    assert "Promo codes" not in with_section and all(
        {"start", "end"} <= tags for tags in wired.values()
    )
    money = cards["lost_by_item"]["visualization_settings"]["column_settings"]
    assert money['["name", "lost_revenue_estimate"]'] == {
        "number_style": "currency",
        "currency": "RUB",
    }
    assert cards["out_of_stock_hours"]["visualization_settings"]["stackable.stack_type"] == (
        "stacked"
    )


def test_export_writes_payloads_without_secrets(tmp_path: Path) -> None:
    files = export(tmp_path / "out", load_dashboards(), CONNECTION, "Loupe")
    names = {f.relative_to(tmp_path / "out").as_posix() for f in files}
    assert {"database.json", "collection.json"} <= names
    assert len([n for n in names if n.startswith("cards/")]) == sum(
        len(d.cards) for d in load_dashboards()
    )
    text = "".join(f.read_text() for f in files)
    assert CONNECTION.password not in text
    database = json.loads((tmp_path / "out" / "database.json").read_text())
    assert database["engine"] == "clickhouse" and database["details"]["password"] == "**********"
    slug = load_dashboards()[0].slug
    update = json.loads((tmp_path / "out" / "dashboards" / f"{slug}.update.json").read_text())
    assert update["dashcards"][0]["card_id"].startswith("$card:")


def _register_cli() -> None:
    """`loupe metabase` registers itself on import. Imported here, not at module level, so that
    tests/test_docs.py (collected later) sees the command list without it until
    loupe.cli registers it."""
    import loupe.cli.metabase

    assert loupe.cli.metabase.metabase_app is not None


def test_cli_push_and_export(
    served: str, double: MetabaseDouble, loupe_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register_cli()
    runner = CliRunner()
    monkeypatch.setenv("LOUPE_HTTP_INTERFACE_PORT", "8123")  # the default (the tests turn it off)
    refused = runner.invoke(app, ["metabase", "push", "--url", served, "--api-key", "k"])
    assert refused.exit_code == 1
    message = " ".join(refused.output.split())
    assert "no password for the reader 'reader'" in message and "http_interface_users" in message
    monkeypatch.setenv("LOUPE_HTTP_INTERFACE_PORT", "0")
    off = runner.invoke(app, ["metabase", "push", "--url", served, "--api-key", "k"])
    assert off.exit_code == 1
    assert "loupe dashboards" in " ".join(off.output.split())
    assert double.log == []
    monkeypatch.setenv("LOUPE_METABASE_DB_PASSWORD", "db-pa55word")

    args = ["metabase", "push", "--url", served, "--db-host", "ch.internal", "--db-user", "ro"]
    args += ["--collection", "Shop", "--api-key", double.api_key, "-v"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "created" in first.output and "/dashboard/" in first.output
    assert double.api_key not in first.output and "db-pa55word" not in first.output
    database = next(iter(double.databases.values()))
    assert database["details"]["password"] == "db-pa55word"
    assert database["details"]["host"] == "ch.internal"
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "0 created, 0 updated" in second.output

    out = loupe_env / "export"
    exported = runner.invoke(app, ["metabase", "export", str(out), "--db-host", "ch.internal"])
    assert exported.exit_code == 0, exported.output
    assert (out / "database.json").is_file()
    assert "db-pa55word" not in "".join(p.read_text() for p in out.rglob("*.json"))


def test_cli_push_on_the_embedded_engine_connects_metabase_to_the_interface(
    served: str, double: MetabaseDouble, loupe_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded warehouse: Metabase's ClickHouse connection is the HTTP interface of the
    process holding it, as the reader with its configured password, at the host and port the
    settings say Metabase reaches it by."""
    _register_cli()
    readers = '{"reader": {"password": "reader-pa55"}, "bi": {"password": "bi-pa55"}}'
    monkeypatch.setenv("LOUPE_HTTP_INTERFACE_USERS", readers)
    monkeypatch.setenv("LOUPE_HTTP_INTERFACE_PORT", "18123")
    runner = CliRunner()
    pushed = runner.invoke(app, ["metabase", "push", "--url", served, "--api-key", double.api_key])
    assert pushed.exit_code == 0, pushed.output
    assert "reader-pa55" not in pushed.output
    details = next(iter(double.databases.values()))["details"]
    assert (details["host"], details["port"], details["user"]) == ("127.0.0.1", 18123, "reader")
    assert details["password"] == "reader-pa55" and details["dbname"] == "dwh"
    # The interface speaks the driver's own block compression (`compress=1`, its default).
    assert not details["ssl"] and "additional-options" not in details

    # Metabase in a container reaches the host by another name: the settings say which.
    monkeypatch.setenv("LOUPE_METABASE_DB_HOST", "host.docker.internal")
    monkeypatch.setenv("LOUPE_METABASE_DB_PORT", "28123")
    args = ["metabase", "push", "--url", served, "--api-key", double.api_key, "--db-user", "bi"]
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    details = next(iter(double.databases.values()))["details"]
    assert (details["host"], details["port"], details["user"]) == (
        "host.docker.internal", 28123, "bi"
    )  # fmt: skip
    assert details["password"] == "bi-pa55"

    # Options an older push or an administrator left on the connection are cleared.
    details["additional-options"] = "compress=false"
    cleared = runner.invoke(app, args)
    assert cleared.exit_code == 0, cleared.output
    assert "additional-options" not in next(iter(double.databases.values()))["details"]


def test_cli_user_password_from_secrets_dir(
    served: str, double: MetabaseDouble, loupe_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register_cli()
    secrets_dir = loupe_env / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "loupe_metabase_password").write_text(double.password + "\n")
    monkeypatch.setenv("LOUPE_SECRETS_DIR", str(secrets_dir))
    monkeypatch.setenv("LOUPE_METABASE_URL", served)
    result = CliRunner().invoke(
        app, ["metabase", "push", "--user", double.user, "--db-host", "ch.internal"]
    )
    assert result.exit_code == 0, result.output
    assert double.password not in result.output
    assert any(e[1] == "/api/session" for e in double.log)
    assert len(double.dashboards) == len(load_dashboards())


def test_archived_card_is_restored_not_duplicated(served: str, double: MetabaseDouble) -> None:
    _push(served, double)
    card_id = next(iter(double.cards))
    answer = httpx.put(
        f"{served}/api/card/{card_id}",
        json={"archived": True},
        headers={"X-API-KEY": "mb_test_key"},
    )
    assert answer.status_code == 200
    count = len(double.cards)
    report = _push(served, double)
    assert len(double.cards) == count and not double.cards[card_id]["archived"]
    assert [u for u in report.updated if "restored" in u] and not report.created
    before = len(double.log)
    _push(served, double)
    assert [e for e in double.log[before:] if e[0] in ("POST", "PUT")] == []


def test_exported_bodies_fit_the_openapi_schemas(tmp_path: Path) -> None:
    """With the placeholders given numbers, every exported body is valid for its operation."""
    from tests.helpers.metabase_double import SchemaValidator, load_spec

    validator = SchemaValidator(load_spec())

    def numbered(value):
        if isinstance(value, dict):
            return {k: numbered(v) for k, v in value.items()}
        if isinstance(value, list):
            return [numbered(v) for v in value]
        return 7 if isinstance(value, str) and value.startswith("$") else value

    export(tmp_path, load_dashboards(), CONNECTION, "Loupe")
    operations = {
        "database.json": ("POST", "/database"),
        "collection.json": ("POST", "/collection"),
    }
    checked = 0
    for path in sorted(tmp_path.rglob("*.json")):
        name = path.relative_to(tmp_path).as_posix()
        if name.startswith("cards/"):
            operation = ("POST", "/card")
        elif name.endswith(".create.json"):
            operation = ("POST", "/dashboard")
        elif name.endswith(".update.json"):
            operation = ("PUT", "/dashboard/{dashboardId}")
        else:
            operation = operations[name]
        validator.validate(*operation, numbered(json.loads(path.read_text())))
        checked += 1
    assert checked == 2 + sum(len(d.cards) + 2 for d in load_dashboards())
