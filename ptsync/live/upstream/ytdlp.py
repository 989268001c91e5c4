"""yt-dlp as a library: one flat extraction per source, quiet, no cookies, no files written.

yt-dlp is the optional extra ``ptsync[mirrors]`` and is imported only here, on first use
(``load``), so ``ptsync plan`` without mirrors never pays for its 1 700 extractors.

Options, and why:
- ``extract_flat=True``: the source's page(s) are read once and its entries come back as URLs;
  no entry is visited (a 5 000-video channel is a handful of pages, not 5 000 requests), not
  even when the source itself answers with one URL (a page embedding a single video): the
  caller follows such an answer only when it names another channel or playlist.
- ``playlistend``: ``limit``; paged sources stop fetching pages once it is reached.
- ``socket_timeout``: a source that stops answering fails the listing instead of hanging CI.
- ``cachedir=False``, no ``cookiefile``: nothing is read from or written to the user's yt-dlp
  folders; the API reads no config files (``ignoreconfig`` says so for the CLI's parser too).
- ``extractor_args.youtubetab.approximate_date``: YouTube's tabs give "3 weeks ago"; with it
  entries carry an approximate date, which is what ``since`` compares on that platform.
- a logger that keeps messages instead of printing them: stdout carries only ptsync's output.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from ptsync.errors import MissingExtra, UpstreamError, UpstreamFailure

SOCKET_TIMEOUT = 30.0
_SIGN_IN_HINTS = ("sign in to confirm", "--cookies", "login required", "sign in to view")


def load(url: str) -> ModuleType:
    """The ``yt_dlp`` module, or ``MissingExtra`` naming the extra that installs it."""
    try:
        return importlib.import_module("yt_dlp")
    except ImportError:
        raise MissingExtra(url) from None


class _Quiet:
    """yt-dlp's ``logger``: keeps warnings (shown with -v by the caller), prints nothing."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def debug(self, message: str) -> None:
        pass

    info = debug

    def warning(self, message: str) -> None:
        self.warnings.append(message)

    def error(self, message: str) -> None:
        pass


def options(limit: int | None, timeout: float = SOCKET_TIMEOUT) -> dict[str, Any]:
    return {
        "extract_flat": True,
        "skip_download": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "logger": _Quiet(),
        "socket_timeout": timeout,
        "ignoreconfig": True,
        "cachedir": False,
        "cookiefile": None,
        "playlistend": limit,
        "extractor_args": {"youtubetab": {"approximate_date": [""]}},
    }


def extract(url: str, limit: int | None, timeout: float = SOCKET_TIMEOUT) -> dict[str, Any]:
    """The flat info dict of ``url`` (a playlist, or one video); typed errors on failure."""
    yt_dlp = load(url)
    try:
        with yt_dlp.YoutubeDL(options(limit, timeout)) as ydl:
            info = ydl.extract_info(url, download=False)
            return dict(ydl.sanitize_info(info) or {})
    except yt_dlp.utils.DownloadError as exc:
        raise classify(url, exc) from None


def fetch(url: str, max_bytes: int, timeout: float = SOCKET_TIMEOUT) -> bytes:
    """The body of ``url`` through yt-dlp's own networking (same proxy, timeouts, headers)."""
    yt_dlp = load(url)
    try:
        with yt_dlp.YoutubeDL(options(None, timeout)) as ydl, ydl.urlopen(url) as response:
            body = bytes(response.read(max_bytes + 1))
    except yt_dlp.networking.exceptions.RequestError as exc:
        raise classify(url, exc) from None
    if len(body) > max_bytes:
        raise UpstreamError(UpstreamFailure.FAILED, url, f"answer larger than {max_bytes} bytes")
    return body


def classify(url: str, exc: BaseException) -> UpstreamError:
    """The one-line, typed problem for what yt-dlp raised."""
    yt_dlp = load(url)
    utils, net = yt_dlp.utils, yt_dlp.networking.exceptions
    chain = list(_causes(exc))
    text = _message(chain)
    if any(isinstance(e, utils.UnsupportedError) for e in chain):
        return UpstreamError(
            UpstreamFailure.UNSUPPORTED, url, "not a channel, playlist or feed yt-dlp can list"
        )
    if any(hint in text.lower() for hint in _SIGN_IN_HINTS):
        first = text.split(". ")[0].strip().rstrip(".")
        return UpstreamError(
            UpstreamFailure.NEEDS_SIGN_IN, url, f"{first} (ptsync lists sources without cookies)"
        )
    http = next((e for e in chain if isinstance(e, net.HTTPError)), None)
    if http is not None:
        kind = UpstreamFailure.NEEDS_SIGN_IN if http.status == 401 else UpstreamFailure.UNREACHABLE
        return UpstreamError(kind, url, f"HTTP {http.status} {http.reason or ''}".strip())
    transport = next((e for e in chain if isinstance(e, net.TransportError)), None)
    if transport is not None:
        return UpstreamError(UpstreamFailure.UNREACHABLE, url, str(transport.msg or transport))
    return UpstreamError(UpstreamFailure.FAILED, url, text or type(exc).__name__)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: DownloadError.exc_info, ExtractorError.cause, __cause__."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        info = getattr(current, "exc_info", None)
        todo += [info[1] if isinstance(info, tuple) and len(info) > 1 else None]
        todo += [getattr(current, "cause", None), current.__cause__, current.__context__]


def _message(chain: list[BaseException]) -> str:
    """The innermost extractor message, without yt-dlp's "ERROR: [generic] id: " prefix."""
    for exc in chain:
        original = getattr(exc, "orig_msg", None)
        if isinstance(original, str) and original:
            return original
    text = str(chain[0]) if chain else ""
    return text.removeprefix("ERROR: ")
