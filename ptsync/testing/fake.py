"""``FakePeerTube``: a real HTTP server on 127.0.0.1 that behaves like PeerTube 6.3 to 8.3.

The facade owns the lifecycle (werkzeug's threaded server on an ephemeral port, in a daemon
thread) and exposes seeding, introspection and server-side knobs for tests, the demo and
benchmarks. Everything else lives in modules with one job each; this class only wires them
together and takes the instance lock around direct state access.

``version`` picks the release (``profiles``; default 6.3); ``upgrade`` switches a running fake
to another one, its data kept, as an administrator's upgrade does. ``channel_sync_enabled`` is the
admin's ``import.video_channel_synchronization.enabled`` (off, as on a fresh instance); what an
external channel lists is registered with ``set_upstream`` (the fake runs no yt-dlp).
``create_delay`` (seconds; ``None`` = instant, the fast default) makes import creation take
that long and finish even if the client has gone; the last chunk of a resumable upload then
takes ``upload_delay`` (default a third of ``create_delay``).
``completion.DEFAULT_CREATE_DELAY`` is what real servers measured. ``service_time``
(``ptsync.testing.service``) makes every answer take as long as a real server's does.

``clock`` (``ptsync.clock``; default the real one) runs every timer of the instance: import
jobs, server-side completion, latency and slow answers, token expiry, rate-limit windows,
request times and the ``Date`` header. Tests give the fake and the client one
``FakeClock`` (``fake.clock.advance(seconds)``) so no test waits for time to pass.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ptsync import clock as clocks
from ptsync.testing import admin, auth, import_job, profiles, resumable, service, syncs
from ptsync.testing.app import App
from ptsync.testing.completion import SessionFilter, Wedge
from ptsync.testing.faults import FaultInjector
from ptsync.testing.memory import State, Upstream
from ptsync.testing.problems import Problem
from ptsync.testing.records import Settings, UploadPhase
from ptsync.testing.requestlog import RequestLog, RequestRecord
from ptsync.testing.service import ServiceTime

LOGGER = logging.getLogger("ptsync.testing")
POLL_INTERVAL = 0.005
"""How often the accept loop looks for ``stop()``: stopping waits up to this long (tests start
hundreds of fakes; idle polling at this rate costs well under 1 % of a core)."""


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: hundreds of tests would drown in it."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        if type == "error":
            LOGGER.debug(message, *args)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header, on the fake's clock."""
        if timestamp is None:
            timestamp = self.server.app.clock.time()  # type: ignore[attr-defined]
        return super().date_time_string(timestamp)


