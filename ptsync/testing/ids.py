"""Identifiers the way PeerTube spells them: numeric ids, UUID v4 and the 22-character shortUUID.

PeerTube accepts all three wherever a video or playlist id goes (``isIdOrUUIDValid`` after
``toCompleteUUID``), and clients rely on the shortUUID being the flickrBase58 spelling of the
UUID, so the fake derives it the same way (``ptsync.shortuuid``) instead of inventing its own.
"""

from __future__ import annotations

import re
import secrets
import uuid

from ptsync.shortuuid import from_short

_UUID_V4 = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.I
)
_INT = re.compile(r"^[+-]?[0-9]+$")


def new_uuid() -> str:
    return str(uuid.uuid4())


def is_int(value: object) -> bool:
    """``validator.isInt('' + value)``: what PeerTube's ``isIdValid`` accepts."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str) and bool(_INT.match(value))


def parse_ident(value: str) -> int | str | None:
    """A path id as PeerTube reads it: an int id, a full UUID, or ``None`` when invalid."""
    if _INT.match(value):
        return int(value)
    if _UUID_V4.match(value):
        return value.lower()
    full = from_short(value)
    if full is not None and _UUID_V4.match(full):
        return full
    return None


def upload_id() -> str:
    """Same shape as PeerTube's resumable upload ids (four dash-joined 16-digit hex groups)."""
    return "-".join(secrets.token_hex(8) for _ in range(4))


def token() -> str:
    return secrets.token_hex(20)
