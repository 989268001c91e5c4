"""The PeerTube releases the fake can play, and everything that differs between them.

One frozen ``Profile`` per release; every field is one difference a client can observe, named
after what it sees, and each is backed by the recordings (6.3: ``recordings/`` and
``recordings-2/``, 7.3: ``recordings-7.3/``, 8.0: ``recordings-8.0/`` in ``../shared/peertube``).
Anything not listed here behaves the same on every profile. Handlers read ``state.profile``;
none of them compares version numbers.

| field | 6.3 | 7.3 | 8.0 |
|---|---|---|---|
| ``error_key`` (problem bodies repeat ``detail`` as ``error``) | yes | no | no |
| ``description_endpoint`` (``GET /videos/{id}/description``, ``descriptionPath``) | yes | no | no |
| ``comments_enabled_key`` (deprecated ``commentsEnabled``) | yes | yes | no |
| ``video_counters`` (nsfwFlags, nsfwSummary, comments, liveSchedules) | no | yes | yes |
| ``caption_file_urls`` (captions' ``fileUrl``, ``m3u8Url``) | no | yes | yes |
| ``short_embed_path`` (``embedPath`` by shortUUID) | no | yes | yes |
| ``user_nsfw_flags`` (``/users/me``: ``nsfwFlags*``, ``language``) | no | yes | yes |
| ``playlist_channel_position`` (``videoChannelPosition``) | no | yes | yes |
| ``playlist_any_body`` (JSON / urlencoded playlist bodies; 6.3: 500) | no | yes | yes |
| ``source_filename`` (``filename`` in ``/videos/{id}/source``) | yes | yes | no |
| ``failed_import_kept`` (video kept in state 12 "Import failed") | no | no | yes |
| ``import_retry`` (``POST /videos/imports/{id}/retry``) | no | no | yes |
| ``import_attempts`` (``attempts`` in import rows) | no | no | yes |
| ``owner_blocked_flags`` (``blockedOwner``, ``blockedServer`` in my videos) | no | no | yes |
| ``channel_collaborations`` (``/users/me``: collaborations, ``ownerAccountId``) | no | no | yes |
| ``channel_owner_summary`` (short ``ownerAccount`` in account channel lists) | no | no | yes |
| ``import_sync_link`` (sync imports' rows carry ``videoChannelSync``) | yes | yes | no |
| ``sync_video_privacy`` (8.3: ``videoPrivacy`` on channel syncs) | no | no | no |
| licences | 1-7 | 1-9 | 1-9 |
| languages | base | + rcf, gcr | + gsw |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from ptsync.testing import vocab

DEFAULT = "6.3"

_LICENCES_7 = {8: "Free of known copyright restrictions", 9: "Copyrighted - All Rights Reserved"}
_LANGUAGES_7 = {"rcf": "Réunion Creole French", "gcr": "Guianese Creole French"}
_GSW_AFTER = "gsg"


@dataclass(frozen=True)
class Profile:
    name: str
    server_version: str
    server_commit: str
    config_release: int
    error_key: bool
    description_endpoint: bool
    comments_enabled_key: bool
    video_counters: bool
    caption_file_urls: bool
    short_embed_path: bool
    user_nsfw_flags: bool
    playlist_channel_position: bool
    playlist_any_body: bool
    source_filename: bool
    failed_import_kept: bool
    import_retry: bool
    import_attempts: bool
    owner_blocked_flags: bool
    channel_collaborations: bool
    channel_owner_summary: bool
    licences: Mapping[int, str]
    languages: Mapping[str, str]
    import_sync_link: bool = True
    sync_video_privacy: bool = False


def _languages_8() -> dict[str, str]:
    ordered: dict[str, str] = {}
    for code, label in {**vocab.LANGUAGES, **_LANGUAGES_7}.items():
        ordered[code] = label
        if code == _GSW_AFTER:
            ordered["gsw"] = "Swiss German"
    return ordered


V6_3 = Profile(
    name="6.3",
    server_version="6.3.0",
    server_commit="7fa01896f2",
    config_release=6,
    error_key=True,
    description_endpoint=True,
    comments_enabled_key=True,
    video_counters=False,
    caption_file_urls=False,
    short_embed_path=False,
    user_nsfw_flags=False,
    playlist_channel_position=False,
    playlist_any_body=False,
    source_filename=True,
    failed_import_kept=False,
    import_retry=False,
    import_attempts=False,
    owner_blocked_flags=False,
    channel_collaborations=False,
    channel_owner_summary=False,
    licences=MappingProxyType(dict(vocab.LICENCES)),
    languages=MappingProxyType(dict(vocab.LANGUAGES)),
)

# Each release is the one before it plus what its recordings show changed.
V7_3 = replace(
    V6_3,
    name="7.3",
    server_version="7.3.0",
    server_commit="",
    config_release=7,
    error_key=False,
    description_endpoint=False,
    video_counters=True,
    caption_file_urls=True,
    short_embed_path=True,
    user_nsfw_flags=True,
    playlist_channel_position=True,
    playlist_any_body=True,
    licences=MappingProxyType({**vocab.LICENCES, **_LICENCES_7}),
    languages=MappingProxyType({**vocab.LANGUAGES, **_LANGUAGES_7}),
)

V8_0 = replace(
    V7_3,
    name="8.0",
    server_version="8.0.1",
    config_release=8,
    comments_enabled_key=False,
    source_filename=False,
    failed_import_kept=True,
    import_retry=True,
    import_attempts=True,
    owner_blocked_flags=True,
    channel_collaborations=True,
    channel_owner_summary=True,
    languages=MappingProxyType(_languages_8()),
    import_sync_link=False,  # 8.0.1 listed a sync's imports without it (8.2 has it again)
)

PROFILES: Mapping[str, Profile] = MappingProxyType({p.name: p for p in (V6_3, V7_3, V8_0)})


def profile(version: str) -> Profile:
    """The profile named ``version``: ``"8.0"``, or a server version such as ``"8.0.1"``."""
    for candidate in PROFILES.values():
        if version in (candidate.name, candidate.server_version):
            return candidate
    raise ValueError(f"unknown PeerTube profile {version!r}; choose one of {', '.join(PROFILES)}")
