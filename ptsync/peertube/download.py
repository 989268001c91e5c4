"""A local file for a source: the path itself, or a streamed download of a URL source.

Replacing a video's file goes through PeerTube's upload protocol, so a URL source has to be
fetched first. It goes through the Sender seam like every request: streamed to a temporary file
(flat memory; at most ``MAX_DOWNLOAD`` bytes), removed afterwards, with the client's timeouts.
The source is another origin than the instance: the download never carries the instance's
token. Redirects are followed, at most ``MAX_HOPS`` (archives and object stores send a download
to a mirror or a signed URL); each hop obeys the transport rule (https, or http to loopback or
with ``--insecure-http``). A ``user:password@`` in the source URL is sent, as basic auth, only
to the URL that names it. Messages show the URL redacted.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import requests

from ptsync import __version__, redact
from ptsync.errors import AnswerTooLarge, ConfigError, Redirected, TransportError
from ptsync.peertube.answers import text_summary
from ptsync.peertube.failures import Attempt, error_for
from ptsync.peertube.origins import MAX_HOPS, check_transport, resolve
from ptsync.peertube.sender import MAX_DOWNLOAD, Answer, Sender, size_text


@contextmanager
def local_copy(
    source: str | Path,
    sender: Sender,
    *,
    timeout: tuple[float, float],
    insecure_http: bool = False,
) -> Iterator[Path]:
    """``source`` as a local path: a path as is, a URL downloaded for the ``with`` block."""
    text = str(source)
    if urlsplit(text).scheme not in ("http", "https"):
        yield Path(source)
        return
    suffix = Path(urlsplit(text).path).suffix
    with tempfile.NamedTemporaryFile(prefix="ptsync-", suffix=suffix) as handle:
        fetch(text, sender, handle, timeout=timeout, insecure_http=insecure_http)
        handle.flush()
        yield Path(handle.name)


def fetch(
    source: str,
    sender: Sender,
    sink: IO[bytes],
    *,
    timeout: tuple[float, float],
    insecure_http: bool = False,
) -> None:
    """Stream ``source`` into ``sink``, following redirects; typed one-line errors."""
    shown = redact.url(source)
    url = source
    for _ in range(MAX_HOPS + 1):
        try:
            check_transport(url, insecure_http)
        except ConfigError as exc:
            raise ConfigError(f"cannot download {shown}: {exc}") from None
        sink.seek(0)
        sink.truncate()
        answer = _get(sender, url, sink, timeout, shown)
        if answer.redirect is None:
            _check(answer, shown)
            return
        url = resolve(url, answer.redirect)
    why = f"not followed after {MAX_HOPS} redirects"
    raise Redirected("GET", shown, answer.status, redact.url(url), why)


def _get(
    sender: Sender, url: str, sink: IO[bytes], timeout: tuple[float, float], shown: str
) -> Answer:
    headers = {"User-Agent": f"ptsync/{__version__}"}
    try:
        return sender.request(
            "GET", url, headers=headers, timeout=timeout, limit=MAX_DOWNLOAD, sink=sink
        )
    except requests.RequestException as exc:
        raise error_for(exc, Attempt("GET", shown, redact.url(url), timeout, False)) from None


def _check(answer: Answer, shown: str) -> None:
    if answer.status >= 300:
        detail = f"HTTP {answer.status} {text_summary(answer)}".strip()
        raise TransportError("GET", shown, f"cannot download the new source ({detail})")
    if answer.truncated:
        raise AnswerTooLarge("GET", shown, size_text(MAX_DOWNLOAD))
