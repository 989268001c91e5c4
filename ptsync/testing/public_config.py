"""``GET /api/v1/config``: the public server configuration, laid out as each release lays it out.

The document is built for the profile's ``config_release`` (6, 7, 8 or 9: 8.2, where the
8.2.3 models and the 8.2.1 recording agree) with the sections in the recorded order, so a
client that reads more than ``serverVersion`` meets the same keys as on a
real instance. Values are an unconfigured instance's defaults, except what the fake's own
settings decide (HTTP import, source replacement) and what it cannot do (no sign-up).
"""

from __future__ import annotations

from typing import Any

from ptsync.testing.limits import IMAGE_TYPES
from ptsync.testing.memory import State

VIDEO_EXTENSIONS = [".webm", ".ogv", ".mp4"]
CAPTION_MAX = 20 * 1024 * 1024
AVATAR_TYPES = [".png", ".jpeg", ".jpg", ".gif", ".webp"]
LOGO_TYPES = [".svg", *AVATAR_TYPES]
_DISABLED = {"enabled": False}
_RUNNERS_OFF = {"remoteRunners": {"enabled": False}}
_STUN_7 = ["stun:stunserver2024.stunprotocol.org", "stun:stun.framasoft.org"]
_STUN_8 = [
    "stun:stunserver2025.stunprotocol.org",
    "stun:stun.framasoft.org",
    "stun:stun.ekiga.net",
    "stun:stun.freeswitch.org",
]
_THEME_COLOURS = (
    "primaryColor",
    "foregroundColor",
    "backgroundColor",
    "backgroundSecondaryColor",
    "menuForegroundColor",
    "menuBackgroundColor",
    "menuBorderRadius",
    "headerForegroundColor",
    "headerBackgroundColor",
    "inputBorderRadius",
)


def document(state: State) -> dict[str, Any]:
    release = state.profile.config_release
    body: dict[str, Any] = {
        "client": _client(release),
        "defaults": _defaults(state),
        "webadmin": {"configuration": {"edition": {"allowed": True}}},
        "instance": _instance(state),
        "search": {
            "remoteUri": {"users": True, "anonymous": False},
            "searchIndex": {
                "enabled": False,
                "url": "https://sepiasearch.org" if release >= 7 else "",
                "disableLocalSearch": False,
                "isDefaultSearch": False,
            },
        },
        "plugin": {"registered": [], "registeredExternalAuths": [], "registeredIdAndPassAuths": []},
        "theme": _theme(release),
        "email": {"enabled": False},
        "contactForm": {"enabled": True},
        "serverVersion": state.profile.server_version,
        "serverCommit": state.profile.server_commit,
    }
    body.update(_media(state))
    body.update(_site(release))
    return body


def _client(release: int) -> dict[str, Any]:
    miniature: dict[str, Any] = {"preferAuthorDisplayName": False}
    if release < 7:
        miniature = {"displayAuthorAvatar": False, **miniature}
    client: dict[str, Any] = {}
    if release >= 8:
        client["newFeaturesInfo"] = True
    if release >= 7:
        client["header"] = {"hideInstanceName": False}
    client["videos"] = {"miniature": miniature, "resumableUpload": {"maxChunkSize": 0}}
    if release >= 8:
        client["browseVideos"] = {"defaultSort": "-publishedAt", "defaultScope": "federated"}
    client["menu"] = {"login": {"redirectOnSingleExternalAuth": False}}
    if release >= 7:
        client["openInApp"] = {
            "android": {
                "intent": {
                    "enabled": True,
                    "host": "joinpeertube.org",
                    "scheme": "peertube",
                    "fallbackUrl": "https://play.google.com/store/apps/details?id=org.framasoft.peertube",
                }
            },
            "ios": {
                "enabled": True,
                "host": "joinpeertube.org",
                "scheme": "peertube",
                "fallbackUrl": "https://apps.apple.com/fr/app/peertube/id6737834858",
            },
        }
    return client


def _defaults(state: State) -> dict[str, Any]:
    release = state.profile.config_release
    publish: dict[str, Any] = {"downloadEnabled": True, "commentsPolicy": 1}
    if state.profile.comments_enabled_key:
        publish["commentsEnabled"] = True
    publish.update(privacy=1, licence=None)
    body: dict[str, Any] = {"publish": publish}
    if release >= 9:
        body["live"] = {"saveReplay": False}
    body["p2p"] = {"webapp": {"enabled": True}, "embed": {"enabled": True}}
    if release >= 7:
        theme = {"theme": "galaxy"} if release >= 8 else {}
        body["player"] = {**theme, "autoPlay": True}
    return body


def _instance(state: State) -> dict[str, Any]:
    release = state.profile.config_release
    body: dict[str, Any] = {
        "name": "PeerTube",
        "shortDescription": f"A fake PeerTube {state.profile.name} for ptsync's tests.",
        "isNSFW": False,
        "defaultNSFWPolicy": "do_not_list",
        "defaultClientRoute": "/videos/browse" if release >= 7 else "/videos/trending",
    }
    if release >= 7:
        social = {"blueskyLink": "", "mastodonLink": ""}
        if release >= 8:
            social["xLink"] = ""
        social["externalLink"] = ""
        body.update(serverCountry="", support={"text": ""}, social=social)
    body["customizations"] = {"javascript": "", "css": ""}
    if release >= 7:
        body["defaultLanguage"] = "en"
    body.update(avatars=[], banners=[])
    if release >= 7:
        body["logo"] = _logos(f"http://{state.host}/client/assets/images")
    return body


