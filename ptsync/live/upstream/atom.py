"""Atom feeds, which yt-dlp's generic extractor does not read (it knows RSS only).

Tried only after yt-dlp called the URL unsupported, with one more GET. Each ``<entry>`` gives
its ``<id>`` (Atom's guid), title, ``published`` (else ``updated``) and the video URL: the
``enclosure`` link, else the ``alternate`` one. The import URL carries the id the way yt-dlp
carries an RSS guid (smuggled into the fragment), so ``identify`` names Atom and RSS items
alike (``feed:<id>``) and PeerTube's importer, which unsmuggles it, fetches the plain link.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

NS = "{http://www.w3.org/2005/Atom}"


def is_atom(body: bytes) -> bool:
    head = body[:2048].lstrip()
    return b"<feed" in head and b"http://www.w3.org/2005/Atom" in head


def entries(body: bytes, base_url: str) -> list[dict[str, Any]]:
    """yt-dlp-shaped flat entries (``url``, ``title``, ``timestamp``, ``guid``); ``url`` is
    None for an entry without a link. ``ValueError`` for XML that is not an Atom feed."""
    from yt_dlp.utils import smuggle_url  # only reached once yt-dlp has been loaded

    root = ET.fromstring(body)
    if root.tag != f"{NS}feed":
        raise ValueError("not an Atom feed")
    found = []
    for item in root.findall(f"{NS}entry"):
        entry = _entry(item, base_url)
        if entry["url"] and entry["guid"]:
            entry["url"] = smuggle_url(entry["url"], {"force_videoid": entry["guid"]})
        found.append(entry)
    return found


def _entry(item: ET.Element, base_url: str) -> dict[str, Any]:
    guid = (item.findtext(f"{NS}id") or "").strip()
    link = _link(item)
    url = urljoin(base_url, link) if link else None
    stamp = item.findtext(f"{NS}published") or item.findtext(f"{NS}updated")
    return {
        "url": url,
        "title": (item.findtext(f"{NS}title") or "").strip() or None,
        "timestamp": _timestamp(stamp),
        "guid": guid or None,
    }


def _link(item: ET.Element) -> str | None:
    links = item.findall(f"{NS}link")
    for rel in ("enclosure", "alternate"):
        for link in links:
            if link.get("rel", "alternate") == rel and link.get("href"):
                return link.get("href")
    return None


def _timestamp(text: str | None) -> float | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
