"""yt-dlp's smuggled URL data: ``<url>#__youtubedl_smuggle=<json>``, read without yt-dlp.

yt-dlp's generic extractor lists a feed item as its link with the item's guid smuggled into
the fragment; that exact string is what ptsync and PeerTube's own channel sync import (the
server de-duplicates on it), and the guid is the entry's identity (``feed:<guid>``). People
read the link alone: plans and reports show a URL unsmuggled.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

SMUGGLE = "#__youtubedl_smuggle"


def unsmuggle(url: str) -> tuple[str, dict[str, Any]]:
    """yt-dlp's ``unsmuggle_url`` (the same format): the plain URL and the smuggled data."""
    if SMUGGLE not in url:
        return url, {}
    base, _, fragment = url.rpartition("#")
    try:
        data = json.loads(parse_qs(fragment)["__youtubedl_smuggle"][0])
    except (KeyError, IndexError, ValueError):
        return url, {}
    return base, data if isinstance(data, dict) else {}
