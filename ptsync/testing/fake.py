"""``FakePeerTube``: a real HTTP server on 127.0.0.1 that behaves like PeerTube 6.3.

The facade owns the lifecycle (werkzeug's threaded server on an ephemeral port, in a daemon
thread) and exposes seeding and introspection for tests, the demo and benchmarks. Everything
else lives in modules with one job each; this class only wires them together and takes the
instance lock around direct state access.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ptsync.testing import admin, imports
from ptsync.testing.app import App
from ptsync.testing.faults import FaultInjector
from ptsync.testing.records import Settings
from ptsync.testing.requestlog import RequestLog, RequestRecord
from ptsync.testing.state import State

LOGGER = logging.getLogger("ptsync.testing")


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: hundreds of tests would drown in it."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        if type == "error":
            LOGGER.debug(message, *args)


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
        public_host: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        settings = Settings(
            import_duration=import_duration,
            token_ttl=token_ttl,
            video_file_update_enabled=video_file_update_enabled,
            http_import_enabled=http_import_enabled,
            allow_private_import_targets=allow_private_import_targets,
        )
        self.state = State(settings)
        self.faults = FaultInjector()
        self._log = RequestLog()
        self.app = App(self.state, self.faults, self._log, rate_limit, login_rate_limit)
        self._public_host = public_host
        self._bind = (host, port)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakePeerTube:
        if self._server is not None:
            return self
        server = make_server(
            self._bind[0], self._bind[1], self.app, threaded=True, request_handler=_QuietHandler
        )
        self.state.host = self._public_host or f"{self._bind[0]}:{server.port}"
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"fake-peertube-{server.port}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
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
        }
        with self.state.lock:
            return admin.add_video(self.state, owner, fields)

    def edit_video(self, id_or_uuid: int | str, **api_fields: Any) -> None:
        """A person editing in the web UI: the effect of a PUT (``updatedAt`` bumps), no HTTP."""
        with self.state.lock:
            admin.edit_video(self.state, id_or_uuid, api_fields)

    def set_import_target(self, url: str, behaviour: str = "ok", size: int = 1000) -> None:
        imports.check_behaviour(behaviour)
        with self.state.lock:
            self.state.import_targets[url] = (behaviour, size)

    def complete_imports(self) -> None:
        with self.state.lock:
            imports.advance(self.state, finish_all=True)

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

    def thumbnail(self, id_or_uuid: int | str) -> bytes | None:
        with self.state.lock:
            video = admin.find_video(self.state, id_or_uuid)
            return video.thumbnail if video else None

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
