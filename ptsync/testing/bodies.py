"""Request bodies decoded the way PeerTube's Express stack decodes them.

The differences matter to clients: ``express.json`` (500 kB limit) keeps types;
``express.urlencoded({extended: false})`` turns repeated keys into arrays, a single key into a
string, and leaves ``tags[0]`` as a literal key nobody reads; multer (multipart only) follows
``append-field``, so ``tags[0]``/``tags[]`` and repeated ``tags`` become arrays but one plain
``tags`` stays a string. Files are hashed while streamed so multi-megabyte uploads never sit in
memory whole.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import IO, Any

from werkzeug.wrappers import Request

JSON_LIMIT = 500 * 1024
URLENCODED_LIMIT = 100 * 1024
KEEP_WHOLE = 1 << 20
HEAD_BYTES = 64 * 1024
READ_SIZE = 256 * 1024

_BRACKETED = re.compile(r"^([^\[\]]+)\[([^\[\]]*)\]$")


class BodyTooLarge(Exception):
    """``PayloadTooLargeError`` from body-parser (answered before any route or rate limiter)."""


class BodySyntax(Exception):
    """``SyntaxError`` from ``express.json`` on malformed JSON."""


@dataclass(frozen=True)
class StoredFile:
    """What the fake keeps of an uploaded file: enough to assert on without holding gigabytes."""

    filename: str
    mimetype: str
    size: int
    sha256: str
    head: bytes
    data: bytes | None


class Accumulator:
    """Hashes a stream incrementally; keeps every byte only while the total stays ≤ 1 MiB."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.size = 0
        self._buffer = bytearray()
        self._overflowed = False

    def feed(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self.size += len(chunk)
        if self._overflowed:
            return
        self._buffer.extend(chunk)
        if len(self._buffer) > KEEP_WHOLE:
            del self._buffer[HEAD_BYTES:]
            self._overflowed = True

    def drain(self, stream: IO[bytes], limit: int | None = None) -> int:
        """Feed from ``stream`` (at most ``limit`` bytes); returns how many bytes were read."""
        read = 0
        while limit is None or read < limit:
            want = READ_SIZE if limit is None else min(READ_SIZE, limit - read)
            chunk = stream.read(want)
            if not chunk:
                break
            self.feed(chunk)
            read += len(chunk)
        return read

    def finish(self, filename: str, mimetype: str) -> StoredFile:
        data = None if self._overflowed else bytes(self._buffer)
        return StoredFile(
            filename=filename,
            mimetype=mimetype,
            size=self.size,
            sha256=self._hash.hexdigest(),
            head=bytes(self._buffer[:HEAD_BYTES]),
            data=data,
        )


@dataclass
class Body:
    kind: str | None
    fields: dict[str, Any] = field(default_factory=dict)
    files: dict[str, list[StoredFile]] | None = None
    unexpected_file: str | None = None

    @property
    def is_multipart(self) -> bool:
        return self.kind == "multipart"


def parse(request: Request, allowed_files: frozenset[str]) -> Body:
    """Decode the body; multipart only where the route runs multer (it names file fields)."""
    mimetype = request.mimetype
    if mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    ):
        return Body("json", _json_fields(_read_limited(request, JSON_LIMIT)))
    if mimetype == "application/x-www-form-urlencoded":
        return Body("urlencoded", _urlencoded_fields(request))
    if mimetype == "multipart/form-data" and allowed_files:
        return _multipart(request, allowed_files)
    return Body(None)


def _read_limited(request: Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge()
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise BodyTooLarge()
    return data


def _json_fields(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise BodySyntax(str(exc)) from None
    return value if isinstance(value, dict) else {}


def _urlencoded_fields(request: Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > URLENCODED_LIMIT:
        raise BodyTooLarge()
    fields: dict[str, Any] = {}
    for key, values in request.form.lists():
        fields[key] = values[0] if len(values) == 1 else list(values)
    return fields


def _multipart(request: Request, allowed: frozenset[str]) -> Body:
    body = Body("multipart", files={})
    for key, value in request.form.items(multi=True):
        _append_field(body.fields, key, value)
    assert body.files is not None
    for name, storage in request.files.items(multi=True):
        if name not in allowed or name in body.files:
            body.unexpected_file = body.unexpected_file or name
            continue
        acc = Accumulator()
        acc.drain(storage.stream)
        stored = acc.finish(storage.filename or "", storage.mimetype or "application/octet-stream")
        body.files[name] = [stored]
    return body


def _append_field(fields: dict[str, Any], key: str, value: str) -> None:
    match = _BRACKETED.match(key)
    if match is None:
        if key not in fields:
            fields[key] = value
        elif isinstance(fields[key], list):
            fields[key].append(value)
        else:
            fields[key] = [fields[key], value]
        return
    base, index = match.groups()
    if index == "" or index.isdigit():
        target = fields.get(base)
        items = target if isinstance(target, list) else ([] if target is None else [target])
        if index.isdigit() and int(index) < len(items):
            items[int(index)] = value
        else:
            items.append(value)
        fields[base] = items
    else:
        nested = fields.get(base)
        mapping = nested if isinstance(nested, dict) else {}
        mapping[index] = value
        fields[base] = mapping
