"""What a client's statement is, asked of the engine's own parser before the statement runs.

`formatQuery()` (the client's SQL bound as a query parameter, so nothing runs) rejects several
statements in one request, as a server's HTTP interface does, and returns the statement in its
canonical form; `EXPLAIN AST` of that single statement gives its parse tree. From these come the
output format, whether the statement has a result (a server sends `X-ClickHouse-Format` only
then), whether it may run over GET, and what the reader guard (guard.py) checks.

`Parsed` keeps the statements parsed lately, so that a dashboard's repeated queries are parsed by
the engine once: a parse is a function of the text, the query parameters and the settings in
force (`dialect`, `implicit_select`... change it), so its key holds those, with the user and the
current database. Only the parse is kept: the guard checks the tree against the catalog as it is
at every request, so a table replaced by a view since is seen.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Hashable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, BinaryIO

from loupe import sqlfiles
from loupe.interface.protocol import ClickHouseError, engine_error
from loupe.warehouse.embedded import _memory_file

FORMAT_QUERY_SQL = sqlfiles.load("loupe.interface", "format_query")

RESULT_KINDS = frozenset(
    {
        "SelectWithUnionQuery",
        "SelectIntersectExceptQuery",
        "Explain",
        "DescribeQuery",
        "ExistsTableQuery",
        "CheckQuery",
        "KillQueryQuery",
    }
)
# Statements a GET may run (a server runs GET requests read-only).
READ_KINDS = (RESULT_KINDS - {"KillQueryQuery"}) | {"Set", "UseQuery"}
_FORMAT_AT_END = re.compile(r"\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*\Z")
_STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'")
_FILE_CLAUSE = re.compile(r"\bINTO\s+OUTFILE\b|\bFROM\s+INFILE\b", re.IGNORECASE)
_INSERT = re.compile(r"\A\s*INSERT\b", re.IGNORECASE)
_FORMAT_NAME = re.compile(r"\bFORMAT\s+([A-Za-z0-9_]+)", re.IGNORECASE)
_KILL_BY_ID = re.compile(
    r"\AKILL QUERY WHERE query_id = '((?:[^'\\]|\\.)*)'"
    r"(?: (SYNC|ASYNC|TEST))?(?:\s+FORMAT \w+)?\s*\Z"
)


@dataclass(frozen=True)
class AstNode:
    """One line of `EXPLAIN AST`: its depth, node type and argument (`TableIdentifier pd.p`)."""

    depth: int
    kind: str
    argument: str


@dataclass(frozen=True)
class Statement:
    """A client's single statement, as the engine parses it."""

    text: str  # as the client sent it (what runs)
    normalized: str  # formatQuery's canonical form
    nodes: tuple[AstNode, ...]

    @property
    def kind(self) -> str:
        """The root node type: `SelectWithUnionQuery`, `InsertQuery`, `Set`, `ShowTables`..."""
        return self.nodes[0].kind if self.nodes else ""

    @property
    def output_format(self) -> str | None:
        """The format named by the statement's own `FORMAT` clause."""
        found = _FORMAT_AT_END.search(self.normalized)
        return found.group(1) if found else None

    @property
    def has_result(self) -> bool:
        """Whether the statement returns rows (SELECT, SHOW, DESCRIBE...), not SET or INSERT."""
        return self.kind in RESULT_KINDS or self.kind.startswith("Show")

    @property
    def reads_only(self) -> bool:
        """Whether a GET may run it."""
        return self.kind in READ_KINDS or self.kind.startswith("Show")

    def killed_id(self) -> tuple[str, str] | None:
        """For `KILL QUERY WHERE query_id = '...' [SYNC|ASYNC|TEST]`: the query id and the mode
        (what the JDBC driver sends to cancel), else None."""
        found = _KILL_BY_ID.match(self.normalized)
        if self.kind != "KillQueryQuery" or not found:
            return None
        query_id = re.sub(r"\\(.)", r"\1", found.group(1))
        return query_id, found.group(2) or "ASYNC"

    def code_text(self) -> str:
        """The canonical text without its string literals (for keyword checks)."""
        return _STRINGS.sub("''", self.normalized)


def parse_ast(text: str) -> tuple[AstNode, ...]:
    """`EXPLAIN AST` output as nodes, dropping `(children N)` and `(alias x)` suffixes."""
    nodes = []
    for line in text.splitlines():
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip(" "))
        body = re.sub(r"\s*\((children \d+|alias [^)]*)\)", "", line.strip())
        kind, _, argument = body.partition(" ")
        nodes.append(AstNode(depth, kind, argument.strip()))
    return tuple(nodes)


