"""Instance-wide read-only endpoints: ``/config`` and the vocabularies.

``/config`` carries the part of PeerTube 6.3's public config a client may act on: version,
whether HTTP import and source replacement are enabled, accepted file types and sizes, quotas
and publishing defaults. The two feature flags follow the fake's constructor options so clients
can be tested against both kinds of instance.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ptsync.testing import vocab
from ptsync.testing.problems import json_response
from ptsync.testing.routing import Ctx, Routes
from ptsync.testing.rules import IMAGE_MAX, IMAGE_TYPES

VIDEO_EXTENSIONS = [".webm", ".ogv", ".mp4"]
VIDEO_MIMETYPES = ("video/webm", "video/ogg", "video/mp4")
CAPTION_MAX = 20 * 1024 * 1024

routes = Routes()


def config(ctx: Ctx) -> dict[str, Any]:
    settings = ctx.state.settings
    return {
        "client": {
            "videos": {
                "miniature": {"displayAuthorAvatar": False, "preferAuthorDisplayName": False},
                "resumableUpload": {"maxChunkSize": 0},
            },
        },
        "defaults": {
            "publish": {
                "downloadEnabled": True,
                "commentsPolicy": 1,
                "commentsEnabled": True,
                "privacy": 1,
                "licence": None,
            },
        },
        "instance": {
            "name": "PeerTube",
            "shortDescription": "A fake PeerTube 6.3 for ptsync's tests.",
            "isNSFW": False,
            "defaultNSFWPolicy": "do_not_list",
        },
        "serverVersion": "6.3.0",
        "serverCommit": "7fa01896f2",
        "transcoding": {"hls": {"enabled": False}, "web_videos": {"enabled": False}},
        "videoFile": {"update": {"enabled": settings.video_file_update_enabled}},
        "import": {
            "videos": {
                "http": {"enabled": settings.http_import_enabled},
                "torrent": {"enabled": False},
            },
            "videoChannelSynchronization": {"enabled": False},
        },
        "video": {
            "image": {"extensions": list(IMAGE_TYPES), "size": {"max": IMAGE_MAX}},
            "file": {"extensions": VIDEO_EXTENSIONS},
        },
        "videoCaption": {"file": {"size": {"max": CAPTION_MAX}, "extensions": [".vtt", ".srt"]}},
        "user": {"videoQuota": -1, "videoQuotaDaily": -1},
        "videoChannels": {"maxPerUser": 20},
        "signup": {
            "allowed": False,
            "allowedForCurrentIP": True,
            "requiresEmailVerification": False,
        },
    }


@routes("/api/v1/config", "GET")
def get_config(ctx: Ctx) -> Response:
    return json_response(config(ctx))


def _vocabulary(entries: dict[Any, str]) -> Response:
    return json_response({str(key): value for key, value in entries.items()})


@routes("/api/v1/videos/categories", "GET", docs="getCategories")
def categories(ctx: Ctx) -> Response:
    return _vocabulary(vocab.CATEGORIES)


@routes("/api/v1/videos/licences", "GET", docs="getLicences")
def licences(ctx: Ctx) -> Response:
    return _vocabulary(vocab.LICENCES)


@routes("/api/v1/videos/languages", "GET", docs="getLanguages")
def languages(ctx: Ctx) -> Response:
    return _vocabulary(vocab.LANGUAGES)


@routes("/api/v1/videos/privacies", "GET", docs="getPrivacies")
def privacies(ctx: Ctx) -> Response:
    return _vocabulary(vocab.PRIVACIES)


@routes("/api/v1/video-playlists/privacies", "GET", docs="getPlaylistPrivacyPolicies")
def playlist_privacies(ctx: Ctx) -> Response:
    return _vocabulary(vocab.PLAYLIST_PRIVACIES)
