"""PeerTube's REST API as ptsync uses it: one method per endpoint, values parsed at the edge.

Pages are read 100 at a time (PeerTube's maximum) in creation order, so a video created while
we page cannot shift an unread one out of view. Lists are what the owner sees
(``/users/me/videos``): channel listings hide unlisted and private videos. The user's videos
and imports are read a first page, then every page it announces at once (``parallelism_hint``
at a time, assembled in order): a run's start-up waits for two answers, not one per page.
The vocabularies are asked together too, once ``/users/me`` has answered.
"""

from __future__ import annotations

import contextlib
import mimetypes
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeGuard

from ptsync.errors import BadResponse, NotFound
from ptsync.peertube import parse, syncs
from ptsync.peertube.auth import Credentials
from ptsync.peertube.download import local_copy
from ptsync.peertube.http import ClientSettings, Sender, Transport, role_id
from ptsync.peertube.syncs import LiveSync
from ptsync.peertube.upload import Progress, resumable_upload
from ptsync.peertube.versions import ServerVersion, server_version
from ptsync.state import Chapter, LiveImport, LiveVideo, Vocabularies

PAGE = 100
BATCH = 25  # pages of a listing asked at once (at most parallelism_hint at a time)
API = "/api/v1"


class PeerTubeClient:
    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        settings: ClientSettings | None = None,
        *,
        sender: Sender | None = None,
    ):
        self.settings = settings or ClientSettings()
        self.transport = Transport(base_url, credentials, self.settings, sender)
        self.base_url = self.transport.base_url
        self._me: dict[str, Any] | None = None
        self._config: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self._config_lock = threading.Lock()

    @property
    def limiter(self) -> Any:
        return self.transport.limiter

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> PeerTubeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str, **params: Any) -> Any:
        return self.transport.json("GET", API + path, params=params or None)

    def _get_obj(self, path: str, what: str = "an object", **params: Any) -> dict[str, Any]:
        found = self._get(path, **params)
        if not isinstance(found, dict):
            raise BadResponse("GET", API + path, f"expected {what}")
        return found

    def _public(self, path: str, what: str) -> dict[str, Any]:
        """A GET every PeerTube answers without a token (configuration, vocabularies): sent
        with the token when one is at hand, else at once without it (a login under way is
        not waited for)."""
        path = API + path
        found = self.transport.json("GET", path, auth=self.transport.token_at_hand())
        if not isinstance(found, dict):
            raise BadResponse("GET", path, f"expected {what}")
        return found

    def _pages(self, path: str, start: int = 0, **params: Any) -> Iterator[Any]:
        while True:
            page = self._get(path, start=start, count=PAGE, **params)
            items = _data(page, path)
            yield from items
            start += len(items)
            if not items or start >= _total(page, path):
                return

    def _listing(self, path: str, **params: Any) -> list[Any]:
        """Every item of a listing: the first page, then the pages its ``total`` announces,
        up to ``BATCH`` of them sent together and kept in order. A short page (the listing
        shrank meanwhile) makes it go on from there, an empty one ends it: what reading one
        page after another would have read."""
        first = self._get(path, start=0, count=PAGE, **params)
        items = _data(first, path)
        size, start, total = len(items), len(items), _total(first, path)
        while items and start < total:
            starts = range(start, min(total, start + size * BATCH), size)
            pages = self._together(
                [partial(self._get, path, start=s, count=PAGE, **params) for s in starts]
            )
            for offset, page in zip(starts, pages, strict=True):
                found = _data(page, path)
                if not found:
                    return items
                items.extend(found)
                start, total = offset + len(found), _total(page, path)
                if len(found) < size:
                    break
        return items

    def _together(self, calls: Sequence[Callable[[], Any]]) -> list[Any]:
        """The answers of ``calls``, in order, at most ``parallelism_hint`` at a time; the
        first failure (in that order) is raised."""
        workers = min(len(calls), max(1, self.settings.parallelism_hint))
        if workers <= 1:
            return [call() for call in calls]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pages") as pool:
            futures = [pool.submit(call) for call in calls]
            return [future.result() for future in futures]

    # ------------------------------------------------------------------------------ account

    def me(self) -> dict[str, Any]:
        with self._lock:
            if self._me is None:
                found = self._get_obj("/users/me", "a user object")
                if not isinstance(found.get("username"), str):
                    raise BadResponse("GET", API + "/users/me", "user object without a username")
                self._me = found
                self.transport.apply_role(role_id(found))  # staff: no client-side limit
            return self._me

    def username(self) -> str:
        return str(self.me()["username"])

    def quota_used(self) -> dict[str, Any]:
        return self._get_obj("/users/me/video-quota-used")

    def server_config(self) -> dict[str, Any]:
        """``/config``, asked once per client (a run): the server's version and settings are
        taken as they are when the run starts."""
        with self._config_lock:
            if self._config is None:
                self._config = self._public("/config", "an object")
            return self._config

    def server_version(self) -> ServerVersion:
        """The running server's version and the behaviour it gets (``versions``); ConfigError
        below 6.0."""
        return server_version(str(self.server_config().get("serverVersion") or ""))

    def channels(self) -> dict[str, int]:
        """The user's channels, name → id (from ``/users/me``, else the account's list)."""
        found = self.me().get("videoChannels")
        if not isinstance(found, list):
            found = list(self._pages(f"/accounts/{self.username()}/video-channels"))
        try:
            return {str(c["name"]): int(c["id"]) for c in found if isinstance(c, Mapping)}
        except (KeyError, TypeError, ValueError):
            raise BadResponse("GET", f"{API}/users/me", "channels without name or id") from None

    def vocabularies(self) -> Vocabularies:
        """Labels, the user's channels and account, the server's version: ``/users/me`` alone
        first (with the login it needs: a server that fails or does not answer costs one
        request's retries, not seven, and its error names the first request), then the six
        public ones together (2-3 ms each on a real PeerTube)."""
        me = self.me()
        config, *labels = self._together(
            [self.server_config, *(partial(self._public, p, "id → label") for p in _LABELS)]
        )
        categories, licences, languages, privacies, playlist_privacies = labels
        return Vocabularies(
            categories=_ids(categories, _LABELS[0]),
            licences=_ids(licences, _LABELS[1]),
            languages={str(k): str(v) for k, v in languages.items()},
            privacies=_ids(privacies, _LABELS[3]),
            channels=self.channels(),
            playlist_privacies=_ids(playlist_privacies, _LABELS[4]),
            server_version=str(config.get("serverVersion") or ""),
            account=str(me["username"]),
        )

    # ------------------------------------------------------------------------------ videos

    def iter_my_videos(self) -> Iterator[LiveVideo]:
        for item in self._listing("/users/me/videos", sort="createdAt"):
            yield parse.video(item, detailed=False)

    def my_videos_total(self) -> int:
        return _total(self._get_obj("/users/me/videos", start=0, count=0), "/users/me/videos")

    def search_my_videos(self, search: str) -> list[LiveVideo]:
        page = self._get("/users/me/videos", search=search, count=PAGE, sort="createdAt")
        return [parse.video(i, detailed=False) for i in _data(page, "/users/me/videos")]

    def get_video_raw(self, id_or_uuid: str | int) -> dict[str, Any]:
        found = self._get(f"/videos/{id_or_uuid}")
        if not isinstance(found, dict):
            raise BadResponse("GET", f"{API}/videos/{{id}}", "expected a video object")
        return found

    def get_video(self, id_or_uuid: str | int) -> LiveVideo:
        return parse.video(
            self.get_video_raw(id_or_uuid), detailed=True, endpoint="/api/v1/videos/{id}"
        )

    def update_video(
        self,
        id_or_uuid: str | int,
        body: Mapping[str, Any],
        *,
        thumbnail: Path | None = None,
        preview: Path | None = None,
    ) -> None:
        path = f"{API}/videos/{id_or_uuid}"
        if thumbnail is None and preview is None:
            self.transport.call("PUT", path, json_body=dict(body))
            return
        nulls = {k: v for k, v in body.items() if v is None}
        if nulls:  # multipart cannot say null: clear those fields first
            self.transport.call("PUT", path, json_body=dict(body))
            body = {k: v for k, v in body.items() if k == "videoPasswords"}  # every PUT needs them
        files: dict[str, tuple[str, bytes, str]] = {}
        for field_name, image in (("thumbnailfile", thumbnail), ("previewfile", preview)):
            if image is not None:
                files[field_name] = _file_part(image)
        if thumbnail is not None and preview is None and not self._preview_follows():
            files["previewfile"] = files["thumbnailfile"]  # before 8.1, the poster is its own
        self.transport.call("PUT", path, form=form_fields(body), files=files)

    def _preview_follows(self) -> bool:
        """8.1+ makes the preview from the thumbnail: sending it twice only costs bytes."""
        return self.server_version().features.thumbnail_is_preview

    def delete_video(self, id_or_uuid: str | int) -> None:
        self.transport.call("DELETE", f"{API}/videos/{id_or_uuid}")

    def video_source(self, id_or_uuid: str | int) -> dict[str, Any] | None:
        try:
            found = self._get(f"/videos/{id_or_uuid}/source")
        except NotFound:
            return None
        return found if isinstance(found, dict) else None

    def video_passwords(self, id_or_uuid: str | int) -> list[str]:
        """The passwords of a protected video (owner only; 400 for one that is not)."""
        return [str(p["password"]) for p in self._pages(f"/videos/{id_or_uuid}/passwords")]

    def replace_passwords(self, id_or_uuid: str | int, passwords: list[str]) -> None:
        """``PUT /videos/{id}/passwords``: all of them at once (PeerTube >= 6.0)."""
        body = {"passwords": list(passwords)}
        self.transport.call("PUT", f"{API}/videos/{id_or_uuid}/passwords", json_body=body)

    def video_chapters(self, id_or_uuid: str | int) -> tuple[Chapter, ...]:
        return parse.chapters(self._get(f"/videos/{id_or_uuid}/chapters"))

    def replace_chapters(self, id_or_uuid: str | int, chapters: Iterable[Chapter]) -> None:
        """``PUT /videos/{id}/chapters``: the whole list (an empty one removes them)."""
        body = {"chapters": [{"title": c.title, "timecode": c.timecode} for c in chapters]}
        self.transport.call("PUT", f"{API}/videos/{id_or_uuid}/chapters", json_body=body)

    # ------------------------------------------------------------------------------ creating

    def create_import(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /videos/imports; never retried blindly (the caller checks for its marker).
        An answer without the video's uuid is BadResponse: the next plan finds the video."""
        found = self.transport.json("POST", f"{API}/videos/imports", json_body=dict(body))
        video = found.get("video") if isinstance(found, dict) else None
        if not isinstance(found, dict) or not _has_uuid(video):
            raise BadResponse("POST", f"{API}/videos/imports", "no video uuid in the answer")
        found["video"] = self._with_url(video)
        return found

    def iter_my_imports(
        self, target_url: str | None = None, *, newest_first: bool = False
    ) -> Iterator[LiveImport]:
        params: dict[str, Any] = {"sort": "-createdAt" if newest_first else "createdAt"}
        if target_url:
            params["targetUrl"] = target_url
        for item in self._listing("/users/me/videos/imports", **params):
            yield parse.video_import(item)

    def delete_import(self, import_id: int) -> None:
        self.transport.call("DELETE", f"{API}/videos/imports/{import_id}")

    def retry_import(self, import_id: int) -> None:
        """POST /videos/imports/{id}/retry (PeerTube 8.x): the same video fetches its URL again.

        Retrying twice is refused (400 "Cannot retry a non failed video import"), so a repeated
        apply cannot start two jobs; the transport does not resend it blindly either."""
        self.transport.call("POST", f"{API}/videos/imports/{import_id}/retry", retry=False)

    def upload(
        self,
        path: Path,
        metadata: dict[str, Any],
        *,
        on_progress: Progress | None = None,
        session_key: str | None = None,
    ) -> dict[str, Any]:
        result = resumable_upload(
            self.transport,
            f"{API}/videos/upload-resumable",
            path,
            metadata,
            chunk_size=self.settings.chunk_size,
            on_progress=on_progress,
            session_key=session_key,
            processing_wait=self.settings.upload_processing_wait,
        )
        video = result.get("video") if isinstance(result, dict) else None
        if not _has_uuid(video):
            raise BadResponse("PUT", f"{API}/videos/upload-resumable", "no video in the answer")
        return self._with_url(video)

    def cancel_upload(self, location: str) -> None:
        """Abandon a resumable upload session (its ``Location``); gone already is fine."""
        with contextlib.suppress(NotFound):
            self.transport.call("DELETE", location)

    def _with_url(self, video: dict[str, Any]) -> dict[str, Any]:
        """Upload answers carry only ids: add the watch URL users open."""
        if not video.get("url"):
            short = video.get("shortUUID") or video.get("uuid")
            video = {**video, "url": f"{self.base_url}/w/{short}"}
        return video

    def replace_source(
        self, id_or_uuid: str | int, source: str | Path, *, on_progress: Progress | None = None
    ) -> None:
        """Replace the video's file with ``source``: a local path, or a URL downloaded first
        (through this client's sender, never with its token)."""
        settings = self.settings
        copy = local_copy(
            source,
            self.transport.sender,
            timeout=settings.timeout,
            insecure_http=settings.insecure_http,
        )
        with copy as path:
            resumable_upload(
                self.transport,
                f"{API}/videos/{id_or_uuid}/source/replace-resumable",
                path,
                {},
                chunk_size=settings.chunk_size,
                on_progress=on_progress,
                session_key=f"replace/{self.base_url}/{id_or_uuid}/{source}",
                processing_wait=settings.upload_processing_wait,
            )

    # ------------------------------------------------------------------------------ captions

    def captions(self, id_or_uuid: str | int) -> list[dict[str, Any]]:
        return list(_data(self._get(f"/videos/{id_or_uuid}/captions"), "/videos/{id}/captions"))

    def put_caption(self, id_or_uuid: str | int, language: str, path: Path) -> None:
        files = {"captionfile": _file_part(path)}
        self.transport.call("PUT", f"{API}/videos/{id_or_uuid}/captions/{language}", files=files)

    def delete_caption(self, id_or_uuid: str | int, language: str) -> None:
        self.transport.call("DELETE", f"{API}/videos/{id_or_uuid}/captions/{language}")

    # ------------------------------------------------------------------------------ playlists
    # A playlist is named by its uuid in every call: PeerTube answers a numeric id of an
    # unlisted playlist with 404 "Playlist not found" on GET (``videoPlaylistsGetValidator``
    # wants the uuid or shortUUID), and takes the uuid everywhere else too.

    def my_playlists(self, account: str | None = None) -> list[dict[str, Any]]:
        """Regular playlists of the user (not "Watch later"), private ones included;
        ``account`` (the user's account name, when known) spares a ``/users/me``."""
        path = f"/accounts/{account or self.username()}/video-playlists"
        return list(self._pages(path, playlistType=1, sort="createdAt"))

    def playlist_elements(self, playlist: str) -> list[dict[str, Any]]:
        """The playlist's elements (``id``, ``position``, ``video``) in playlist order."""
        return [e for e in self._pages(f"/video-playlists/{playlist}/videos") if _is_obj(e)]

    def playlist_video_uuids(self, playlist: str) -> list[tuple[int, str | None]]:
        """(element id, video uuid) in playlist order; uuid None for an unavailable video."""
        out = []
        for item in self.playlist_elements(playlist):
            video = item.get("video")
            out.append((int(item["id"]), video.get("uuid") if isinstance(video, dict) else None))
        return out

    def create_playlist(
        self, fields: Mapping[str, Any], thumbnail: Path | None = None
    ) -> dict[str, Any]:
        """Multipart only: real PeerTube answers JSON and urlencoded creates with a 500.
        Returns ``{"id", "uuid", "shortUUID"}``."""
        parts = multipart(fields, thumbnailfile=thumbnail)
        found = self.transport.json("POST", f"{API}/video-playlists", files=parts, retry=False)
        playlist = found.get("videoPlaylist") if isinstance(found, dict) else None
        if not isinstance(playlist, dict) or not _is_int(playlist.get("id")):
            raise BadResponse("POST", f"{API}/video-playlists", "no playlist id in the answer")
        return dict(playlist)

    def update_playlist(
        self, playlist: str, fields: Mapping[str, Any], thumbnail: Path | None = None
    ) -> None:
        parts = multipart(fields, thumbnailfile=thumbnail)
        self.transport.call("PUT", f"{API}/video-playlists/{playlist}", files=parts)

    def delete_playlist(self, playlist: str) -> None:
        self.transport.call("DELETE", f"{API}/video-playlists/{playlist}")

    def add_playlist_element(self, playlist: str, video_id: int | str) -> dict[str, Any]:
        """Append a video (id or uuid); returns ``{"id": element id}``. Never retried."""
        path = f"{API}/video-playlists/{playlist}/videos"
        found = self.transport.json("POST", path, json_body={"videoId": video_id}, retry=False)
        element = found.get("videoPlaylistElement") if isinstance(found, dict) else None
        return dict(element) if isinstance(element, dict) else {}

    def add_playlist_video(self, playlist: str, video_uuid: str) -> None:
        self.add_playlist_element(playlist, video_uuid)

    def delete_playlist_element(self, playlist: str, element_id: int) -> None:
        self.transport.call("DELETE", f"{API}/video-playlists/{playlist}/videos/{element_id}")

    remove_playlist_element = delete_playlist_element

    def move_playlist_element(
        self, playlist: str, start: int, insert_after: int, reorder_length: int = 1
    ) -> None:
        """Move ``reorder_length`` elements from position ``start`` (1-based) to after
        position ``insert_after`` (0 = to the front)."""
        body = {
            "startPosition": start,
            "insertAfterPosition": insert_after,
            "reorderLength": reorder_length,
        }
        path = f"{API}/video-playlists/{playlist}/videos/reorder"
        self.transport.call("POST", path, json_body=body, retry=False)

    # ------------------------------------------------------------------------------ channels

    def get_channel(self, name: str) -> dict[str, Any] | None:
        try:
            found = self._get(f"/video-channels/{name}")
        except NotFound:
            return None
        return found if isinstance(found, dict) else None

    def create_channel(self, body: Mapping[str, Any]) -> None:
        self.transport.call("POST", f"{API}/video-channels", json_body=dict(body), retry=False)
        with self._lock:
            self._me = None  # its channel list changed

    def update_channel(self, name: str, body: Mapping[str, Any]) -> None:
        self.transport.call("PUT", f"{API}/video-channels/{name}", json_body=dict(body))

    # ------------------------------------------------------------------------------ channel syncs

    def create_channel_sync(
        self, external_url: str, channel_id: int, *, privacy: int | None = None
    ) -> LiveSync:
        """POST /video-channel-syncs; never retried (the server keeps duplicates)."""
        body = syncs.create_body(external_url, channel_id, privacy)
        with syncs.disabled_as_error():
            return syncs.created(self.transport.json("POST", syncs.SYNCS, json_body=body))

    def channel_syncs(self, account: str | None = None) -> list[LiveSync]:
        """The account's syncs, oldest first; ``account`` (the user's account name, when
        known) spares a ``/users/me``."""
        return syncs.listed(self._pages, account or self.username())

    def delete_channel_sync(self, sync_id: int) -> None:
        """The sync goes; the videos it imported stay."""
        with syncs.disabled_as_error():
            self.transport.call("DELETE", f"{syncs.SYNCS}/{sync_id}")

    def import_channel_videos(
        self, channel: str, external_url: str, sync_id: int | None = None
    ) -> None:
        """POST /video-channels/{handle}/import-videos: a server-side job imports what the
        channel lacks (a full sync when ``sync_id`` is given); 204, never retried."""
        body: dict[str, Any] = {"externalChannelUrl": external_url}
        if sync_id is not None:
            body["videoChannelSyncId"] = sync_id
        path = f"{API}/video-channels/{channel}/import-videos"
        self.transport.call("POST", path, json_body=body, retry=False)

    def iter_sync_imports(self, sync_id: int) -> Iterator[LiveImport]:
        """The imports a sync made (``videoChannelSyncId``), oldest first."""
        params: dict[str, Any] = {"videoChannelSyncId": sync_id, "sort": "createdAt"}
        for item in self._pages("/users/me/videos/imports", **params):
            yield parse.video_import(item)


_LABELS = (
    "/videos/categories",
    "/videos/licences",
    "/videos/languages",
    "/videos/privacies",
    "/video-playlists/privacies",
)


def _ids(labels: Mapping[str, Any], path: str) -> dict[int, str]:
    try:
        return {int(k): str(v) for k, v in labels.items()}
    except ValueError:
        raise BadResponse("GET", API + path, "ids that are not numbers") from None


def multipart(fields: Mapping[str, Any], **images: Path | None) -> dict[str, Any]:
    """A multipart/form-data body even without a file (requests sends (None, value) parts as
    plain form fields): PeerTube's playlist endpoints only accept multipart."""
    parts: dict[str, Any] = {k: (None, v) for k, v in form_fields(fields).items()}
    parts.update({name: _file_part(path) for name, path in images.items() if path is not None})
    return parts


def _is_obj(value: Any) -> bool:
    return isinstance(value, dict) and "id" in value


def _has_uuid(video: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(video, dict) and isinstance(video.get("uuid"), str) and bool(video["uuid"])


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _total(page: dict[str, Any], path: str) -> int:
    try:
        return int(page.get("total") or 0)
    except (TypeError, ValueError):
        raise BadResponse("GET", API + path, "page 'total' is not a number") from None


def _data(page: Any, path: str) -> list[Any]:
    if not isinstance(page, dict) or not isinstance(page.get("data"), list):
        raise BadResponse("GET", API + path, "expected a page with 'total' and 'data'")
    return list(page["data"])


def form_fields(body: Mapping[str, Any]) -> dict[str, str]:
    """Flatten a JSON body the way PeerTube's multipart parser reads it (``tags[0]``)."""
    out: dict[str, str] = {}
    for key, value in body.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            for i, item in enumerate(value):
                out[f"{key}[{i}]"] = _scalar(item)
        else:
            out[key] = _scalar(value)
    return out


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_FILE_TYPES = {  # not left to the platform's mimetypes table, which may lack webp
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


def _file_part(path: Path) -> tuple[str, bytes, str]:
    """Small side files (images, captions) are read whole so a retried PUT can resend them."""
    kind = _FILE_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    return (path.name, path.read_bytes(), kind or "application/octet-stream")
