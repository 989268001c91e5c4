"""Kodi-style NFO files (``<movie>``, ``<episodedetails>``, ``<musicvideo>``) as entry values.

Read with defusedxml, which refuses document type declarations, entity declarations and
external references outright: an NFO is metadata, and an XML entity is how "billion laughs"
expands 1 KB into gigabytes or reads a local file into a title.

What is read: ``title`` → name, ``plot`` (else ``outline``) → description, every ``tag`` and
``genre`` → tags (in that order, each once), ``premiered`` (else ``aired``, else ``year`` as
its 1 January) → originallyPublishedAt. Other elements are ignored; a category, licence or
language comes from ``defaults`` or a ``videos:`` entry with the same id.
"""

from __future__ import annotations

from typing import Any

ROOTS = frozenset({"movie", "episodedetails", "musicvideo", "video"})
MAX_BYTES = 1 << 20


class NfoProblem(Exception):
    pass


def read_nfo(raw: bytes) -> dict[str, Any]:
    """Entry values from an NFO's bytes; NfoProblem (one line) when it is not one."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if len(raw) > MAX_BYTES:
        raise NfoProblem(f"larger than {MAX_BYTES // 1024} KiB")
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise NfoProblem("refused: a document type or entity declaration (not expanded)") from None
    except ParseError as exc:
        raise NfoProblem(f"not valid XML ({exc})") from None
    if root.tag not in ROOTS:
        raise NfoProblem(f"<{root.tag}> is not a Kodi NFO root ({', '.join(sorted(ROOTS))})")
    return _values(root)


def _text(root: Any, *names: str) -> str | None:
    for name in names:
        found = root.find(name)
        if found is not None and found.text and found.text.strip():
            return str(found.text.strip())
    return None


def _values(root: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if (title := _text(root, "title")) is not None:
        out["name"] = title
    if (plot := _text(root, "plot", "outline")) is not None:
        out["description"] = plot
    tags = [e.text.strip() for e in [*root.findall("tag"), *root.findall("genre")] if e.text]
    if [t for t in tags if t]:
        out["tags"] = list(dict.fromkeys(t for t in tags if t))
    when = _text(root, "premiered", "aired")
    year = _text(root, "year")
    if when is not None:
        out["originallyPublishedAt"] = when
    elif year is not None:
        out["originallyPublishedAt"] = f"{year}-01-01" if year.isdigit() else year
    return out


# which NFO element each entry key came from, for problems ("talk.nfo: tag: ...")
ELEMENTS = {
    "name": "title",
    "description": "plot",
    "tags": "tag",
    "originallyPublishedAt": "premiered",
}
