"""PeerTube's resumable upload protocol (uploadx), streamed from disk.

POST creates a session (``Location``), PUTs send chunks with ``Content-Range`` and get 308 with
the server's ``Range`` until the last one returns the video. After a broken connection the
server is asked for its offset (``Content-Range: bytes */SIZE``) and the upload goes on from
there. The session URL is remembered on disk under a key naming the manifest entry and file
content, so an upload cut short by a killed process resumes on the next run instead of being
started (and billed against the quota) again. Memory stays at one chunk whatever the file size.

The last chunk is the delicate one: PeerTube assembles the file before answering, re-sent
chunks meanwhile get ``503 "The upload is already being processed"``, and once the video exists
the session answers 404. Both are waited out for a bounded time (``processing_wait``) and then
reported as typed exceptions, so the caller looks for the video by its marker instead of
uploading a second copy; a session that stays "processing" past the bound is wedged (seen on
real 6.3 servers for 10+ minutes) and is cancelled, never resumed forever.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urljoin, urlsplit, urlunsplit

from ptsync.cachefiles import cache_dir, read_json, write_json
from ptsync.errors import (
    BadResponse,
    NotFound,
    PeerTubeError,
    RequestRejected,
    TransportError,
    UploadInterrupted,
    UploadSessionGone,
    UploadWedged,
)
from ptsync.peertube.http import Transport, decode

log = logging.getLogger("ptsync.upload")
Progress = Callable[[int, int], None]
_RANGE = re.compile(r"bytes=\d+-(\d+)")
MAX_RESUMES = 8
_STREAM_BLOCK = 256 * 1024
PROCESSING_POLL = 2.0
# A stored session is resumed by this many runs at most, then cancelled and started anew.
MAX_SESSION_RUNS = 3


def is_processing(exc: Exception) -> bool:
    """PeerTube's 503 for a session whose final chunk it is still assembling."""
    return (
        isinstance(exc, PeerTubeError)
        and exc.status == 503
        and "already being processed" in str(exc).lower()
    )


def content_type(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "video/mp4"


class Sessions:
    """Upload session URLs by key, so a killed run's upload is resumed, not restarted."""

    def __init__(self) -> None:
        self.folder = cache_dir() / "uploads"

    def _path(self, key: str) -> Path:
        return self.folder / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")

    def get(self, key: str | None, size: int) -> tuple[str, int] | None:
        """The stored session URL and how many runs already tried to resume it."""
        if not key:
            return None
        data = read_json(self._path(key))
        if isinstance(data, dict) and data.get("size") == size and data.get("location"):
            runs = data.get("runs")
            return str(data["location"]), runs if isinstance(runs, int) else 0
        return None

    def put(self, key: str | None, location: str, size: int, runs: int = 0) -> None:
        if key:
            write_json(self._path(key), {"location": location, "size": size, "runs": runs})

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
    processing_wait: float,
) -> Any:
    """Upload ``path``; returns the final response's JSON (``{"video": ...}`` for a create)."""
    size = path.stat().st_size
    sessions = Sessions()
    wait = processing_wait  # seconds a session 'being processed' is waited out
    location, offset = _stored_session(transport, sessions, session_key, path, size, wait)
    try:
        if location is None:
            location = _start(transport, init_path, path, size, metadata)
            sessions.put(session_key, location, size)
            offset = 0
        result = _send_all(transport, location, path, size, offset, chunk_size, on_progress, wait)
    except UploadInterrupted as exc:
        if isinstance(exc, UploadWedged):
            cancel_session(transport, exc.location)
        sessions.forget(session_key)
        raise
    sessions.forget(session_key)
    return result


def _stored_session(
    transport: Transport, sessions: Sessions, key: str | None, path: Path, size: int, wait: float
) -> tuple[str | None, int]:
    """A persisted session to go on with and its offset, or (None, 0) to start a new one."""
    stored = sessions.get(key, size)
    if stored is None:
        return None, 0
    location, runs = stored
    if runs >= MAX_SESSION_RUNS:
        log.info("upload session for %s tried by %d runs; starting a new one", path.name, runs)
        cancel_session(transport, location)
        sessions.forget(key)
        return None, 0
    sessions.put(key, location, size, runs + 1)
    try:
        resumed = _resume_offset(transport, location, size, path.name, wait)
    except UploadInterrupted as exc:
        if isinstance(exc, UploadWedged):
            cancel_session(transport, location)
        sessions.forget(key)
        raise
    return location, resumed


