"""The PeerTube releases the fake can play, and everything that differs between them.

One frozen ``Profile`` per release; every field is one difference a client can observe, named
after what it sees, and each is backed by the recordings (6.3: ``recordings/`` and
``recordings-2/``, 7.3: ``recordings-7.3/``, 8.0: ``recordings-8.0/``, 8.2: ``recordings-8.2dev/``
in ``../shared/peertube``), by the official models of 8.2.3 (the ``@peertube/peertube-types``
package: field names and shapes) and, for 8.1 and 8.3, by the changelog facts of
``../shared/peertube/README.md`` ("After 8.0"). What the 8.2.1 development build recorded but
the 8.2.3 models lack (the fork's fields, development-branch keys) is not in any profile.
Anything not listed here behaves the same on every profile. Handlers read ``state.profile``;
none of them compares version numbers.

| field (what a client sees) | 6.3 | 7.3 | 8.0 | 8.1 | 8.2 | 8.3 |
|---|---|---|---|---|---|---|
| ``error_key``: problem bodies repeat ``detail`` as ``error`` | y | - | - | - | - | - |
| ``description_endpoint``: ``GET /videos/{id}/description`` | y | - | - | - | - | - |
| ``comments_enabled_key``: deprecated ``commentsEnabled`` | y | y | - | - | - | - |
| ``video_counters``: nsfwFlags, nsfwSummary, comments, liveSchedules | - | y | y | y | y | y |
| ``caption_file_urls``: captions' ``fileUrl``, ``m3u8Url`` | - | y | y | y | y | y |
| ``short_embed_path``: ``embedPath`` by shortUUID | - | y | y | y | y | y |
| ``user_nsfw_flags``: ``/users/me`` ``nsfwFlags*``, ``language`` | - | y | y | y | y | y |
| ``playlist_channel_position``: ``videoChannelPosition`` | - | y | y | y | y | y |
| ``playlist_any_body``: JSON / urlencoded playlist bodies (6.3: 500) | - | y | y | y | y | y |
| ``source_filename``: ``filename`` in ``/videos/{id}/source`` | y | y | - | - | - | - |
| ``source_file_url``: ``fileUrl`` in ``/videos/{id}/source`` | y | y | y | y | - | - |
| ``failed_import_kept``: video kept in state 12 "Import failed" | - | - | y | y | y | y |
| ``import_retry``: ``POST /videos/imports/{id}/retry`` | - | - | y | y | y | y |
| ``import_attempts``: ``attempts`` in import rows | - | - | y | y | y | y |
| ``owner_blocked_flags``: ``blockedOwner``/``blockedServer`` | - | - | y | y | y | y |
| ``channel_collaborations``: collaborations, ``ownerAccountId`` | - | - | y | y | y | y |
| ``channel_owner_summary``: short ``ownerAccount`` in channels | - | - | y | y | y | y |
| ``thumbnail_sizes``: ``thumbnails[]`` on videos, playlists | - | - | - | y | y | y |
| ``preview_is_thumbnail``: one image; ``previewfile`` wins | - | - | - | y | y | y |
| ``login_error_codes``: ``account_blocked``, ``too_long_password`` | - | - | - | y | y | y |
| ``embed_privacy``: ``embedPrivacyPolicy`` in details | - | - | - | y | y | y |
| ``import_max_attempts``: ``max_attempts`` default | - | - | 3 | 5 | 5 | 5 |
| ``refresh_token_ttl``: ``refresh_token_expires_in``, weeks | 2 | 2 | 2 | 2 | 4 | 4 |
| ``password_change_revokes``: it ends the user's tokens (8.2.2) | - | - | - | - | y | y |
| ``caption_text_languages``: captions refuse sign languages | - | - | - | - | y | y |
| ``videos_exist_max``: ids per ``videos-exist`` query | - | - | - | - | 100 | 100 |
| ``element_in_playlist``: an element is looked up in its playlist | - | - | - | - | y | y |
| ``video_downloads``: ``downloads`` count on videos | - | - | - | - | y | y |
| ``my_videos_tags``: ``tags`` on ``/users/me/videos`` items | - | - | - | - | y | y |
| ``import_sync_link``: sync imports' rows carry ``videoChannelSync`` | y | y | - | y | y | y |
| ``import_state_filter``: ``stateOneOf`` on my imports | - | - | - | - | - | y |
| ``retry_checks_attempts``: retry refused (video gone, attempts) | - | - | - | - | - | y |
| ``sync_video_privacy``: ``videoPrivacy`` on channel syncs | - | - | - | - | - | y |
| ``config_release``: layout of ``/config`` | 6 | 7 | 8 | 8 | 9 | 9 |
| licences | 1-7 | 1-9 | 1-9 | 1-9 | 1-9 | 1-9 |
| languages (+ over 6.3) | | rcf gcr | + gsw | + gsw | + gsw | + gsw |

No 8.1 server was recorded: its ``import_sync_link`` follows 8.2 and its ``/config`` layout
8.0, as nothing in the changelog says otherwise. 8.2's ``/config`` additions (``config_release``
9) are the keys both the recording and the 8.2.3 models have.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from ptsync.testing import vocab

DEFAULT = "6.3"
TWO_WEEKS, FOUR_WEEKS = 1209599, 2419199  # refresh_token_expires_in as recorded

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
    source_file_url: bool = True
    thumbnail_sizes: bool = False
    preview_is_thumbnail: bool = False
    login_error_codes: bool = False
    embed_privacy: bool = False
    import_max_attempts: int = 3
    refresh_token_ttl: int = TWO_WEEKS
    password_change_revokes: bool = False
    caption_text_languages: bool = False
    videos_exist_max: int | None = None
    element_in_playlist: bool = False
    video_downloads: bool = False
    my_videos_tags: bool = False
    import_state_filter: bool = False
    retry_checks_attempts: bool = False


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

V8_1 = replace(
    V8_0,
    name="8.1",
    server_version="8.1.8",  # the last 8.1 release, which invalidated every token on upgrade
    thumbnail_sizes=True,
    preview_is_thumbnail=True,
    login_error_codes=True,
    embed_privacy=True,
    import_max_attempts=5,
    import_sync_link=True,
)

V8_2 = replace(
    V8_1,
    name="8.2",
    server_version="8.2.3",  # the release whose models are the reference
    config_release=9,
    source_file_url=False,
    refresh_token_ttl=FOUR_WEEKS,
    password_change_revokes=True,
    caption_text_languages=True,
    videos_exist_max=100,
    element_in_playlist=True,
    video_downloads=True,
    my_videos_tags=True,
)

V8_3 = replace(
    V8_2,
    name="8.3",
    server_version="8.3.0",
    import_state_filter=True,
    retry_checks_attempts=True,
    sync_video_privacy=True,
)

PROFILES: Mapping[str, Profile] = MappingProxyType(
    {p.name: p for p in (V6_3, V7_3, V8_0, V8_1, V8_2, V8_3)}
)
NEWEST = V8_3.name


TOKENS_INVALIDATED = (8, 1, 8)  # the security release that ended every token on upgrade


def parse(server_version: str) -> tuple[int, ...]:
    """``"8.1.8"`` → ``(8, 1, 8)``."""
    return tuple(int(part) for part in server_version.split("."))


def profile(version: str) -> Profile:
    """The profile named ``version``: ``"8.0"``, or a server version such as ``"8.0.1"``."""
    for candidate in PROFILES.values():
        if version in (candidate.name, candidate.server_version):
            return candidate
    raise ValueError(f"unknown PeerTube profile {version!r}; choose one of {', '.join(PROFILES)}")