class FakePeerTube:
    def __init__(
        self,
        *,
        rate_limit: tuple[int, float] | None = (50, 10.0),
        login_rate_limit: tuple[int, float] | None = (15, 300.0),
        import_duration: float | None = 0.2,
        token_ttl: float = 86399,
        video_file_update_enabled: bool = False,
        http_import_enabled: bool = True,
        allow_private_import_targets: bool = False,
        channel_sync_enabled: bool = False,
        public_host: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        version: str = profiles.DEFAULT,
        create_delay: float | None = None,
        upload_delay: float | None = None,
        clock: clocks.Clock | None = None,
        service_time: ServiceTime | None = None,
    ) -> None:
        for name, delay in (("create_delay", create_delay), ("upload_delay", upload_delay)):
            if delay is not None and delay < 0:
                raise ValueError(f"{name} must not be negative: {delay}")
        settings = Settings(
            profile=profiles.profile(version),
            import_duration=import_duration,
            create_delay=create_delay,
            upload_delay=upload_delay,
            token_ttl=token_ttl,
            video_file_update_enabled=video_file_update_enabled,
            http_import_enabled=http_import_enabled,
            allow_private_import_targets=allow_private_import_targets,
            channel_sync_enabled=channel_sync_enabled,
        )
        self.clock = clock or clocks.SYSTEM  # every timer of the instance
        self.state = State(settings, self.clock)
        self.faults = FaultInjector()
        self._log = RequestLog()
        self.app = App(self.state, self.faults, self._log, rate_limit, login_rate_limit)
        self.app.service_time = service_time or service.NONE
        self._public_host = public_host
        self._bind = (host, port)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakePeerTube:
        if self._server is not None:
            return self
        self.faults.closing.clear()
        server = make_server(
            self._bind[0], self._bind[1], self.app, threaded=True, request_handler=_QuietHandler
        )
        self.state.host = self._public_host or f"{self._bind[0]}:{server.port}"
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"fake-peertube-{server.port}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop like a server that dies: hung requests and endless answers end, and a request
        that still arrives on a kept-alive connection is dropped without an answer."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        self.faults.shutdown()  # hung requests and endless answers end
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakePeerTube:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakePeerTube is not started")
        return self._server.port

    @property
    def url(self) -> str:
        return f"http://{self._bind[0]}:{self.port}"

    @property
    def profile(self) -> profiles.Profile:
        return self.state.profile

    @property
    def service_time(self) -> ServiceTime:
        """How long the fake takes over each kind of request, as a real server does
        (``ptsync.testing.service``; ``service.MEASURED[version]`` are the lab's figures)."""
        return self.app.service_time

    @service_time.setter
    def service_time(self, value: ServiceTime | None) -> None:
        self.app.service_time = value or service.NONE

    @property
    def version(self) -> str:
        """The profile's name ("6.3" ... "8.3"); ``serverVersion`` is ``profile``'s."""
        return self.state.profile.name

    def upgrade(self, version: str) -> None:
        """Switch the running server to another release (or back), keeping every record.

        Upgrading across 8.1.8 ends every OAuth token, as that security release did."""
        target = profiles.profile(version)
        with self.state.lock:
            before = profiles.parse(self.state.profile.server_version)
            self.state.settings = dataclasses.replace(self.state.settings, profile=target)
            self.app.switch_profile(target)
            if before < profiles.TOKENS_INVALIDATED <= profiles.parse(target.server_version):
                auth.revoke_all(self.state)

    # --- seeding ---------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        password: str,
        *,
        role: str = "user",
        channels: list[str] | tuple[str, ...] | None = None,
        video_quota: int = -1,
        video_quota_daily: int = -1,
    ) -> dict[str, Any]:
        with self.state.lock:
            return admin.add_user(
                self.state,
                username,
                password,
                role=role,
                channels=channels,
                video_quota=video_quota,
                video_quota_daily=video_quota_daily,
            )

    def add_channel(
        self,
        owner: str,
        name: str,
        display_name: str | None = None,
        description: str | None = None,
        support: str | None = None,
    ) -> dict[str, Any]:
        with self.state.lock:
            return admin.add_channel(self.state, owner, name, display_name, description, support)

    def add_video(
        self,
        owner: str,
        *,
        channel: str | None = None,
        name: str,
        description: str | None = None,
        privacy: int = 1,
        tags: tuple[str, ...] | list[str] = (),
        category: int | None = None,
        licence: int | None = None,
        language: str | None = None,
        nsfw: bool = False,
        support: str | None = None,
        comments_policy: int = 1,
        download_enabled: bool = True,
        wait_transcoding: bool = False,
        originally_published_at: str | None = None,
        state: int = 1,
        input_filename: str | None = None,
        size: int = 1000,
        password: str | None = None,
        chapters: list[tuple[int, str]] | None = None,
        publish_at: str | None = None,
        publish_privacy: int | None = 1,
    ) -> dict[str, Any]:
        fields = {
            "channel": channel,
            "name": name,
            "description": description,
            "privacy": privacy,
            "tags": tags,
            "category": category,
            "licence": licence,
            "language": language,
            "nsfw": nsfw,
            "support": support,
            "comments_policy": comments_policy,
            "download_enabled": download_enabled,
            "wait_transcoding": wait_transcoding,
            "originally_published_at": originally_published_at,
            "state": state,
            "input_filename": input_filename,
            "size": size,
            "password": password,
            "chapters": chapters,
            "publish_at": publish_at,
            "publish_privacy": publish_privacy,
        }
        with self.state.lock:
            return admin.add_video(self.state, owner, fields)

    def edit_video(self, id_or_uuid: int | str, **api_fields: Any) -> None:
        """A person editing in the web UI: the effect of a PUT (``updatedAt`` bumps), no HTTP."""
        with self.state.lock:
            admin.edit_video(self.state, id_or_uuid, api_fields)

    def set_chapters(self, id_or_uuid: int | str, chapters: list[tuple[int, str]]) -> None:
        """A person editing the chapters in the web UI (no ``updatedAt`` bump, as on PeerTube)."""
        with self.state.lock:
            admin.set_chapters(self.state, id_or_uuid, chapters)

    def set_import_target(self, url: str, behaviour: str = "ok", size: int = 1000) -> None:
        import_job.check_behaviour(behaviour)
        with self.state.lock:
            self.state.import_targets[url] = (behaviour, size)

    def set_upstream(self, url: str, listing: Upstream | None) -> None:
        """What yt-dlp would list at ``url`` for a channel sync or import-videos: import URLs
        newest first (the exact strings yt-dlp returns), or a function giving them at each
        run; ``None``: the URL cannot be listed (the sync fails)."""
        with self.state.lock:
            if listing is None:
                self.state.upstreams.pop(url, None)
            else:
                self.state.upstreams[url] = listing if callable(listing) else tuple(listing)

    def run_channel_syncs(self) -> None:
        """The server's hourly check of every channel sync (the newest 10 entries each)."""
        with self.state.lock:
            syncs.run_scheduled(self.state)

    def channel_syncs(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [syncs.view(self.state, s) for s in self.state.syncs.values()]

    def revoke_tokens(self) -> int:
        """End every OAuth token of the instance (what 8.1.8's upgrade did); how many."""
        with self.state.lock:
            return auth.revoke_all(self.state)

    def change_password(self, username: str, password: str) -> None:
        """A password change or reset: from 8.2 it ends the user's tokens (8.2.2)."""
        with self.state.lock:
            auth.change_password(self.state, self._user(username), password)

    def block_user(self, username: str, blocked: bool = True) -> None:
        """An administrator blocks (or unblocks) the account: its logins are refused."""
        with self.state.lock:
            self._user(username).blocked = blocked

    def _user(self, username: str) -> Any:
        user = self.state.user_by_name(username)
        if user is None:
            raise KeyError(f"no user {username!r}")
        return user

    def complete_imports(self) -> None:
        with self.state.lock:
            import_job.advance(self.state, finish_all=True)

    # --- server-side knobs -----------------------------------------------------------------

    def wedge_uploads(
        self, count: int | None = None, *, where: SessionFilter | None = None
    ) -> None:
        """From now on, resumable sessions wedge when their last byte arrives.

        A wedged session never becomes a video: every ``PUT`` on it (the final chunk included)
        answers 503 "The upload is already being processed" with ``Retry-After: 300`` until the
        session is cancelled (``DELETE``) or ``unwedge(release=True)``. ``count`` sessions at
        most (``None``: all of them until ``unwedge``); ``where`` filters on the session's
        summary (an ``upload_sessions`` entry with ``id`` and ``name``).
        """
        with self.state.lock:
            self.state.wedge = Wedge(count, where)

    def unwedge(self, *, release: bool = False) -> None:
        """Stop wedging new sessions; ``release`` also lets the wedged ones become videos now."""
        with self.state.lock:
            self.state.wedge = None
            if not release:
                return
            stuck = [s for s in self.state.uploads.values() if s.phase is UploadPhase.WEDGED]
            for session in stuck:
                session.phase = UploadPhase.PROCESSING
        for session in stuck:
            with contextlib.suppress(Problem):  # e.g. its channel is gone: no video, as on PeerTube
                resumable.complete(self.state, session)

    def fail_concurrent_updates(self, times: int = 1) -> None:
        """The next ``times`` video PUTs that overlap another of the same user answer 500.

        PostgreSQL's "could not serialize access due to read/write dependencies among
        transactions"; the update is not applied. ``serialization_failures`` counts them.
        """
        self.app.contention.arm(times)

    @property
    def serialization_failures(self) -> int:
        return self.app.contention.failed

    # --- introspection ---------------------------------------------------------------------

    def video(self, id_or_uuid: int | str) -> dict[str, Any] | None:
        with self.state.lock:
            return admin.video_details(self.state, id_or_uuid)

    def videos(self, owner: str | None = None) -> list[dict[str, Any]]:
        with self.state.lock:
            return admin.videos(self.state, owner)

    def imports(self, owner: str | None = None) -> list[dict[str, Any]]:
        with self.state.lock:
            return admin.import_rows(self.state, owner)

    def caption(self, id_or_uuid: int | str, lang: str) -> bytes | None:
        with self.state.lock:
            video = admin.find_video(self.state, id_or_uuid)
            caption = video.captions.get(lang) if video else None
            return caption.data if caption else None

    def chapters(self, id_or_uuid: int | str) -> list[dict[str, Any]]:
        """The video's chapters as ``GET /videos/{id}/chapters`` lists them."""
        with self.state.lock:
            return admin.chapters(self.state, id_or_uuid)

    def passwords(self, id_or_uuid: int | str) -> list[str]:
        with self.state.lock:
            video = admin.find_video(self.state, id_or_uuid)
            return [p.password for p in video.passwords] if video else []

    @property
    def multipart_schedules(self) -> int:
        """Multipart video PUTs that carried ``scheduleUpdate``: ptsync never sends one (a
        thumbnail and a schedule go in separate requests, PeerTube #7552)."""
        with self.state.lock:
            return self.state.multipart_schedules

    @property
    def image_parts(self) -> dict[str, int]:
        """How many ``thumbnailfile`` and ``previewfile`` parts video creates and updates
        carried (8.1+ needs only the first: the preview is made from it)."""
        with self.state.lock:
            return dict(self.state.image_parts)

    def thumbnail(self, id_or_uuid: int | str) -> bytes | None:
        with self.state.lock:
            video = admin.find_video(self.state, id_or_uuid)
            return video.thumbnail if video else None

    def preview(self, id_or_uuid: int | str) -> bytes | None:
        """The watch page's poster (8.1+: the thumbnail's own image)."""
        with self.state.lock:
            video = admin.find_video(self.state, id_or_uuid)
            return video.preview if video else None

    def source_file(self, id_or_uuid: int | str) -> dict[str, Any] | None:
        with self.state.lock:
            return admin.source_file(self.state, id_or_uuid)

    def playlists(self, owner: str | None = None) -> list[dict[str, Any]]:
        with self.state.lock:
            return admin.playlists(self.state, owner)

    def playlist_videos(self, id_or_uuid: int | str) -> list[str]:
        with self.state.lock:
            return admin.playlist_videos(self.state, id_or_uuid)

    @property
    def upload_sessions(self) -> dict[str, dict[str, Any]]:
        with self.state.lock:
            return admin.upload_sessions(self.state)

    @property
    def requests(self) -> list[RequestRecord]:
        return self._log.snapshot()

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests seen; ``path`` is exact or an fnmatch glob such as ``/api/v1/videos/*``."""
        return self._log.count(method, path)

    def clear_requests(self) -> None:
        self._log.clear()

    def wait_for_requests(
        self, check: Callable[[list[RequestRecord]], bool], timeout: float = 30.0
    ) -> None:
        """Block until ``check(fake.requests)`` holds, looked at as each request is logged:
        for tests that watch a real process (or thread) talk to the fake. AssertionError
        after ``timeout`` real seconds."""
        if not self._log.wait_for(check, timeout):
            raise AssertionError(f"the fake's requests did not get there in {timeout:g} s")
