"""Another PeerTube's channel, listed through its public API rather than through yt-dlp.

yt-dlp's PeerTube extractors know a fixed list of instances; PeerTube's own API works for every
instance and says more (uuid, publication date). ``GET /api/v1/video-channels/{handle}/videos``
is read 100 at a time (the API's maximum), newest first (``sort=-publishedAt``), with NSFW
videos included, and stops as soon as ``limit`` entries are listed or an entry is older than
``since``: a mirror with ``since`` reads only the pages it needs.

Entries: ``peertube:<host>:<uuid>`` (the host of the video's own URL: a channel may list videos
federated from elsewhere) and the import URL ``https://<host>/w/<shortUUID>`` — the form yt-dlp's
PeerTube playlist extractor lists, so a PeerTube channel sync of the same channel would import
the same string.

HTTP goes through a ``JsonGet`` (path, params → decoded JSON): ``anonymous_get`` builds one on
an anonymous transport of ptsync's one HTTP seam (no credentials exist in it); a caller may
pass its own.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from ptsync.errors import NotFound, PtsyncError, UpstreamError, UpstreamFailure
from ptsync.live.upstream.entries import UpstreamEntry, external_id
from ptsync.live.upstream.identify import PEERTUBE, short_uuid

PAGE = 100
JsonGet = Callable[[str, Mapping[str, Any]], Any]
_CHANNEL_PATH = re.compile(r"^/(?:c|video-channels)/(?P<handle>[^/?#]+)(?:/videos)?/?$")


@dataclass(frozen=True)
class ChannelSource:
    root: str  # scheme://host[:port]
    handle: str

    @property
    def api_path(self) -> str:
        return f"/api/v1/video-channels/{self.handle}/videos"


def channel_source(url: str) -> ChannelSource | None:
    """The channel a ``/c/{handle}`` or ``/video-channels/{handle}`` URL names, else None."""
    parts = urlsplit(url)
    match = _CHANNEL_PATH.match(parts.path)
    if parts.scheme not in ("http", "https") or not parts.netloc or match is None:
        return None
    return ChannelSource(f"{parts.scheme}://{parts.netloc}", match.group("handle"))


def list_channel(
    source: ChannelSource, get: JsonGet, url: str, since: date | None, limit: int | None
) -> list[UpstreamEntry]:
    """The channel's entries, newest first; ``UpstreamError`` naming ``url`` on failure."""
    found: dict[str, UpstreamEntry] = {}
    for item in _items(source, get, url):
        entry = _entry(item, source, url)
        if since is not None and not entry.published_on_or_after(since):
            break  # sorted by publication date: everything after is older
        found.setdefault(entry.external_id, entry)  # a page shifted by a new video repeats one
        if limit is not None and len(found) >= limit:
            break
    return list(found.values())


def _items(source: ChannelSource, get: JsonGet, url: str) -> Iterator[Mapping[str, Any]]:
    start = 0
    while True:
        params = {"start": start, "count": PAGE, "sort": "-publishedAt", "nsfw": "both"}
        try:
            page = get(source.api_path, params)
        except NotFound:
            raise UpstreamError(UpstreamFailure.UNREACHABLE, url, "no such channel (404)") from None
        except PtsyncError as exc:
            raise UpstreamError(UpstreamFailure.UNREACHABLE, url, str(exc)) from None
        data, total = _page(page, url)
        yield from data
        start += len(data)
        if not data or start >= total:
            return


def _page(page: Any, url: str) -> tuple[list[Mapping[str, Any]], int]:
    data = page.get("data") if isinstance(page, Mapping) else None
    total = page.get("total") if isinstance(page, Mapping) else None
    if not isinstance(data, list) or not isinstance(total, int):
        raise UpstreamError(UpstreamFailure.FAILED, url, "not a PeerTube video list")
    return [item for item in data if isinstance(item, Mapping)], total


def _entry(item: Mapping[str, Any], source: ChannelSource, url: str) -> UpstreamEntry:
    uuid = item.get("uuid")
    if not isinstance(uuid, str):
        raise UpstreamError(UpstreamFailure.FAILED, url, "a listed video has no uuid")
    own = urlsplit(str(item.get("url") or ""))
    origin = f"{own.scheme}://{own.netloc}" if own.scheme and own.netloc else source.root
    host = urlsplit(origin).netloc.lower()
    short = item.get("shortUUID") if isinstance(item.get("shortUUID"), str) else None
    watch = f"{origin}/w/{short or short_uuid(uuid)}"
    return UpstreamEntry(
        external_id=external_id(PEERTUBE, f"{host}:{uuid.lower()}"),
        import_url=watch,
        title=item.get("name") if isinstance(item.get("name"), str) else None,
        published=_instant(item.get("publishedAt")),
        match_urls=(watch, f"{origin}/videos/watch/{uuid}", f"{origin}/w/{uuid}"),
    )


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextlib.contextmanager
def anonymous_get(root: str, timeout: float) -> Iterator[JsonGet]:
    """GETs on an anonymous transport of ptsync's HTTP seam (``Transport`` without
    credentials: retries, rate limit, answer caps, redirects only within that origin): no
    token of the run's own instance exists there to travel. The source carries no secret
    ptsync would send either, so plain http is accepted (a public feed's terms); one that
    cannot be a base URL (credentials in it, a bad port) is the listing's failure."""
    from ptsync.errors import ConfigError
    from ptsync.peertube.http import ClientSettings, Transport

    settings = ClientSettings(
        timeout=(min(10.0, timeout), timeout),
        use_token_cache=False,
        max_retries=3,
        insecure_http=True,
    )
    try:
        transport = Transport(root, None, settings)
    except ConfigError as exc:
        raise UpstreamError(UpstreamFailure.UNREACHABLE, root, str(exc)) from None

    def get(path: str, params: Mapping[str, Any]) -> Any:
        return transport.json("GET", path, params=dict(params), auth=False)

    try:
        yield get
    finally:
        transport.close()
