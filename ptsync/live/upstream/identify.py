"""From any import ``targetUrl`` to the external id of the upstream video it fetched.

PeerTube de-duplicates on the exact ``targetUrl`` string, and a video may have been imported
by a person (``https://youtu.be/ID``), by PeerTube's own channel sync (the string yt-dlp listed,
``https://www.youtube.com/watch?v=ID``, or a feed enclosure with the item's guid smuggled into
the fragment) or by ptsync. ``identify`` maps every spelling of one upstream video to one id:

1. a smuggled ``force_videoid`` (yt-dlp's generic extractor puts a feed item's guid there,
   ``unsmuggle_url`` takes it out): ``feed:<guid>``;
2. a PeerTube watch, embed or API URL on any host, or yt-dlp's ``peertube:<host>:<id>``:
   ``peertube:<host>:<uuid>`` (short uuids expanded; yt-dlp's PeerTube extractor only knows a
   fixed list of instances, so its id pattern is applied to any host here);
3. the first yt-dlp extractor (yt-dlp's own lookup order, the generic one excluded) that
   claims the URL for a video: ``<ie_key lowercased>:<id>`` — the form of yt-dlp's download
   archive (``youtube dQw4w9WgXcQ``) with a colon.

Anything else (a plain file URL, a page) is ``None``: no identity beyond the exact string.
"""

from __future__ import annotations

import functools
import importlib
import re
from typing import Any
from urllib.parse import urlsplit

from ptsync.live.upstream.entries import external_id
from ptsync.shortuuid import LENGTH, from_short
from ptsync.smuggle import unsmuggle

FEED = "feed"
PEERTUBE = "peertube"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# yt-dlp's PeerTubeIE._UUID_RE and path forms, for any host
_PT_ID = (
    r"(?P<id>[\da-zA-Z]{22}"
    r"|[\da-fA-F]{8}-[\da-fA-F]{4}-[\da-fA-F]{4}-[\da-fA-F]{4}-[\da-fA-F]{12})"
)
_PT_URL = re.compile(
    rf"^https?://(?P<host>[^/?#]+)/(?:videos/(?:watch|embed)|api/v\d/videos|w)/"
    rf"{_PT_ID}(?:[/?#]|$)"
)
_PT_SCHEME = re.compile(rf"^peertube:(?P<host>[^/]+):{_PT_ID}$")
_LISTERS = frozenset({"YoutubeTab"})


@functools.lru_cache(maxsize=8192)
def identify(target_url: str) -> str | None:
    """The external id of the upstream video ``target_url`` imports, or None."""
    url, data = unsmuggle(target_url)
    guid = data.get("force_videoid") if data else None
    if isinstance(guid, str) and guid:
        return external_id(FEED, guid)
    found = peertube_id(url)
    if found is not None:
        return found
    return _by_extractor(url)


def peertube_id(url: str) -> str | None:
    """``peertube:<host>:<uuid>`` for a PeerTube video URL (any host), else None."""
    match = _PT_SCHEME.match(url) or _PT_URL.match(url)
    if match is None:
        return None
    host = match.group("host").rpartition("@")[2].lower()
    uuid = full_uuid(match.group("id"))
    return external_id(PEERTUBE, f"{host}:{uuid}") if host and uuid else None


def full_uuid(value: str) -> str | None:
    """A UUID, from itself or from PeerTube's 22-character short form (flickrBase58)."""
    if _UUID.match(value):
        return value.lower()
    return from_short(value) if len(value) == LENGTH else None


def _by_extractor(url: str) -> str | None:
    extractor = video_extractor(url)
    if extractor is None:
        return None
    video_id = extractor.get_temp_id(url)
    return external_id(str(extractor.ie_key()).lower(), str(video_id)) if video_id else None


def video_extractor(url: str) -> Any:
    """The first yt-dlp extractor class that claims ``url`` for a video; None without yt-dlp,
    for the generic extractor, and for extractors that list rather than play (those yt-dlp
    marks ``playlist``, and YouTube's tab extractor, marked ``any`` but only ever a channel or
    playlist: ``@name/videos`` is not a video)."""
    if urlsplit(url).scheme not in ("http", "https") or _direct_media(url):
        return None
    for extractor in _extractor_classes():
        key = extractor.ie_key()
        if key == "Generic":
            return None
        lists = getattr(extractor, "_RETURN_TYPE", None) == "playlist" or key in _LISTERS
        if not lists and extractor.suitable(url):
            return extractor
    return None


def _direct_media(url: str) -> bool:
    """A media file (``.mp4``, ``.m3u8``...: yt-dlp's own list of media extensions) is the
    generic extractor's direct link; skipping the scan of 1 700 extractors for it keeps
    ``identify`` cheap on accounts with thousands of file imports."""
    try:
        utils = importlib.import_module("yt_dlp.utils")
    except ImportError:
        return False
    media = utils.MEDIA_EXTENSIONS
    return utils.determine_ext(url, None) in {*media.video, *media.audio, *media.manifests}


def claimed_by_extractor(url: str) -> bool:
    """Does a specific yt-dlp extractor (not the generic one, not PeerTube's, which know only a
    fixed list of instances) claim ``url``? False without yt-dlp."""
    for extractor in _extractor_classes():
        key = str(extractor.ie_key())
        if key == "Generic":
            return False
        if not key.startswith("PeerTube") and extractor.suitable(url):
            return True
    return False


def extractor_class(ie_key: str) -> Any:
    """yt-dlp's extractor class named ``ie_key``, or None."""
    return next((e for e in _extractor_classes() if e.ie_key() == ie_key), None)


@functools.cache
def _extractor_classes() -> tuple[Any, ...]:
    try:
        module = importlib.import_module("yt_dlp.extractor")
    except ImportError:
        return ()
    return tuple(module.gen_extractor_classes())
