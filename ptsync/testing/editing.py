"""Writing video metadata: PUT semantics, creation defaults, and the shared permission checks.

One implementation serves the HTTP PUT, the upload and import creates and ``fake.edit_video``
(a person in the web UI), so all of them agree on PeerTube's rules: absent fields stay, ``null``
clears, tags are stored de-duplicated in byte order, leaving Private re-publishes
(``publishedAt`` = now), passwords are required while a video is password protected, and every
update bumps ``updatedAt``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ptsync.testing import description_chapters, limits, scheduling
from ptsync.testing import validation as v
from ptsync.testing.bodies import StoredFile
from ptsync.testing.ids import parse_ident
from ptsync.testing.memory import State
from ptsync.testing.problems import Problem, bad_request, forbidden
from ptsync.testing.records import PASSWORD_PROTECTED, PRIVATE, Channel, Password, User, Video

_PLAIN = {
    "category": "category",
    "licence": "licence",
    "language": "language",
    "support": "support",
    "description": "description",
    "waitTranscoding": "wait_transcoding",
    "downloadEnabled": "download_enabled",
}


VIDEO_ID_MSG = "Should have a valid video id (id, short UUID or UUID)"


def check_video_param(checker: v.Checker, raw: str, name: str = "id") -> int | str | None:
    """``isValidVideoIdParam``: numeric id, UUID v4 or shortUUID, else a ``params`` error."""
    ident = parse_ident(raw)
    if ident is None:
        checker.fail(name, raw, VIDEO_ID_MSG, location="params")
    return ident


def video_param(raw: str, instance: str, name: str = "id") -> int | str:
    checker = v.Checker({})
    ident = check_video_param(checker, raw, name)
    checker.raise_errors(instance)
    assert ident is not None
    return ident


def validate_update(
    fields: Mapping[str, Any],
    files: Mapping[str, list[StoredFile]] | None,
    instance: str,
    raw_id: str,
    licences: Mapping[int, str],
) -> tuple[int | str, dict[str, Any]]:
    """``videosUpdateValidator``'s chains, in order; raises the 400 PeerTube would answer."""
    checker = v.Checker(fields)
    v.video_edit(checker, files, licences)
    ident = check_video_param(checker, raw_id)
    v.video_name(checker, required=False)
    v.channel_id(checker, required=False)
    v.video_passwords(checker)
    checker.raise_errors(instance)
    assert ident is not None
    values = dict(checker.values)
    if "passwords" in fields and "videoPasswords" not in values:
        values["videoPasswords"] = fields["passwords"]
    return ident, values


def check_passwords(values: Mapping[str, Any], current_privacy: int | None) -> None:
    """``isValidPasswordProtectedPrivacy``: protected videos need passwords on every write."""
    privacy = values.get("privacy", current_privacy)
    if privacy != PASSWORD_PROTECTED:
        return
    passwords = values.get("videoPasswords")
    if passwords is None:
        raise bad_request("Video passwords are missing.")
    if not isinstance(passwords, list) or len(passwords) == 0:
        raise bad_request("At least one video password is required.")
    if len({repr(p) for p in passwords}) != len(passwords):
        raise bad_request("Duplicate video passwords are not allowed.")
    for password in passwords:
        if not isinstance(password, str):
            raise bad_request("Video password should be a string.")
        if not 2 <= len(password) < 100:
            raise bad_request(
                "Invalid video password. Password length should be at least 2 characters "
                "and no more than 100 characters."
            )


def channel_for(state: State, user: User, channel_id: Any) -> Channel:
    """``doesVideoChannelOfAccountExist``: 400 (not 403) for another user's channel."""
    channel = state.channels.get(channel_id) if isinstance(channel_id, int) else None
    if channel is None:
        raise bad_request('Unknown video "video channel" for this instance.')
    if channel.user_id != user.id and not user.is_staff:
        raise bad_request('Unknown video "video channel" for this account.')
    return channel


def check_can_manage(state: State, user: User, video: Video) -> None:
    if state.channels[video.channel_id].user_id != user.id and not user.is_staff:
        raise forbidden("Cannot manage a video of another user.")


def comments_policy(values: Mapping[str, Any]) -> int | None:
    policy = values.get("commentsPolicy")
    if policy is not None:
        return limits.js_key(policy)
    if "commentsEnabled" in values:
        return 1 if values["commentsEnabled"] else 2
    return None


def image_path(kind: str) -> str:
    return f"/lazy-static/{kind}/{uuid.uuid4()}.jpg"