def analyze(connection: Any, sql: str, params: dict[str, str] | None = None) -> Statement:
    """Parse `sql` with the engine; raise `ClickHouseError` (62) for a syntax error or several
    statements, and refuse `INTO OUTFILE`/`FROM INFILE` (files of the warehouse's machine).
    `params` are the request's query parameters (`param_*`)."""
    try:
        normalized = (
            connection.query(FORMAT_QUERY_SQL, "TSVRaw", params={"q": _escape(sql)})
            .bytes()
            .decode()
            .strip()
        )
    except Exception as exc:
        raise engine_error(exc) from None
    statement_text = _STRINGS.sub("''", normalized)
    if _FILE_CLAUSE.search(statement_text):
        raise ClickHouseError(
            48, "INTO OUTFILE and FROM INFILE are not allowed over HTTP", "NOT_IMPLEMENTED"
        )
    try:
        # With the request's query parameters bound, as the statement will run.
        tree = connection.query(f"EXPLAIN AST {normalized}", "TSVRaw", params=params or None)
        tree = tree.bytes().decode()
    except Exception as exc:
        raise engine_error(exc) from None
    return Statement(sql, normalized, parse_ast(tree))


class Parsed:
    """The statements parsed lately, least recently used dropped first beyond `size`."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._statements: OrderedDict[Hashable, Statement] = OrderedDict()
        self._lock = threading.Lock()

    def analyze(
        self, connection: Any, sql: str, params: dict[str, str], context: Hashable
    ) -> Statement:
        """`analyze(connection, sql, params)`, parsed once per `context` (the user, the current
        database and the settings in force): a refused statement is not kept."""
        key = (context, sql, tuple(sorted(params.items())))
        with self._lock:
            statement = self._statements.get(key)
            if statement is not None:
                self._statements.move_to_end(key)
                return statement
        statement = analyze(connection, sql, params)
        with self._lock:
            self._statements[key] = statement
            while len(self._statements) > self.size:
                self._statements.popitem(last=False)
        return statement

    def __len__(self) -> int:
        return len(self._statements)


_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"})


def _escape(value: str) -> str:
    """A parameter value in ClickHouse's escaped text form, as chDB reads bound values."""
    return value.translate(_ESCAPES)


@dataclass(frozen=True)
class InsertData:
    """An INSERT whose data follows `FORMAT name`: the statement up to the format, and the data."""

    head: str
    input_format: str
    data: bytes


def split_insert(query_param: str | None, body: bytes) -> InsertData | None:
    """Split an INSERT ... FORMAT statement from its data, as a server does: with the query in
    the URL, the body is the data; with the query in the body, the data starts after the format
    name and the rest of its line."""
    if query_param is not None:
        if not _INSERT.match(query_param):
            return None
        found = _last_format(query_param)
        if found is None:
            return None
        return InsertData(query_param[: found.end()], found.group(1), body)
    head = body[:65536].decode(errors="replace")
    if not _INSERT.match(head):
        return None
    for found in _FORMAT_NAME.finditer(head):
        rest = head[found.end() :]
        if rest.strip(" \t") == "" or rest[:1] in (" ", "\t", "\r", "\n"):
            if _STRINGS.sub("", head[: found.start()]).count("'") % 2:
                continue  # inside a string literal
            start = len(head[: found.end()].encode())
            data = body[start:]
            data = data.lstrip(b" \t")
            if data.startswith(b"\r\n"):
                data = data[2:]
            elif data.startswith(b"\n"):
                data = data[1:]
            return InsertData(head[: found.end()], found.group(1), data)
    return None


def _last_format(text: str) -> re.Match[str] | None:
    found = None
    for found in _FORMAT_NAME.finditer(text):  # noqa: B007 - the last one is wanted
        pass
    if found and not text[found.end() :].strip(" \t\r\n;"):
        return found
    return None


_HEAD_TOKENS = re.compile(r"'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`|\bSETTINGS\b")


def infile_statement(normalized_head: str, path: str) -> str:
    """The INSERT that reads its data from `path`: `FROM INFILE` goes after the table and
    columns, before the SETTINGS and FORMAT clauses (formatQuery writes keywords in capitals)."""
    head = _FORMAT_AT_END.sub("", normalized_head).rstrip()
    input_format = _FORMAT_AT_END.search(normalized_head)
    settings_at = len(head)
    for token in _HEAD_TOKENS.finditer(head):
        if token.group() == "SETTINGS":
            settings_at = token.start()
            break
    fmt = f" FORMAT {input_format.group(1)}" if input_format else ""
    return f"{head[:settings_at].rstrip()} FROM INFILE '{path}' {head[settings_at:]}{fmt}"


def spooled_insert(method: str, params: dict[str, str]) -> bool:
    """Whether the request is an INSERT whose statement is in the URL, so that its body is all
    data: written to a file as it arrives (protocol.spool), unless it needs decompressing."""
    return (
        method == "POST"
        and params.get("decompress") != "1"
        and split_insert(params.get("query"), b"") is not None
    )


def data_file(data: bytes, spooled: BinaryIO | None) -> AbstractContextManager[str]:
    """The path an INSERT reads its data from: the spooled body's, or an in-memory file."""
    return nullcontext(f"/dev/fd/{spooled.fileno()}") if spooled else _memory_file(data)