def _logos(base: str) -> list[dict[str, Any]]:
    favicon = {"fileUrl": f"{base}/favicon.png", "width": 32, "height": 32, "type": "favicon"}
    logos = [favicon] + [
        {"fileUrl": f"{base}/logo.svg", "width": 34, "height": 34, "type": kind}
        for kind in ("header-square", "header-wide")
    ]
    return [{**logo, "isFallback": True} for logo in logos]


def _theme(release: int) -> dict[str, Any]:
    if release < 7:
        return {"registered": [], "default": "default"}
    colours = list(_THEME_COLOURS)
    if release >= 9:
        colours.insert(1, "onPrimaryColor")
    return {
        "registered": [],
        "builtIn": [{"name": "peertube-core-dark-brown"}, {"name": "peertube-core-light-beige"}],
        "default": "default",
        "customization": dict.fromkeys(colours),
    }


def _media(state: State) -> dict[str, Any]:
    """Transcoding, live, files, imports, exports and upload limits."""
    settings, release = state.settings, state.profile.config_release
    image_max = 8388608 if release >= 7 else 4194304
    transcoding = {
        "enabledResolutions": [],
        "profile": "default",
        "availableProfiles": ["default"],
    }
    return {
        "transcoding": {
            **_RUNNERS_OFF,
            "hls": _DISABLED,
            "web_videos": _DISABLED,
            **transcoding,
        },
        "live": {
            "enabled": False,
            "allowReplay": True,
            **({"dvr": {"maxWindow": 3600}} if release >= 9 else {}),
            "latencySetting": {"enabled": True},
            "maxDuration": -1,
            "maxInstanceLives": 20,
            "maxUserLives": 3,
            "transcoding": {"enabled": True, **_RUNNERS_OFF, **transcoding},
            "rtmp": {"port": 1935},
        },
        "videoStudio": {"enabled": False, **_RUNNERS_OFF},
        "videoFile": {"update": {"enabled": settings.video_file_update_enabled}},
        "videoTranscription": {"enabled": False, **_RUNNERS_OFF},
        "import": {
            "videos": {"http": {"enabled": settings.http_import_enabled}, "torrent": _DISABLED},
            "videoChannelSynchronization": {"enabled": settings.channel_sync_enabled},
            "users": {"enabled": True},
        },
        "export": {
            "users": {
                "enabled": True,
                "exportExpiration": 172800000,
                "maxUserVideoQuota": 10737418240,
            }
        },
        "autoBlacklist": {"videos": {"ofUsers": _DISABLED}},
        "avatar": {"file": {"size": {"max": image_max}, "extensions": AVATAR_TYPES}},
        "banner": {"file": {"size": {"max": image_max}, "extensions": AVATAR_TYPES}},
        **(
            {"logo": {"file": {"size": {"max": image_max}, "extensions": LOGO_TYPES}}}
            if release >= 9
            else {}
        ),
        "video": {
            "image": {"extensions": list(IMAGE_TYPES), "size": {"max": image_max}},
            "file": {"extensions": VIDEO_EXTENSIONS},
        },
        "videoCaption": {"file": {"size": {"max": CAPTION_MAX}, "extensions": [".vtt", ".srt"]}},
        "user": {"videoQuota": -1, "videoQuotaDaily": -1},
        "videoChannels": {"maxPerUser": 20},
    }


def _site(release: int) -> dict[str, Any]:
    """Trending, federation, messages, views, storyboards, WebRTC and sign-up."""
    algorithms = {"enabled": ["hot", "most-viewed", "most-liked"], "default": "most-viewed"}
    if release >= 7:
        algorithms["default"] = "hot"
    body: dict[str, Any] = {
        "trending": {"videos": {"intervalDays": 7, "algorithms": algorithms}},
        "tracker": {"enabled": True},
        "followings": {"instance": {"autoFollowIndex": {"indexUrl": ""}}},
    }
    if release >= 7:
        body["federation"] = _DISABLED
    watching = {"watchingInterval": {"anonymous": 5000, "users": 5000}}
    if release >= 8:
        watching = {"remote": {"maxAge": 2592000000}, "local": {"maxAge": -1}, **watching}
    body.update(
        broadcastMessage={"enabled": False, "message": "", "level": "info", "dismissable": False},
        homepage=_DISABLED,
        openTelemetry={"metrics": {"enabled": False, "playbackStatsInterval": 15000}},
        views={"videos": watching},
        storyboards={"enabled": True, **_RUNNERS_OFF} if release >= 8 else {"enabled": True},
    )
    if release >= 7:
        body["webrtc"] = {"stunServers": _STUN_8 if release >= 8 else _STUN_7}
        body["nsfwFlagsSettings"] = {"enabled": True}
    if release >= 8:
        body["fieldsConstraints"] = {"users": {"password": {"minLength": 8, "maxLength": 50}}}
    body["signup"] = {
        "allowed": False,
        "allowedForCurrentIP": True,
        "minimumAge": 16,
        "requiresApproval": release < 7,
        "requiresEmailVerification": False,
    }
    return body