def apply_images(state: State, video: Video, values: Mapping[str, Any]) -> None:
    """Up to 8.0 ``thumbnailfile`` and ``previewfile`` are two images (the miniature and the
    watch page's poster). From 8.1 they are one image in several sizes: either field sets it,
    and when both are sent ``previewfile`` wins."""
    thumbnail = values.get("thumbnailfile")
    preview = values.get("previewfile")
    for name, upload in (("thumbnailfile", thumbnail), ("previewfile", preview)):
        if isinstance(upload, StoredFile):
            state.image_parts[name] += 1
    if state.profile.preview_is_thumbnail:
        image = preview if isinstance(preview, StoredFile) else thumbnail
        if isinstance(image, StoredFile):
            video.thumbnail = video.preview = _bytes(image)
            video.thumbnail_path = image_path("thumbnails")
            video.preview_path = image_path("thumbnails")
        return
    if isinstance(thumbnail, StoredFile):
        video.thumbnail = _bytes(thumbnail)
        video.thumbnail_path = image_path("thumbnails")
    if isinstance(preview, StoredFile):
        video.preview = _bytes(preview)
        video.preview_path = image_path("previews")


def _bytes(upload: StoredFile) -> bytes:
    return upload.data if upload.data is not None else upload.head


def set_passwords(state: State, video: Video, passwords: list[str]) -> None:
    now = state.clock.now()
    video.passwords = [Password(state.next_id("password"), p, now) for p in passwords]


def apply_update(state: State, video: Video, values: Mapping[str, Any]) -> None:
    """The update controller: copy present fields, re-publish, re-tag, schedule, re-derive
    chapters from a new description, bump ``updatedAt``."""
    now = state.clock.now()
    touched: set[str] = set()
    old_description = video.description
    if "name" in values:
        video.name = values["name"]
        touched.add("name")
    for api_name, attribute in _PLAIN.items():
        if api_name in values:
            setattr(video, attribute, values[api_name])
    if "nsfw" in values:
        video.nsfw = values["nsfw"]
        touched.add("visibility")
    policy = comments_policy(values)
    if policy is not None:
        video.comments_policy = policy
    if "originallyPublishedAt" in values:
        video.originally_published_at = limits.parse_date(values["originallyPublishedAt"])
        touched.add("originallyPublishedAt")
    if "privacy" in values:
        _apply_privacy(state, video, values, now, touched)
    if "tags" in values:
        video.tags = normalise_tags(values["tags"])
    apply_images(state, video, values)
    scheduling.apply(state, video, values)
    if video.description != old_description:
        description_chapters.derive_on_update(video, old_description)
    video.updated_at = now
    state.touch(*touched)


def _apply_privacy(
    state: State, video: Video, values: Mapping[str, Any], now: float, touched: set[str]
) -> None:
    privacy = values["privacy"]
    if video.privacy == PRIVATE and privacy != PRIVATE:
        video.published_at = now
        touched.add("publishedAt")
    if privacy != PASSWORD_PROTECTED:
        video.passwords = []
    elif values.get("videoPasswords") is not None:
        set_passwords(state, video, values["videoPasswords"])
    video.privacy = privacy
    touched.add("visibility")


def duration_for(size: int) -> int:
    """A plausible duration in seconds for a file of ``size`` bytes (nothing is probed)."""
    return max(2, size // 26000)


def normalise_tags(tags: Any) -> tuple[str, ...]:
    return tuple(sorted(set(tags or ())))


def creation_fields(values: Mapping[str, Any], *, wait_transcoding: bool) -> dict[str, Any]:
    """Defaults PeerTube applies on upload/import: Private unless told, comments and download on."""
    return {
        "privacy": values.get("privacy") or PRIVATE,
        "category": values.get("category"),
        "licence": values.get("licence"),
        "language": values.get("language"),
        "nsfw": bool(values.get("nsfw") or False),
        "description": values.get("description"),
        "support": values.get("support"),
        "comments_policy": comments_policy(values) or 1,
        "download_enabled": values.get("downloadEnabled", True) is not False,
        "wait_transcoding": bool(values.get("waitTranscoding", wait_transcoding)),
        "originally_published_at": limits.parse_date(values.get("originallyPublishedAt")),
        "tags": normalise_tags(values.get("tags")),
    }


def finish_creation(state: State, video: Video, values: Mapping[str, Any]) -> None:
    apply_images(state, video, values)
    description_chapters.derive_on_create(video)
    scheduling.track(state, video, scheduling.from_values(values))
    if video.privacy == PASSWORD_PROTECTED:
        set_passwords(state, video, list(values.get("videoPasswords") or []))


def video_or_404(state: State, ident: int | str | None) -> Video:
    video = state.video(ident) if ident is not None else None
    if video is None:
        raise Problem(404, "Video not found")
    return video
