"""Who an erasure request names: the user ids, session ids and email hashes of one person.

`--user U`: the user, and every session a table ties to them (visits before they logged in,
guest carts). `--session S`: that session only. `--email E`: the keyed hash scrubbing gave the
address (`Scrubber.hash_text` of the normalised address), the users of the calls whose bodies hold
it (the record's user, or the one a login answers with), and those users' sessions. A session that
two accounts shared is erased whole: the request errs on the side of erasure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loupe import sqlfiles
from loupe.errors import LoupeError
from loupe.ingest.hash_key import erased_hash, is_hashed, normalise_email
from loupe.ingest.scrub import Scrubber
from loupe.privacy.plan import PlannedTable
from loupe.warehouse import Warehouse

KINDS = ("user", "session", "email")


def _sql(name: str) -> str:
    return sqlfiles.load("loupe.privacy", name)


@dataclass
class Subject:
    """The values naming one person, as found in the warehouse (held in memory only)."""

    kind: str
    value: str  # the user id, the session id, or the email's keyed hash
    users: set[int] = field(default_factory=set)
    sessions: set[str] = field(default_factory=set)
    body_hashes: set[str] = field(default_factory=set)
    orders: set[int] = field(default_factory=set)

    def request_hash(self, key: bytes) -> str:
        """The keyed hash of the value the request named (what the erasure record keeps)."""
        return erased_hash(key, self.kind, self.value)

    def list_entries(self, key: bytes) -> list[tuple[str, str]]:
        """(kind, keyed hash) of every key the erasure list gets."""
        entries = [("user", erased_hash(key, "user", str(user))) for user in sorted(self.users)]
        entries += [("session", erased_hash(key, "session", s)) for s in sorted(self.sessions)]
        entries += [("email", erased_hash(key, "email", h)) for h in sorted(self.body_hashes)]
        return entries

    def params(self) -> dict:
        """Query parameters of `person_rows.sql`."""
        users = sorted(self.users)
        return {
            "users": users,
            "sessions": sorted(self.sessions),
            "orders": sorted(self.orders),
            "body_hashes": sorted(self.body_hashes),
            # `"user_id": 12` or `"user_id":"12"` in a rejected payload (integers only: safe).
            "user_pattern": r'"user_id"\s*:\s*"?(' + "|".join(map(str, users)) + r")\b",
        }


def parse_request(user: str | None, session: str | None, email: str | None) -> tuple[str, str]:
    """The kind and value of a request: exactly one of user, session, email, well formed."""
    given = [
        (kind, value) for kind, value in zip(KINDS, (user, session, email)) if value is not None
    ]
    if len(given) != 1:
        raise LoupeError("name exactly one of --user, --session, --email")
    kind, value = given[0]
    value = value.strip()
    if kind == "user" and not (value.isdigit() and int(value) > 0):
        raise LoupeError(f"--user takes a positive user id, not {value!r}")
    if kind == "session" and not value:
        raise LoupeError("--session takes a non-empty session id")
    if kind == "email" and ("@" not in value or is_hashed(value)):
        raise LoupeError(f"--email takes an email address, not {value!r}")
    return kind, value


def resolve(
    warehouse: Warehouse, key: bytes, kind: str, value: str, tables: list[PlannedTable]
) -> Subject:
    """Everything that names the person in the warehouse (see the module docstring)."""
    if kind == "email":  # from here on, the address is only its keyed hash
        value = Scrubber(key=key).hash_text(normalise_email(value))
    subject = Subject(kind, value)
    if kind == "user":
        subject.users.add(int(value))
    elif kind == "session":
        subject.sessions.add(value)
    else:
        body_hash = value
        subject.body_hashes.add(body_hash)
        for row in warehouse.rows(_sql("calls_with_hash"), {"body_hash": body_hash}):
            subject.sessions.add(row["session_id"])
            if row["user_id"]:
                subject.users.add(row["user_id"])
    if subject.users:
        for table in tables:
            if {"user_id", "session_id"} <= set(table.columns):
                params = {"users": sorted(subject.users), **sqlfiles.names(table=table.name)}
                for row in warehouse.rows(_sql("sessions_of_users"), params):
                    subject.sessions.add(row["session_id"])
    subject.sessions.discard("")
    params = subject.params()
    subject.orders = {row["id"] for row in warehouse.rows(_sql("person_orders"), params)}
    return subject
