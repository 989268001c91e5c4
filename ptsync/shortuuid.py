"""PeerTube's ``shortUUID``: the UUID's 128 bits in flickrBase58, 22 characters.

PeerTube accepts it wherever a video or playlist id goes (``toCompleteUUID``) and prints it in
watch URLs (``/w/<short>``). One spelling for the fake (which must derive it as PeerTube
does) and for identifying a PeerTube video from any URL that names it.
"""

from __future__ import annotations

_ALPHABET = "123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
LENGTH = 22


def to_short(uuid: str) -> str:
    """The shortUUID of ``uuid`` (any case, with or without dashes)."""
    number = int(uuid.replace("-", ""), 16)
    digits = ""
    while number:
        number, rest = divmod(number, 58)
        digits = _ALPHABET[rest] + digits
    return digits.rjust(LENGTH, _ALPHABET[0])


def from_short(value: str) -> str | None:
    """The UUID (lower case, dashed) a short form spells, or None when it spells none: not
    1-22 base58 characters, or more than 128 bits (a caller wanting exactly the 22 that
    ``to_short`` writes checks the length)."""
    if not value or len(value) > LENGTH or any(c not in _INDEX for c in value):
        return None
    number = 0
    for char in value:
        number = number * 58 + _INDEX[char]
    if number >= 1 << 128:
        return None
    text = f"{number:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
