"""Splitting a request body or a file into records, lazily and within a memory budget.

A body is never decoded whole: NDJSON is read line by line and a JSON array element by element
(a scanner finds the top-level commas without building Python objects), so decoding holds the
body, the records validated so far and one record being decoded. The records validated so far
are charged what they take in memory (`sys.getsizeof` of the row or rejection and its texts);
past the budget the body is refused (`BodyError`, 413) before anything is queued. That keeps a
body of millions of tiny lines (`1\\n` x 8M: 8M rejections) from costing gigabytes. The same
costs cut a big batch into slices for its inserts (`insert_slices`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from sys import getsizeof
from typing import Any

import orjson

from loupe.ingest.batch import Batch
from loupe.ingest.records import NO_PRIVACY, Privacy, Rejection, decode_line

MAX_DEPTH = 1024  # orjson's own nesting limit: deeper than that is not decodable anyway
_STRUCTURE = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]', re.DOTALL)
_OPENERS = {0x5B: 0x5D, 0x7B: 0x7D}  # [ -> ], { -> }
_WHITESPACE = b" \t\r\n"
# A pointer in the list of decoded records, plus the (received_at, rejection, source) tuple
# a rejection is queued as.
_LIST_SLOT = 8
_REJECTION_TUPLE = getsizeof((0, None, ""))


class BodyError(Exception):
    """The body as a whole cannot be taken: an HTTP status (413, 422) and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def ndjson_lines(body: bytes) -> Iterator[bytes]:
    """The non-blank lines of an NDJSON body, without their line ends, one at a time."""
    for line in io.BytesIO(body):
        if line.endswith(b"\n"):
            line = line[:-1]
        if line.strip():
            yield line


def array_elements(body: bytes) -> Iterator[bytes]:
    """The JSON texts of the elements of a JSON array body, one at a time.

    A single JSON object is one element. Raises `BodyError` (422) when the body is not a JSON
    array or object, its brackets do not match, or it nests deeper than orjson decodes.
    """
    start = _skip_whitespace(body, 0)
    if start == len(body) or body[start] not in _OPENERS:
        raise BodyError(422, "body must be a JSON array of records (or NDJSON)")
    if body[start] == 0x7B:  # one object: one record
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            if "depth" not in str(exc):  # too deep is the record's fault: rejected below
                message = "body is not valid JSON (send a JSON array, or NDJSON)"
                raise BodyError(422, message) from None
        yield body[start:]
        return
    closers: list[int] = []
    element_start = start + 1
    end = -1
    for match in _STRUCTURE.finditer(body, start):
        char = body[match.start()]
        if char == 0x22:  # a string: skipped whole
            continue
        if char in _OPENERS:
            closers.append(_OPENERS[char])
            if len(closers) > MAX_DEPTH:
                raise BodyError(422, f"body nests deeper than {MAX_DEPTH} levels")
        elif char == 0x2C:  # a comma
            if len(closers) == 1:
                yield _element(body, element_start, match.start())
                element_start = match.end()
        elif not closers or closers.pop() != char:
            raise BodyError(422, "body is not valid JSON (unbalanced brackets)")
        elif not closers:
            last = body[element_start : match.start()].strip(_WHITESPACE)
            if last or element_start != start + 1:
                yield _element(body, element_start, match.start())
            end = match.end()
            break
    if end < 0 or _skip_whitespace(body, end) != len(body):
        raise BodyError(422, "body is not valid JSON (send a JSON array, or NDJSON)")


def _element(body: bytes, start: int, end: int) -> bytes:
    element = body[start:end].strip(_WHITESPACE)
    if not element:
        raise BodyError(422, "body is not valid JSON (an empty array element)")
    return element


def _skip_whitespace(body: bytes, index: int) -> int:
    while index < len(body) and body[index] in _WHITESPACE:
        index += 1
    return index


def item_cost(item: tuple | Rejection) -> int:
    """Bytes a decoded record holds while queued: its row (or rejection) and their texts."""
    if isinstance(item, Rejection):
        return (
            _LIST_SLOT
            + _REJECTION_TUPLE
            + getsizeof(item)
            + getsizeof(item.payload)
            + getsizeof(item.reason)
        )
    return _LIST_SLOT + getsizeof(item) + sum(map(getsizeof, item))


def decode_records(
    texts: Iterator[bytes],
    received_at_ms: int,
    max_record_bytes: int,
    budget: int | None,
    privacy: Privacy = NO_PRIVACY,
) -> list[tuple | Rejection]:
    """Decode and validate each record text; every failure is a rejection, never an error.

    Raises `BodyError` (413) once the decoded records would take more than `budget` bytes.
    """
    items: list[tuple | Rejection] = []
    cost = 0
    for text in texts:
        item = decode_line(text, received_at_ms, max_record_bytes, privacy)
        if budget is not None:
            cost += item_cost(item)
            if cost > budget:
                raise BodyError(
                    413,
                    f"the records of this body take over {budget} bytes decoded (at record "
                    f"{len(items) + 1}): send fewer records per request",
                )
        items.append(item)
    return items


def decode_body(
    body: bytes,
    ndjson: bool,
    received_at_ms: int,
    max_record_bytes: int,
    budget: int | None,
    privacy: Privacy = NO_PRIVACY,
) -> list[tuple | Rejection]:
    """The rows and rejections of a whole NDJSON or JSON-array body (see `decode_records`)."""
    texts = ndjson_lines(body) if ndjson else array_elements(body)
    return decode_records(texts, received_at_ms, max_record_bytes, budget, privacy)


def insert_slices(batch: Batch, max_bytes: int | None) -> list[Batch]:
    """The batch cut into inserts of at most `max_bytes` (as `bodies.item_cost` counts them).

    An insert copies its rows a few times (Arrow, the stream to the engine, the engine's own
    columns), so big batches are written in slices. The cut depends only on the batch, so a
    slice retried or replayed carries the same deduplication token.
    """
    if max_bytes is None:
        return [batch]
    slices = [Batch(rows=part) for part in _cut(batch.rows, item_cost, max_bytes)]
    slices += [
        Batch(rejections=part)
        for part in _cut(batch.rejections, lambda queued: item_cost(queued[1]), max_bytes)
    ]
    return [batch] if len(slices) == 1 else slices


def _cut(items: list, cost_of: Callable[[Any], int], max_bytes: int) -> list[list]:
    parts: list[list] = []
    part: list = []
    size = 0
    for item in items:
        cost = cost_of(item)
        if part and size + cost > max_bytes:
            parts.append(part)
            part, size = [], 0
        part.append(item)
        size += cost
    if part:
        parts.append(part)
    return parts
