"""Mirror sources on 127.0.0.1: the feeds and pages a mirror lists, changeable while they run.

``TestUpstream`` serves one list of items in the forms yt-dlp (and ptsync's Atom reader) list:

- ``/feed.xml``: RSS 2.0, newest first; each item has an ``<enclosure>`` to ``/media/<key>.mp4``
  and a ``<guid>`` unless added with ``guid=None`` (a feed "without guids");
- ``/atom.xml``: the same items as Atom entries (``<id>`` is the guid);
- ``/playlist.html``: an HTML page embedding the items that have a ``youtube`` id as YouTube
  iframes — the kind of page yt-dlp's generic extractor turns into a playlist;
- ``/signin.html``: 401, as a page behind a login answers (yt-dlp reports "HTTP Error 401");
- ``/about.html``: a page without any video (yt-dlp: "Unsupported URL");
- ``/media/<key>.mp4``: a few bytes of ``video/mp4``, what an importer would fetch.

Items added with ``state="private"`` or ``"removed"`` are listed under the placeholder titles
platforms put in playlists for them ("[Private video]", "[Deleted video]"). ``add``/``remove``
change what the next request sees ("a new entry upstream"). ``requests`` counts every request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

PLACEHOLDERS = {"private": "[Private video]", "removed": "[Deleted video]"}
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"v" * 64
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    key: str
    title: str
    published: datetime
    guid: str | None
    state: str = "public"  # public, private, removed
    youtube: str | None = None
    dated: bool = True  # False: no pubDate/published element (sorting still uses ``published``)

    @property
    def shown_title(self) -> str:
        return PLACEHOLDERS.get(self.state, self.title)


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class TestUpstream:
    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self._items: dict[str, Item] = {}
        self._lock = threading.Lock()
        self.requests: list[str] = []
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> TestUpstream:
        server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=_Quiet)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> TestUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("TestUpstream is not started")
        return f"http://127.0.0.1:{self._server.port}"

    # --- content ---------------------------------------------------------------------------

    def add(
        self,
        key: str,
        *,
        title: str | None = None,
        published: datetime | None = None,
        guid: str | None = "",
        state: str = "public",
        youtube: str | None = None,
    ) -> Item:
        """An item; ``guid=""`` means ``key``, ``None`` none at all."""
        if state not in ("public", *PLACEHOLDERS):
            raise ValueError(f"state must be public, private or removed: {state!r}")
        with self._lock:
            when = published or EPOCH + timedelta(days=len(self._items))
            item = Item(key, title or key, when, key if guid == "" else guid, state, youtube)
            self._items[key] = item
            return item

    def add_many(self, count: int, prefix: str = "item", *, dated: bool = True) -> None:
        """``count`` items; ``dated=False`` leaves their dates out of the feeds (yt-dlp spends
        about 2 ms parsing each RSS date: 5 000 undated items list in a fraction of that)."""
        with self._lock:
            for n in range(count):
                key = f"{prefix}-{n}"
                when = EPOCH + timedelta(minutes=n)
                self._items[key] = Item(key, f"Item {n}", when, key, dated=dated)

    def remove(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def set_state(self, key: str, state: str) -> None:
        with self._lock:
            self._items[key] = replace(self._items[key], state=state)

    def items(self) -> list[Item]:
        """Newest first, as feeds and channel pages list them."""
        with self._lock:
            return sorted(self._items.values(), key=lambda i: i.published, reverse=True)

    def media_url(self, item: Item) -> str:
        return f"{self.url}/media/{item.key}.mp4"

    def count(self, path: str | None = None) -> int:
        return sum(1 for seen in self.requests if path is None or seen == path)

    # --- serving ---------------------------------------------------------------------------

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self._lock:
            self.requests.append(request.path)
        return self._answer(request)(environ, start_response)

    def _answer(self, request: Request) -> Response:
        path = request.path
        if path == "/feed.xml":
            return Response(self._rss(), content_type="application/rss+xml; charset=utf-8")
        if path == "/atom.xml":
            return Response(self._atom(), content_type="application/atom+xml; charset=utf-8")
        if path == "/playlist.html":
            return Response(self._page(), content_type="text/html; charset=utf-8")
        if path == "/signin.html":
            page = "<html><body>Please sign in</body></html>"
            return Response(page, status=401, content_type="text/html; charset=utf-8")
        if path == "/about.html":
            page = "<html><head><title>About</title></head><body>No videos here.</body></html>"
            return Response(page, content_type="text/html; charset=utf-8")
        if path.startswith("/media/") and path.endswith(".mp4"):
            return Response(MP4, content_type="video/mp4")
        return Response("Not Found", status=404, content_type="text/plain")

    def _rss(self) -> str:
        parts = []
        for item in self.items():
            guid = f"<guid isPermaLink='false'>{escape(item.guid)}</guid>" if item.guid else ""
            date = format_datetime(item.published, usegmt=True) if item.dated else ""
            parts.append(
                f"<item><title>{escape(item.shown_title)}</title>{guid}"
                f"{f'<pubDate>{date}</pubDate>' if date else ''}"
                f"<enclosure url={quoteattr(self.media_url(item))} type='video/mp4' "
                "length='72'/></item>"
            )
        return (
            "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
            f"<title>Test feed</title><link>{self.url}/</link>{''.join(parts)}</channel></rss>"
        )

    def _atom(self) -> str:
        parts = []
        for item in self.items():
            ident = f"<id>{escape(item.guid)}</id>" if item.guid else ""
            parts.append(
                f"<entry>{ident}<title>{escape(item.shown_title)}</title>"
                f"{f'<published>{item.published.isoformat()}</published>' if item.dated else ''}"
                f"<link rel='enclosure' type='video/mp4' href={quoteattr(self.media_url(item))}/>"
                "</entry>"
            )
        return (
            "<?xml version='1.0' encoding='UTF-8'?>"
            "<feed xmlns='http://www.w3.org/2005/Atom'><title>Test feed</title>"
            f"<id>{self.url}/atom.xml</id>{''.join(parts)}</feed>"
        )

    def _page(self) -> str:
        frames = "".join(
            f'<iframe src="https://www.youtube.com/embed/{item.youtube}"></iframe>'
            for item in self.items()
            if item.youtube
        )
        return f"<html><head><title>Playlist</title></head><body>{frames}</body></html>"
