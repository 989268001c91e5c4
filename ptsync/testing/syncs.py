"""Server-side channel synchronisation: the sync resource and the channel import it drives.

As recorded on 6.3, 8.0.1 and 8.2 (``recordings-syncs/``): with
``import.video_channel_synchronization`` disabled (the default, ``FakePeerTube(
channel_sync_enabled=True)`` turns it on) the sync routes answer 403, but ``import-videos``
still works while HTTP import is on; the same URL and channel may be synced twice (no
de-duplication); there is no update route, and ``POST /video-channel-syncs/{id}/sync`` has no
route at all (400, empty body, from the router).

The fake cannot run yt-dlp: ``state.upstreams`` says what an external URL lists (registered by
tests with ``fake.set_upstream``), as import URLs in the exact form yt-dlp returns them (a feed
item's guid smuggled into the fragment). An import of a channel creates one import per listed
URL, newest first, at most ``FULL_SYNC_LIMIT``, skipping every URL the channel already has a video
imported from *by that exact string* (or that this sync already imported), like the server; a
scheduled run (``run_scheduled``) looks at the newest ``SCHEDULED_LIMIT`` only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Response

from ptsync.testing import limits, vocab
from ptsync.testing import validation as v
from ptsync.testing.actor_views import channel_summary
from ptsync.testing.channels import account_or_404, channel_or_404
from ptsync.testing.editing import channel_for, creation_fields
from ptsync.testing.ids import is_int
from ptsync.testing.imports import title_from
from ptsync.testing.listing import page
from ptsync.testing.memory import State
from ptsync.testing.problems import (
    bad_request,
    forbidden,
    json_response,
    no_content,
    not_found,
)
from ptsync.testing.records import PUBLIC, TO_IMPORT, ChannelSync, Import, User, iso
from ptsync.testing.routing import Ctx, Routes

WAITING, PROCESSING, SYNCED, FAILED = 1, 2, 3, 4
STATES = {
    WAITING: "Waiting first run",
    PROCESSING: "Processing",
    SYNCED: "Synchronized",
    FAILED: "Failed",
}
MAX_PER_USER = 10  # import.video_channel_synchronization.max_per_user
FULL_SYNC_LIMIT = 1000  # import.video_channel_synchronization.full_sync_videos_limit
SCHEDULED_LIMIT = 10  # import.video_channel_synchronization.videos_limit_per_synchronization
DISABLED = (
    "Synchronization is impossible as video channel synchronization is not enabled on the server"
)
# not recorded (the recordings had HTTP import on): the server's wording for import-videos
HTTP_IMPORT_DISABLED = (
    "Channel import is impossible as video upload via HTTP is not enabled on the server"
)
SORTS = ("externalChannelUrl", "videoChannel", "createdAt", "lastSyncAt", "state")

routes = Routes()


def view(state: State, sync: ChannelSync) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": sync.id,
        "state": vocab.label(STATES, sync.state),
        "externalChannelUrl": sync.external_url,
        "createdAt": iso(sync.created_at),
        "channel": channel_summary(state, state.channels[sync.channel_id]),
    }
    if sync.last_sync_at is not None:
        body["lastSyncAt"] = iso(sync.last_sync_at)
    if state.profile.sync_video_privacy:
        body["videoPrivacy"] = vocab.label(vocab.PRIVACIES, sync.video_privacy or PUBLIC)
    return body


def _ensure_enabled(state: State) -> None:
    if not state.settings.channel_sync_enabled:
        raise forbidden(DISABLED)


def _own_sync(ctx: Ctx, raw: str) -> ChannelSync:
    sync = ctx.state.syncs.get(v.path_id(raw, ctx.instance))
    if sync is None:
        raise not_found("Video channel sync not found")
    if sync.user_id != ctx.me.id and not ctx.me.is_staff:
        raise forbidden("Cannot manage video channel sync of another user")
    return sync


@routes("/api/v1/video-channel-syncs", "POST", auth="required")
def create_sync(ctx: Ctx) -> Response:
    state, user = ctx.state, ctx.me
    _ensure_enabled(state)
    checker = v.Checker(ctx.fields)
    checker.check("externalChannelUrl", limits.is_import_url, optional=False)
    checker.check("videoChannelId", is_int, sanitize=limits.to_int_or_null, optional=False)
    if state.profile.sync_video_privacy:
        checker.check("videoPrivacy", limits.is_privacy, sanitize=limits.to_int_or_null)
    checker.raise_errors(ctx.instance)
    values = checker.values
    channel = channel_for(state, user, values["videoChannelId"])
    if sum(1 for s in state.syncs.values() if s.user_id == user.id) >= MAX_PER_USER:
        raise bad_request(f"You have reached the maximum number of syncs ({MAX_PER_USER})")
    sync = ChannelSync(
        id=state.next_id("sync"),
        user_id=user.id,
        channel_id=channel.id,
        external_url=values["externalChannelUrl"],
        created_at=state.clock.now(),
        video_privacy=values.get("videoPrivacy"),
    )
    state.syncs[sync.id] = sync
    return json_response({"videoChannelSync": view(state, sync)})


@routes("/api/v1/video-channel-syncs/<sid>", "DELETE", auth="required")
def delete_sync(ctx: Ctx, sid: str) -> Response:
    _ensure_enabled(ctx.state)
    sync = _own_sync(ctx, sid)
    ctx.state.syncs.pop(sync.id, None)
    for record in ctx.state.imports.values():  # ON DELETE SET NULL: the videos stay
        if record.sync_id == sync.id:
            record.sync_id = None
    return no_content()


@routes("/api/v1/accounts/<name>/video-channel-syncs", "GET", auth="required")
def account_syncs(ctx: Ctx, name: str) -> Response:
    state = ctx.state
    _ensure_enabled(state)
    owner = account_or_404(state, name)
    if owner.id != ctx.me.id and not ctx.me.is_staff:
        raise forbidden("Only the owner of this account can list its channel syncs")
    start, count = v.pagination(ctx.query, ctx.instance)
    sort = v.sort(ctx.query, SORTS, "-createdAt", ctx.instance)
    syncs = [s for s in state.syncs.values() if s.user_id == owner.id]
    syncs.sort(key=lambda s: _sort_key(s, sort.lstrip("-")), reverse=sort.startswith("-"))
    data = [view(state, s) for s in page(syncs, start, count)]
    return json_response({"total": len(syncs), "data": data})


def _sort_key(sync: ChannelSync, column: str) -> tuple[Any, int]:
    values = {
        "externalChannelUrl": sync.external_url,
        "videoChannel": sync.channel_id,
        "createdAt": sync.created_at,
        "lastSyncAt": sync.last_sync_at or 0.0,
        "state": sync.state,
    }
    return values[column], sync.id


@routes("/api/v1/video-channels/<handle>/import-videos", "POST", auth="required")
def import_videos(ctx: Ctx, handle: str) -> Response:
    state, user = ctx.state, ctx.me
    if not state.settings.http_import_enabled:
        raise forbidden(HTTP_IMPORT_DISABLED)
    checker = v.Checker(ctx.fields)
    checker.check("externalChannelUrl", limits.is_import_url, optional=False)
    checker.check("videoChannelSyncId", is_int, sanitize=limits.to_int_or_null)
    checker.raise_errors(ctx.instance)
    channel = channel_or_404(state, handle)
    if channel.user_id != user.id and not user.is_staff:
        raise forbidden("Cannot manage video channel of another user")
    sync = None
    if "videoChannelSyncId" in checker.values:
        sync = state.syncs.get(checker.values["videoChannelSyncId"])
        if sync is None:
            raise not_found("Video channel sync not found")
        if sync.channel_id != channel.id:
            raise bad_request("This channel sync is not owned by this channel")
    synchronize(state, user, channel.id, checker.values["externalChannelUrl"], sync)
    return no_content()


def synchronize(
    state: State,
    user: User,
    channel_id: int,
    url: str,
    sync: ChannelSync | None,
    limit: int = FULL_SYNC_LIMIT,
) -> int:
    """List ``url`` and import what the channel lacks; returns how many imports were made."""
    listed = listing(state, url)
    now = state.clock.now()
    if sync is not None:
        sync.state, sync.last_sync_at = (FAILED if listed is None else SYNCED), now
    made = 0
    for target in (listed or [])[:limit]:
        host = urlsplit(target).hostname or ""
        if not state.settings.allow_private_import_targets and not limits.is_unicast_host(host):
            continue  # "Cannot use non unicast IP as targetUrl"
        if not _already_imported(state, channel_id, target, sync):
            _import(state, user, channel_id, target, sync)
            made += 1
    return made


def run_scheduled(state: State) -> None:
    """The hourly check: every sync looks at the newest entries of its source."""
    for sync in list(state.syncs.values()):
        user = state.users[sync.user_id]
        synchronize(state, user, sync.channel_id, sync.external_url, sync, SCHEDULED_LIMIT)


def listing(state: State, url: str) -> list[str] | None:
    """What yt-dlp would list at ``url`` (None: it could not)."""
    source = state.upstreams.get(url)
    if source is None:
        return None
    return list(source() if callable(source) else source)


def _already_imported(state: State, channel_id: int, target: str, sync: ChannelSync | None) -> bool:
    for record in state.imports.values():
        if record.target_url != target:
            continue
        if sync is not None and record.sync_id == sync.id:
            return True
        video = state.videos.get(record.video_id) if record.video_id is not None else None
        if video is not None and video.channel_id == channel_id:
            return True
    return False


def _import(
    state: State, user: User, channel_id: int, target: str, sync: ChannelSync | None
) -> None:
    channel = state.channels[channel_id]
    privacy = (sync.video_privacy if sync else None) or PUBLIC
    values = {"privacy": privacy, "support": channel.support}
    fields = creation_fields(values, wait_transcoding=True)
    today = datetime.fromtimestamp(state.clock.time(), UTC).date()
    fields["originally_published_at"] = datetime(*today.timetuple()[:3], tzinfo=UTC).timestamp()
    video = state.new_video(channel, title_from(target), **fields, state=TO_IMPORT)
    behaviour, size = state.import_targets.get(target, ("ok", 1000))
    now = state.clock.now()
    record = Import(state.next_id("import"), user.id, target, video.id, behaviour, size, now, now)
    record.sync_id = sync.id if sync else None
    state.add_import(record)
