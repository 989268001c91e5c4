"""PeerTube's sanitizers and validity rules, as JavaScript applies them.

``toIntOrNull`` parses "15abc" as 15 and turns ``true`` into NaN, ``toBooleanOrNull`` calls
every string but "0", "false" and "" true, lengths count code points: these JS details decide
whether a value is accepted, so they are reproduced instead of using Python's notions.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from ptsync.testing import vocab
from ptsync.testing.bodies import StoredFile
from ptsync.testing.ids import is_int


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNDEFINED: Any = _Sentinel("undefined")
NAN: Any = _Sentinel("NaN")

IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".webp")
IMAGE_MAX = 4 * 1024 * 1024

_LEADING_INT = re.compile(r"^\s*([+-]?\d+)")
_ISO_DATE = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?)?)?$"
)
_TLD = re.compile(r"^([a-z\u00a1-\uffff]{2,}|xn[a-z0-9-]{2,})$", re.I)
_LABEL = re.compile(r"^[a-z\u00a1-\uffff0-9-]+$", re.I)


def to_value_or_null(value: Any) -> Any:
    return None if value == "null" else value


def to_int_or_null(value: Any) -> Any:
    value = to_value_or_null(value)
    if value is None or value is UNDEFINED:
        return value
    if isinstance(value, bool):
        return NAN
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    match = _LEADING_INT.match(str(value)) if isinstance(value, str) else None
    return int(match.group(1)) if match else NAN


def to_bool_or_null(value: Any) -> Any:
    value = to_value_or_null(value)
    if value is None or value is UNDEFINED or isinstance(value, bool):
        return value
    text = js_string(value)
    return text not in ("0", "") and text.lower() != "false"


def trim(value: Any) -> str:
    return "" if value is None or value is UNDEFINED else js_string(value).strip()


def js_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(js_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


# --- validity rules (helpers/custom-validators/videos.ts) -----------------------------------


def js_len(text: str) -> int:
    """``validator.isLength``: code points, variation selectors not counted."""
    return len(text) - text.count("\ufe0f") - text.count("\ufe0e")


def text_between(low: int, high: int, *, nullable: bool = True) -> Callable[[Any], bool]:
    def valid(value: Any) -> bool:
        if value is None:
            return nullable
        return isinstance(value, str) and low <= js_len(value) <= high

    return valid


def vocabulary_key(vocabulary: Mapping[int, str]) -> Callable[[Any], bool]:
    return lambda value: value is None or (is_int(value) and value in vocabulary)


def is_privacy(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in vocab.PRIVACIES


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def is_language(value: Any) -> bool:
    return value is None or (isinstance(value, str) and 1 <= js_len(value) <= 10)


def are_tags(value: Any) -> bool:
    if value is None:
        return True
    return (
        isinstance(value, list)
        and len(value) <= 5
        and all(isinstance(tag, str) and 2 <= js_len(tag) <= 30 for tag in value)
    )


def js_key(value: Any) -> int | None:
    """The int a JS object lookup ``MAP[value]`` would hit, if any."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit() and str(int(value)) == value:
        return int(value)
    return None


def is_comments_policy(value: Any) -> bool:
    return value is None or js_key(value) in vocab.COMMENTS_POLICIES


def parse_date(value: Any) -> float | None:
    """Epoch seconds of an ISO 8601 date as ``new Date(value)`` reads it; ``None`` if invalid."""
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return None
    text = value.replace(" ", "T").replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text) if len(text) > 7 else datetime(int(text[:4]), 1, 1)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def is_date_or_null(value: Any) -> bool:
    return value is None or parse_date(value) is not None


def is_image(upload: StoredFile) -> bool:
    mimetype = upload.mimetype.lower()
    extensions = {ext.lstrip(".") for ext in IMAGE_TYPES}
    return (
        mimetype.startswith("image/")
        and mimetype[6:] in extensions
        and 0 < upload.size <= IMAGE_MAX
    )


def is_import_url(value: Any) -> bool:
    """``isVideoImportTargetUrlValid``: http(s), a host with a TLD or an IP literal."""
    if not isinstance(value, str) or not 3 <= len(value) <= 2000 or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname
    if ip_literal(host) is not None:
        return True
    labels = host.split(".")
    if len(labels) < 2 or not _TLD.match(labels[-1]):
        return False
    return all(
        _LABEL.match(label)
        and not label.startswith("-")
        and not label.endswith("-")
        and len(label) <= 63
        for label in labels
    )


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_unicast_host(host: str) -> bool:
    """Would every address of ``host`` be unicast? The fake resolves no DNS: names are public."""
    address = ip_literal(host)
    if address is None:
        lowered = host.lower().rstrip(".")
        return not (lowered == "localhost" or lowered.endswith(".localhost"))
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
