"""The one seam between ptsync and the network: a request in, an ``Answer`` (plain data) out.

Like httpx's transport, a ``Sender`` does one exchange and knows nothing of PeerTube: no
credentials, no retries, no redirects. What it promises is what a hostile or broken server must
not be able to get past:

- it never follows a redirect: a 3xx comes back as an answer, and the caller decides (the
  instance's transport follows one only within the instance's origin, so a credential can
  never travel to another host or port);
- it never reads more than ``limit`` bytes of a body (fewer for an error answer, whose status
  and title are all that is used): reading stops there, the connection is dropped, and the
  answer says ``truncated``, so an endless or huge answer costs at most the cap in memory;
- an in-memory body must arrive within the read timeout as a whole, so a server trickling
  bytes cannot hold a run either.

A Sender raises ``requests.RequestException`` when no answer came (refused, reset, timed out,
TLS); the caller turns that into a typed error (``ptsync.peertube.failures``). Test doubles
return ``Answer(200, {"Content-Type": "application/json"}, b"{}")`` and need nothing else.

Every cap is here, one per kind of answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

import requests
import urllib3
from requests.adapters import HTTPAdapter

from ptsync.options import DEFAULTS

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
MAX_ANSWER = 16 * MiB  # any API answer: a page of 100 videos is ~0.5 MiB, a detail ~50 KiB
MAX_AUTH_ANSWER = 64 * KiB  # the OAuth client and token answers (a few hundred bytes)
MAX_ERROR_BODY = 64 * KiB  # any answer of 300 or more: only its status, title, detail count
MAX_WEBHOOK_ANSWER = 64 * KiB  # the --notify webhook's answer (only its status counts)
MAX_DOWNLOAD = 64 * GiB  # a source file fetched to replace a video's file (streamed to disk)
READ_BLOCK = 64 * KiB
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def size_text(limit: int) -> str:
    """``16 MiB``, ``64 KiB``: a cap as people read it."""
    for unit, name in ((GiB, "GiB"), (MiB, "MiB"), (KiB, "KiB")):
        if limit >= unit and limit % unit == 0:
            return f"{limit // unit} {name}"
    return f"{limit} bytes"


class Headers(Mapping[str, str]):
    """Answer headers: immutable, looked up case-insensitively (``Retry-After``)."""

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items = {str(k).lower(): (str(k), str(v)) for k, v in pairs}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


@dataclass(frozen=True)
class Answer:
    """What came back: status, headers, the body (at most the cap), the URL it came from."""

    status: int
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    url: str = ""
    truncated: bool = False  # the body was longer than the cap: only its start is here

    def __post_init__(self) -> None:
        if not isinstance(self.headers, Headers):  # a plain dict from a test double
            object.__setattr__(self, "headers", Headers(self.headers))

    def json(self) -> Any:
        """The body as JSON (``ValueError`` when it is not)."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def redirect(self) -> str | None:
        """The ``Location`` of a redirect (3xx with a target); None for anything else, such as
        the upload protocol's ``308 Resume Incomplete``, which has none."""
        if self.status in REDIRECTS:
            return self.headers.get("Location") or None
        return None


class Sender(Protocol):
    """One exchange, no redirects followed, at most ``limit`` bytes of body read (written to
    ``sink`` instead of kept, when given, for a 2xx)."""

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: tuple[float, float] | None = None,
        limit: int = MAX_ANSWER,
        sink: IO[bytes] | None = None,
    ) -> Answer: ...

    def close(self) -> None: ...


class RequestsSender:
    """The default Sender: a pooled, thread-safe ``requests.Session`` reading bodies as a
    stream and stopping at the cap. Environment settings (``REQUESTS_CA_BUNDLE``, proxies)
    apply as in requests."""

    def __init__(self, parallelism: int = DEFAULTS.parallelism) -> None:
        self.session = _NoRedirects()
        pool = max(10, parallelism * 2)
        adapter = HTTPAdapter(pool_connections=pool, pool_maxsize=pool)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: tuple[float, float] | None = None,
        limit: int = MAX_ANSWER,
        sink: IO[bytes] | None = None,
    ) -> Answer:
        response = self.session.request(
            method,
            url,
            params=params,
            json=json,
            data=data,
            files=files,
            headers=dict(headers or {}),
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        )
        try:
            status = response.status_code
            keep = sink if status < 300 else None
            cap = limit if status < 300 else min(limit, MAX_ERROR_BODY)
            within = None if keep is not None or timeout is None else timeout[1]
            body, truncated = _read(response, cap, keep, within)
            return Answer(status, Headers(response.headers.items()), body, url, truncated)
        finally:
            response.close()  # unread bytes (past the cap) are dropped with the connection

    def close(self) -> None:
        self.session.close()


class _NoRedirects(requests.Session):
    """A session that never looks at ``Location``: even with ``allow_redirects=False``
    requests parses it to prepare the next hop, and a broken one (a port out of range, an
    unclosed IPv6 bracket) would raise ValueError out of the request."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None


def _read(
    response: requests.Response, cap: int, sink: IO[bytes] | None, within: float | None
) -> tuple[bytes, bool]:
    """At most ``cap`` bytes of the (decoded) body; True when there were more. ``within``:
    seconds the whole body may take (a trickling server is a timeout like a silent one)."""
    started = time.monotonic()
    kept: list[bytes] = []
    size = 0
    for block in _blocks(response):
        size += len(block)
        if size > cap:
            return b"".join(kept) if sink is None else b"", True
        if sink is not None:
            sink.write(block)
        else:
            kept.append(block)
        if within is not None and time.monotonic() - started > within:
            raise requests.exceptions.ReadTimeout(
                f"the answer did not finish within {within:g} s", response=response
            )
    return b"".join(kept), False


def _blocks(response: requests.Response) -> Iterator[bytes]:
    """The decoded body as it arrives: ``read1`` returns what is there (up to a block)
    instead of waiting for a full block, so a trickle is seen while it trickles. urllib3's
    errors become requests' ones, as ``iter_content`` would raise them."""
    raw = response.raw
    if not hasattr(raw, "read1"):  # urllib3 < 2.3
        yield from response.iter_content(READ_BLOCK)
        return
    raw.decode_content = True  # gzip and friends: the cap counts what is decoded
    try:
        while block := raw.read1(READ_BLOCK):
            yield block
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc) from None
    except urllib3.exceptions.ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from None
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from None
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from None
