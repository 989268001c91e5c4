"""Carry out one change against PeerTube, safely when repeated or interrupted.

Creates are the dangerous part: PeerTube never de-duplicates them. So a create (1) looks for a
video already carrying its marker first, (2) writes the marker in the creating request itself,
and (3) after an ambiguous failure (timeout, dropped connection, 5xx, an upload whose last
chunk's answer was lost: the server may have acted) looks for the marker again, for as long as
a real server may take to finish the create, before trying once more. A run killed mid-create
leaves a record (``ptsync.apply.inflight``) that makes the next run wait for that video instead
of creating a second one. Side files go before the PUT that records
their hashes in the marker, so a crash in between re-sends the files on the next run instead
of forgetting them.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from ptsync import passwords as pw
from ptsync import redact, source_credentials
from ptsync.apply.inflight import SETTLE, InflightCreates
from ptsync.clock import SYSTEM, Clock
from ptsync.errors import (
    NotFound,
    PtsyncError,
    RequestRejected,
    ServerError,
    SourceMismatch,
    TimedOut,
    TransportError,
    UnknownChannel,
    UploadInterrupted,
    UploadWedged,
)
from ptsync.fields import PASSWORD_PROTECTED, VIDEO_FIELDS
from ptsync.marker import compose_description
from ptsync.plan.changes import CreateMethod, CreateVideo, DeleteVideo, UpdateVideo
from ptsync.plan.match import upload_filename
from ptsync.plan.schedule import schedule_body
from ptsync.report.results import ItemResult
from ptsync.state import Chapter, FileSource, ImportState, LiveVideo, UrlSource

log = logging.getLogger("ptsync.apply")
CREATE_ATTEMPTS = 3
# Looks for a create whose answer was lost before sending it again: the pauses add up to just
# over SETTLE (the deadline in _look_again stops earlier when the searches themselves are slow).
LATE_CREATE_PAUSES = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
Progress = Callable[[int, int], None]


class WriteClient(Protocol):
    def search_my_videos(self, search: str) -> list[LiveVideo]: ...
    def create_import(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def upload(
        self,
        path: Path,
        metadata: dict[str, Any],
        *,
        on_progress: Progress | None = None,
        session_key: str | None = None,
    ) -> dict[str, Any]: ...
    def update_video(
        self, id_or_uuid: str, body: dict[str, Any], *, thumbnail: Path | None = None
    ) -> None: ...
    def delete_video(self, id_or_uuid: str) -> None: ...
    def put_caption(self, id_or_uuid: str, language: str, path: Path) -> None: ...
    def delete_caption(self, id_or_uuid: str, language: str) -> None: ...
    def video_passwords(self, id_or_uuid: str) -> list[str]: ...
    def replace_passwords(self, id_or_uuid: str, passwords: list[str]) -> None: ...
    def replace_chapters(self, id_or_uuid: str, chapters: Iterable[Chapter]) -> None: ...
    def replace_source(
        self, id_or_uuid: str, source: str | Path, *, on_progress: Progress | None = None
    ) -> None: ...
    def retry_import(self, import_id: int) -> None: ...


def _may_finish_late(exc: Exception) -> bool:
    """Failures after which the server may still create the video (a timeout, a lost answer
    to an upload's last chunk); a refused connection or a plain 5xx did not start one, and a
    wedged session was already waited for, then cancelled."""
    if isinstance(exc, UploadWedged):
        return False
    if isinstance(exc, UploadInterrupted):
        return True
    return isinstance(exc, TimedOut)


def _changes(change: UpdateVideo, name: str) -> bool:
    return any(c.field == name for c in change.changes)


def api_body(fields: Mapping[str, Any], channels: Mapping[str, int]) -> dict[str, Any]:
    """PeerTube request body for managed fields; the description is handled with the marker."""
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "description":
            continue
        if name == "channel":
            body["channelId"] = _channel_id(value, channels)
        elif name == "tags":
            body["tags"] = list(value or [])
        else:
            body[VIDEO_FIELDS[name].api_key] = value
    return body


def _channel_id(name: Any, channels: Mapping[str, int]) -> int:
    if name in channels:
        return channels[name]
    valid = ", ".join(sorted(channels)) or "none"
    raise UnknownChannel(f"channel {name!r} is not one of your channels (yours: {valid})")


class Actions:
    """The operations of one apply, sharing a client and the user's channels."""

    def __init__(
        self,
        client: WriteClient,
        system: str,
        channels: Mapping[str, int],
        on_progress: Callable[[str, int, int], None] | None = None,
        inflight: InflightCreates | None = None,
        env: Mapping[str, str] | None = None,
        sources: Mapping[str, UrlSource | FileSource] | None = None,
        written: Callable[[UpdateVideo], None] | None = None,
        clock: Clock = SYSTEM,
    ):
        self.client = client
        self.clock = clock  # the settle pauses
        self.written = written  # told of each update done (apply.warm: the detail cache)
        self.system = system
        self.channels = channels
        self.on_progress = on_progress
        self.inflight = inflight
        # video passwords and source credentials are read here, when a request needs them
        self.env: Mapping[str, str] = os.environ if env is None else env
        # the manifests' sources by external id: a plan shows (and saves) a URL redacted, the
        # request needs it whole, with the credentials its entry names
        self.sources: Mapping[str, UrlSource | FileSource] = sources or {}

    # ------------------------------------------------------------------------------ create

    def create(self, change: CreateVideo) -> ItemResult:
        result = ItemResult("create", change.external_id, change.fields.get("name"), False)
        result.method = change.method
        existing = self._existing(change)
        if existing is not None:
            return self._found(result, existing)
        if self.inflight and change.method is CreateMethod.IMPORT:
            self.inflight.record(change.external_id)  # uploads: the stored session says it
        try:
            created = self._create_once_safely(change, result)
        except (TransportError, ServerError):
            raise  # the server may still finish it: the record makes the next run wait
        except PtsyncError:
            self._settled(change)
            raise
        self._settled(change)
        if isinstance(created, LiveVideo):  # ours: the answer was lost, the marker found it
            result = self._already_there(result, created)
            result.note = "created; found by its marker after the answer was lost"
            return result
        rival = self._older_twin(change, created.get("id"))
        if rival is not None:
            return self._lost_race(result, created["uuid"], rival)
        result.uuid = created["uuid"]
        result.url = created.get("url")
        result.import_id = created.get("import_id")
        result.import_state = "pending" if change.method is CreateMethod.IMPORT else None
        result.success = True
        try:
            self._after_create(change, created["uuid"])
        except PtsyncError as exc:
            # The video exists with its marker, which records only the side files that were
            # applied: the next plan re-plans exactly what is missing (a caption, the thumbnail).
            result.partial = True
            result.error = f"created, but a follow-up step failed ({exc}); apply again to finish"
        return result

    def _existing(self, change: CreateVideo) -> LiveVideo | None:
        """A video already carrying this entry's marker, waiting for one that a killed run's
        create may still bring (recorded as in flight) before answering "none"."""

        def look() -> LiveVideo | None:
            return self.find_marked(change.external_id, change.fields.get("name"))

        if self.inflight is None:
            return look()
        return self.inflight.await_settled(change.external_id, look, self.clock.time)

    def _settled(self, change: CreateVideo) -> None:
        if self.inflight is not None:
            self.inflight.clear(change.external_id)

    def _older_twin(self, change: CreateVideo, own_id: Any) -> LiveVideo | None:
        """Two runs (two CI pipelines) may create the same entry at once. Both look again
        right after creating; the video with the lowest id wins, the other run deletes its own
        copy, so exactly one survives whichever run finishes first."""
        if not isinstance(own_id, int):
            return None
        twins = self.find_all_marked(change.external_id, change.fields.get("name"))
        older = [v for v in twins if v.id < own_id]
        return min(older, key=lambda v: v.id) if older else None

    def _lost_race(self, result: ItemResult, uuid: str, rival: LiveVideo) -> ItemResult:
        log.warning(
            "%s was created concurrently as %s; deleting our copy", result.external_id, rival.uuid
        )
        with contextlib.suppress(NotFound):
            self.client.delete_video(uuid)
        result = self._found(result, rival)
        result.note = "created by a concurrent run at the same time; kept the older copy"
        return result

    def _found(self, result: ItemResult, video: LiveVideo) -> ItemResult:
        """Another run (or an earlier one) made it: done, but not created by this run."""
        result = self._already_there(result, video)
        result.found = True
        return result

    def _already_there(self, result: ItemResult, video: LiveVideo) -> ItemResult:
        result.success, result.uuid, result.url = True, video.uuid, video.url
        result.note = "already created (marker found); not created again"
        return result

    def _create_once_safely(
        self, change: CreateVideo, result: ItemResult
    ) -> dict[str, Any] | LiveVideo:
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                return self._send_create(change)
            except (TransportError, ServerError) as exc:
                shown = redact.text(str(exc))
                log.warning("create %s: %s (attempt %d)", change.external_id, shown, attempt)
                existing = self._look_again(change, _may_finish_late(exc))
                if existing is not None:
                    return existing
                if isinstance(exc, UploadWedged):
                    result.note = "upload session wedged on the server; uploaded in a new session"
                if attempt == CREATE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _look_again(self, change: CreateVideo, late: bool) -> LiveVideo | None:
        """After an ambiguous failure: the video if the server made it. A create whose request
        reached the server may appear only seconds later (PeerTube fetches the import URL's
        metadata, or assembles the upload, before it exists), so those are awaited."""
        name = change.fields.get("name")
        existing = self.find_marked(change.external_id, name)
        deadline = self.clock.monotonic() + SETTLE
        for pause in LATE_CREATE_PAUSES if late else ():
            if existing is not None or self.clock.monotonic() >= deadline:
                break
            self.clock.sleep(pause)
            existing = self.find_marked(change.external_id, name)
        return existing

    def _send_create(self, change: CreateVideo) -> dict[str, Any]:
        body = api_body(change.fields, self.channels)
        body.setdefault("channelId", self._default_channel())
        body["description"] = compose_description(change.marker, change.fields.get("description"))
        if change.schedule is not None:  # JSON bodies only (upload metadata, import): no files
            body["scheduleUpdate"] = schedule_body(change.schedule)
        if change.passwords_env is not None:
            body["videoPasswords"] = list(pw.read(self.env, change.passwords_env))
        if change.method is CreateMethod.IMPORT:
            target = self.source_url(change.external_id, change.source)
            answer = self.client.create_import({**body, "targetUrl": target})
            video = answer.get("video") or {}
            return {
                "id": video.get("id"),
                "uuid": video["uuid"],
                "url": video.get("url"),
                "import_id": answer.get("id"),
            }
        path = Path(change.source)
        body["filename"] = upload_filename(self.system, change.external_id, path.name)
        video = self.client.upload(
            path,
            body,
            on_progress=self._progress(change.external_id),
            session_key=f"{self.system}/{change.external_id}/{change.source_digest}",
        )
        return {"id": video.get("id"), "uuid": video["uuid"], "url": video.get("url")}

    def source_url(self, external_id: str | None, shown: str) -> str:
        """The URL to request for a source a plan shows as ``shown``: the entry's own URL with
        its credentials. A plan made from other manifests (an edited plan file) gets nothing."""
        source = self.sources.get(external_id or "")
        if isinstance(source, UrlSource) and source.shown == shown:
            if source.credentials is None:
                return source.url
            value = source_credentials.read(self.env, source.credentials.env)
            return source_credentials.request_url(source.url, value)
        if source is None and not self.sources and not redact.has_secret(shown):
            return shown  # a library caller without manifests: a plain URL is the URL
        raise SourceMismatch(
            f"{external_id}: the plan's source {shown} is not the manifest's; plan again"
        )

    def _default_channel(self) -> int:
        if not self.channels:
            raise UnknownChannel("your account has no channel to create videos in")
        return next(iter(self.channels.values()))

    def _after_create(self, change: CreateVideo, uuid: str) -> None:
        """Side files, then the chapters (PeerTube derived its own from the description), then
        one PUT recording the files' hashes in the marker (with the passwords it needs)."""
        for caption in change.captions:
            self.client.put_caption(uuid, caption.language, caption.path)
        if change.chapters is not None:
            self.client.replace_chapters(uuid, change.chapters)
        if not change.thumbnail and not change.captions:
            return
        annotations = dict(change.marker.annotations)
        annotations.update({f"cap.{c.language}": c.digest for c in change.captions})
        if change.thumbnail:
            annotations["thumb"] = change.thumbnail.digest
        marker = change.marker.with_annotations(annotations)
        body: dict[str, Any] = {
            "description": compose_description(marker, change.fields.get("description"))
        }
        if change.passwords_env is not None:
            body["videoPasswords"] = list(pw.read(self.env, change.passwords_env))
        thumbnail = change.thumbnail.path if change.thumbnail else None
        self.client.update_video(uuid, body, thumbnail=thumbnail)

    def find_marked(self, external_id: str, name: Any) -> LiveVideo | None:
        """The oldest video of ours already carrying this entry's marker (one search request)."""
        found = self.find_all_marked(external_id, name)
        return min(found, key=lambda v: v.id) if found else None

    def find_all_marked(self, external_id: str, name: Any) -> list[LiveVideo]:
        if not name:
            return []
        return [
            video
            for video in self.client.search_my_videos(str(name))
            if video.marker
            and (video.marker.system, video.marker.external_id) == (self.system, external_id)
        ]

    def _progress(self, label: str) -> Callable[[int, int], None] | None:
        callback = self.on_progress
        if callback is None:
            return None
        return lambda sent, total: callback(label, sent, total)

    # ------------------------------------------------------------------------------ update

    def update(self, change: UpdateVideo) -> ItemResult:
        result = ItemResult("update", change.external_id, change.name, False, uuid=change.uuid)
        result.fields = [c.field for c in change.changes]
        if change.release:
            return self._release(change, result)
        if change.retry_import is not None:
            self._retry_import(change.retry_import, result)
        for caption in change.captions_put:
            self.client.put_caption(change.uuid, caption.language, caption.path)
        for language in change.captions_delete:
            with contextlib.suppress(NotFound):
                self.client.delete_caption(change.uuid, language)
        if change.source_file:
            self._replace_source(change)
        body = self._update_body(change)
        thumbnail = change.thumbnail.path if change.thumbnail else None
        schedule = body.pop("scheduleUpdate", ...) if thumbnail else ...
        if body or thumbnail:
            self.client.update_video(change.uuid, body, thumbnail=thumbnail)
        elif _changes(change, "passwords"):  # nothing else to PUT: their own endpoint
            self.client.replace_passwords(change.uuid, self._passwords(change))
        if schedule is not ...:  # never with a thumbnail in one request (PeerTube #7552)
            self.client.update_video(change.uuid, self._with_passwords(change, schedule))
        if change.chapters is not None:  # after the description, which may re-derive them
            self.client.replace_chapters(change.uuid, change.chapters)
        result.success = True
        if self.written is not None:
            self.written(change)
        return result

    def _release(self, change: UpdateVideo, result: ItemResult) -> ItemResult:
        """The description without the marker (and its annotations); nothing else."""
        body: dict[str, Any] = {"description": change.description}
        if change.password_protected:
            body["videoPasswords"] = self.client.video_passwords(change.uuid)
        self.client.update_video(change.uuid, body)
        result.note = "released: ptsync's marker removed; the video is no longer managed"
        result.success = True
        if self.written is not None:
            self.written(change)
        return result

    def _passwords(self, change: UpdateVideo) -> list[str]:
        assert change.passwords_env is not None
        return list(pw.read(self.env, change.passwords_env))

    def _with_passwords(self, change: UpdateVideo, schedule: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"scheduleUpdate": schedule}
        if change.password_protected:  # the video is protected by now: every PUT needs them
            body["videoPasswords"] = (
                self._passwords(change)
                if change.passwords_env
                else self.client.video_passwords(change.uuid)
            )
        return body

    def _retry_import(self, import_id: int, result: ItemResult) -> None:
        """Re-run a failed import on the same video (8.x). A retry already under way (another
        run's, or a repeated apply) is refused with 400, which is as good as ours."""
        try:
            self.client.retry_import(import_id)
        except RequestRejected as exc:
            if "non failed" not in str(exc).lower():
                raise
            result.note = "import retry already under way"
        result.import_id = import_id
        result.import_state = ImportState.PENDING.label
        result.method = CreateMethod.IMPORT

    def _update_body(self, change: UpdateVideo) -> dict[str, Any]:
        body = api_body(change.field_values(), self.channels)
        if change.marker is not None:
            body["description"] = compose_description(change.marker, change.description)
        if change.schedule is not None or change.unschedule:
            body["scheduleUpdate"] = schedule_body(change.schedule)
        if body and change.password_protected:
            if change.passwords_env is None:  # unmanaged: resend what the video has
                body["videoPasswords"] = self.client.video_passwords(change.uuid)
            else:
                body["videoPasswords"] = self._passwords(change)
                if _changes(change, "passwords"):  # PeerTube replaces them only with privacy
                    body["privacy"] = PASSWORD_PROTECTED
        return body

    def _replace_source(self, change: UpdateVideo) -> None:
        assert change.source_file is not None  # a path, or a URL the client downloads first
        where = change.source_file
        if "://" in where:  # the entry's own URL, with its credentials, never the shown one
            where = self.source_url(change.external_id, where)
        self.client.replace_source(
            change.uuid, where, on_progress=self._progress(change.external_id or change.uuid)
        )

    # ------------------------------------------------------------------------------ delete

    def delete(self, change: DeleteVideo) -> ItemResult:
        result = ItemResult("delete", change.external_id, change.name, False, uuid=change.uuid)
        try:
            self.client.delete_video(change.uuid)
        except NotFound:
            result.note = "already deleted"
        result.success = True
        return result
