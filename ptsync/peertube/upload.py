"""PeerTube's resumable upload protocol (uploadx), streamed from disk.

POST creates a session (``Location``), PUTs send chunks with ``Content-Range`` and get 308 with
the server's ``Range`` until the last one returns the video. After a broken connection the
server is asked for its offset (``Content-Range: bytes */SIZE``) and the upload goes on from
there. The session URL is remembered on disk under a key naming the manifest entry and file
content, so an upload cut short by a killed process resumes on the next run instead of being
started (and billed against the quota) again. Memory stays at one chunk whatever the file size.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from ptsync.cachefiles import cache_dir, read_json, write_json
from ptsync.errors import BadResponse, NotFound, PeerTubeError, RequestRejected, TransportError
from ptsync.peertube.http import Transport, decode

log = logging.getLogger("ptsync.upload")
Progress = Callable[[int, int], None]
_RANGE = re.compile(r"bytes=\d+-(\d+)")
MAX_RESUMES = 8
_STREAM_BLOCK = 256 * 1024


def content_type(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "video/mp4"


class Sessions:
    """Upload session URLs by key, so a killed run's upload is resumed, not restarted."""

    def __init__(self) -> None:
        self.folder = cache_dir() / "uploads"

    def _path(self, key: str) -> Path:
        return self.folder / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")

    def get(self, key: str | None, size: int) -> str | None:
        if not key:
            return None
        data = read_json(self._path(key))
        if isinstance(data, dict) and data.get("size") == size and data.get("location"):
            return str(data["location"])
        return None

    def put(self, key: str | None, location: str, size: int) -> None:
        if key:
            write_json(self._path(key), {"location": location, "size": size})

    def forget(self, key: str | None) -> None:
        if key:
            self._path(key).unlink(missing_ok=True)


def resumable_upload(
    transport: Transport,
    init_path: str,
    path: Path,
    metadata: dict[str, Any],
    *,
    chunk_size: int,
    on_progress: Progress | None = None,
    session_key: str | None = None,
) -> Any:
    """Upload ``path``; returns the final response's JSON (``{"video": ...}`` for a create)."""
    size = path.stat().st_size
    sessions = Sessions()
    location = sessions.get(session_key, size)
    offset = 0
    if location is not None:
        known = _server_offset(transport, location, size)
        if known is None:
            log.info("stored upload session for %s is gone; starting again", path.name)
            sessions.forget(session_key)
            location = None
        else:
            offset = known
            log.info("resuming upload of %s at byte %d of %d", path.name, offset, size)
    if location is None:
        location = _start(transport, init_path, path, size, metadata)
        sessions.put(session_key, location, size)
        offset = 0
    result = _send_all(transport, location, path, size, offset, chunk_size, on_progress)
    sessions.forget(session_key)
    return result


def _start(
    transport: Transport, init_path: str, path: Path, size: int, metadata: dict[str, Any]
) -> str:
    headers = {
        "X-Upload-Content-Length": str(size),
        "X-Upload-Content-Type": content_type(path),
    }
    body = {"filename": path.name, **metadata}
    response = transport.call("POST", init_path, json_body=body, headers=headers, retry=False)
    location = response.headers.get("Location")
    if not location:
        raise BadResponse("POST", init_path, "no Location header for the upload session")
    return session_url(transport.base_url, init_path, location)


def session_url(base_url: str, init_path: str, location: str) -> str:
    """``Location`` (protocol-relative ``//host/...`` on PeerTube, or relative) as a URL on
    the instance we talk to: the bearer token never goes to a host named by a header, and a
    PeerTube whose public name differs from the URL used (proxy, tunnel) still works."""
    target = urlsplit(urljoin(base_url + init_path, location))
    base = urlsplit(base_url)
    if target.netloc and target.netloc != base.netloc:
        log.debug("upload session announced on %s; using %s", target.hostname, base.hostname)
    return urlunsplit((base.scheme, base.netloc, target.path, target.query, ""))


def _server_offset(transport: Transport, location: str, size: int) -> int | None:
    """Bytes the server holds for the session, or None when the session no longer exists."""
    try:
        response = transport.call(
            "PUT", location, headers={"Content-Range": f"bytes */{size}"}, data=b""
        )
    except (NotFound, RequestRejected):
        return None
    if response.status_code == 308:
        return _offset(response)
    return size  # the server already has everything (200): the final PUT returns the result


def _offset(response: Any) -> int:
    match = _RANGE.match(response.headers.get("Range", ""))
    return int(match.group(1)) + 1 if match else 0


def _send_all(
    transport: Transport,
    location: str,
    path: Path,
    size: int,
    offset: int,
    chunk_size: int,
    on_progress: Progress | None,
) -> Any:
    resumes = 0
    while True:
        if on_progress:
            on_progress(offset, size)
        end = min(offset + chunk_size, size) - 1
        headers = {"Content-Range": f"bytes {offset}-{end}/{size}" if size else f"bytes */{size}"}
        headers["Content-Type"] = "application/octet-stream"
        try:
            with _Slice(path, offset, end + 1 - offset) as body:
                response = transport.call("PUT", location, data=body, headers=headers, retry=False)
        except (TransportError, PeerTubeError) as exc:
            if isinstance(exc, PeerTubeError) and exc.status < 500:
                raise
            resumes += 1
            if resumes > MAX_RESUMES:
                raise
            log.info("upload chunk failed (%s); asking the server where to resume", exc)
            known = _server_offset(transport, location, size)
            if known is None:
                raise
            offset = known
            continue
        if response.status_code == 308:
            offset = _offset(response)
            continue
        if on_progress:
            on_progress(size, size)
        return decode(response, "PUT", location.split("?")[0])


class _Slice:
    """A file window that requests streams with a Content-Length (uploadx needs one)."""

    def __init__(self, path: Path, start: int, length: int):
        self._handle = path.open("rb")
        self._start = start
        self._length = length
        self.rewind()

    def rewind(self) -> None:
        """Back to the window's start: the transport resends a chunk refused by a 429."""
        self._handle.seek(self._start)
        self._left = self._length

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        want = self._left if size is None or size < 0 else min(size, self._left)
        block = self._handle.read(min(want, _STREAM_BLOCK))
        self._left -= len(block)
        return block

    def __enter__(self) -> _Slice:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()