def _resume_offset(transport: Transport, location: str, size: int, name: str, wait: float) -> int:
    """Where a stored session goes on.

    A session that is "already being processed" had its last chunk sent by a run that died: its
    outcome is awaited like a live one. A session that is gone (404) may have become a video
    after that run died, or expired: either way ``UploadSessionGone``, so the caller looks for
    the video by its marker before it starts a new session."""
    try:
        known = _server_offset(transport, location, size)
    except PeerTubeError as exc:
        if not is_processing(exc):
            raise
        _await_processing(transport, location, size, wait)
    if known is None:
        log.info("stored upload session for %s is gone", name)
        raise UploadSessionGone(location, "the stored upload session is gone")
    log.info("resuming upload of %s at byte %d of %d", name, known, size)
    return known


def cancel_session(transport: Transport, location: str) -> None:
    """DELETE the session (PeerTube answers 204); gone already, or refused, is fine."""
    try:
        transport.call("DELETE", location, retry=False)
    except (PeerTubeError, TransportError) as exc:
        log.info("could not cancel upload session %s (%s)", location.split("?")[0], exc)


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


def _server_offset(
    transport: Transport, location: str, size: int, *, retry: bool = True
) -> int | None:
    """Bytes the server holds for the session, or None when the session no longer exists."""
    try:
        response = transport.call(
            "PUT", location, headers={"Content-Range": f"bytes */{size}"}, data=b"", retry=retry
        )
    except (NotFound, RequestRejected):
        return None
    if response.status == 308:
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
    wait: float,
) -> Any:
    resumes = 0
    while True:
        if on_progress:
            on_progress(offset, size)
        end = min(offset + chunk_size, size) - 1
        try:
            response = _put_chunk(transport, location, path, offset, end, size)
        except (TransportError, PeerTubeError) as exc:
            resumes += 1
            offset = _after_failed_chunk(
                transport, location, size, exc, final=end + 1 >= size, resumes=resumes, wait=wait
            )
            continue
        if response.status == 308:
            offset = _offset(response)
            continue
        if on_progress:
            on_progress(size, size)
        return decode(response, "PUT", location.split("?")[0])


def _put_chunk(
    transport: Transport, location: str, path: Path, offset: int, end: int, size: int
) -> Any:
    headers = {"Content-Range": f"bytes {offset}-{end}/{size}" if size else f"bytes */{size}"}
    headers["Content-Type"] = "application/octet-stream"
    with _Slice(path, offset, end + 1 - offset) as body:
        return transport.call("PUT", location, data=body, headers=headers, retry=False)


def _after_failed_chunk(
    transport: Transport,
    location: str,
    size: int,
    exc: Exception,
    *,
    final: bool,
    resumes: int,
    wait: float,
) -> int:
    """Where to go on after a chunk got no good answer; raises when the upload cannot."""
    gone = UploadSessionGone(location, "upload session gone after its last chunk")
    if is_processing(exc):
        _await_processing(transport, location, size, wait)
    if isinstance(exc, NotFound) and (final or resumes > 1):
        raise gone from None
    if (isinstance(exc, PeerTubeError) and exc.status < 500) or resumes > MAX_RESUMES:
        raise exc
    log.info("upload chunk failed (%s); asking the server where to resume", exc)
    try:
        known = _server_offset(transport, location, size)
    except PeerTubeError as again:
        if is_processing(again):
            _await_processing(transport, location, size, wait)
        raise
    if known is None:
        raise (gone if final else exc) from None
    return known


def _await_processing(transport: Transport, location: str, size: int, wait: float) -> NoReturn:
    """Wait while the server assembles the file; always raises: the answer to the final chunk
    is lost, so only a search by marker can tell whether the video exists now."""
    clock = transport.clock
    deadline = clock.monotonic() + wait
    while clock.monotonic() < deadline:
        clock.sleep(min(PROCESSING_POLL, wait / 4, max(0.0, deadline - clock.monotonic())))
        try:  # not retried by the transport: "being processed" is the answer we poll for
            known = _server_offset(transport, location, size, retry=False)
        except PeerTubeError as exc:
            if is_processing(exc):
                continue
            raise
        if known is None:
            raise UploadSessionGone(location, "the server finished the upload")
        if known < size:  # the server dropped the assembled file: resume from there
            raise UploadSessionGone(location, "the server restarted the upload")
        raise UploadSessionGone(location, "the server holds the whole file")
    raise UploadWedged(location, f"upload still 'being processed' after {wait:g} s")


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
