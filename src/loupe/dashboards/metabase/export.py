"""`loupe metabase export DIR`: the bodies a push would send, as JSON files for review.

Ids Metabase would assign are placeholders: `"$database"`, `"$collection"`,
`"$card:<dashboard>/<card>"`. The database password is never written (`**********`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from loupe.dashboards.definitions import Dashboard
from loupe.dashboards.metabase import payloads
from loupe.dashboards.metabase.payloads import DatabaseConnection
from loupe.logs import REDACTED


def _write(path: Path, body: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    return path


def export(
    directory: Path,
    dashboards: Iterable[Dashboard],
    connection: DatabaseConnection,
    collection_name: str,
    currency: str = "RUB",
) -> list[Path]:
    """Write `database.json`, `collection.json`, `cards/<dashboard>/<card>.json` and
    `dashboards/<dashboard>.create.json` / `.update.json`; return the files written."""
    written = [
        _write(
            directory / "database.json",
            payloads.database_payload(connection, password=REDACTED),
        ),
        _write(directory / "collection.json", payloads.collection_payload(collection_name)),
    ]
    for dashboard in dashboards:
        card_ids: dict[str, payloads.Ref] = {}
        for card in dashboard.cards:
            card_ids[card.id] = f"$card:{dashboard.slug}/{card.id}"
            body = payloads.card_payload(dashboard, card, "$database", "$collection", currency)
            written.append(_write(directory / "cards" / dashboard.slug / f"{card.id}.json", body))
        base = directory / "dashboards" / dashboard.slug
        written.append(
            _write(
                base.with_name(f"{dashboard.slug}.create.json"),
                payloads.dashboard_create_payload(dashboard, "$collection"),
            )
        )
        written.append(
            _write(
                base.with_name(f"{dashboard.slug}.update.json"),
                payloads.dashboard_update_payload(dashboard, "$collection", card_ids),
            )
        )
    return written
