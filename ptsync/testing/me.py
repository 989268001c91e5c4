"""``GET /users/me``: the signed-in user's own document, as each release shapes it.

Separate from ``views`` because it is the one document made of preferences rather than
content: 7.x added the NSFW-flag preferences and the interface language, 8.x the "new
features" marker, channel collaborations and each channel's ``ownerAccountId``. Notification
settings are PeerTube's defaults (bit flags: 1 web, 2 email).
"""

from __future__ import annotations

from typing import Any

from ptsync.testing import vocab
from ptsync.testing.actor_views import account_full, channel_full
from ptsync.testing.memory import State
from ptsync.testing.records import User, iso

WEB, EMAIL = 1, 2
BOTH = WEB | EMAIL
NOTIFICATIONS = {
    "newCommentOnMyVideo": WEB,
    "newVideoFromSubscription": WEB,
    "abuseAsModerator": BOTH,
    "videoAutoBlacklistAsModerator": BOTH,
    "blacklistOnMyVideo": BOTH,
    "myVideoPublished": WEB,
    "myVideoImportFinished": WEB,
    "newUserRegistration": WEB,
    "commentMention": WEB,
    "newFollow": WEB,
    "newInstanceFollower": WEB,
    "autoInstanceFollowing": WEB,
    "abuseNewMessage": BOTH,
    "abuseStateChange": BOTH,
    "newPeerTubeVersion": BOTH,
    "myVideoStudioEditionFinished": WEB,
    "myVideoTranscriptionGenerated": WEB,
    "newPluginVersion": WEB,
}


def user_me(state: State, user: User) -> dict[str, Any]:
    profile = state.profile
    body: dict[str, Any] = {
        "id": user.id,
        "username": user.username,
        "email": f"{user.username}@example.org",
        "theme": "instance-default",
        "pendingEmail": None,
        "emailPublic": False,
        "emailVerified": None,
        "nsfwPolicy": "do_not_list",
    }
    if profile.user_nsfw_flags:
        body.update(nsfwFlagsDisplayed=0, nsfwFlagsHidden=0, nsfwFlagsWarned=0, nsfwFlagsBlurred=0)
    body.update(
        p2pEnabled=True,
        videosHistoryEnabled=True,
        autoPlayVideo=True,
        autoPlayNextVideo=False,
        autoPlayNextVideoPlaylist=True,
        videoLanguages=None,
    )
    if profile.user_nsfw_flags:
        body["language"] = "en"
    body.update(
        role=vocab.label(vocab.ROLES, user.role),
        videoQuota=user.video_quota,
        videoQuotaDaily=user.video_quota_daily,
        noInstanceConfigWarningModal=False,
        noWelcomeModal=False,
        noAccountSetupWarningModal=False,
        blocked=user.blocked,
        blockedReason=None,
        account=account_full(state, user),
        notificationSettings=dict(NOTIFICATIONS),
        videoChannels=_channels(state, user),
        createdAt=iso(user.created_at),
        pluginAuth=None,
        lastLoginDate=iso(user.last_login),
        twoFactorEnabled=False,
    )
    if profile.channel_collaborations:
        body["newFeaturesInfoRead"] = 1
    body["adminFlags"] = 0
    if profile.channel_collaborations:
        body["videoChannelCollaborations"] = []
    body["specialPlaylists"] = [{"id": user.watch_later_id, "name": "Watch later", "type": 2}]
    return body


def _channels(state: State, user: User) -> list[dict[str, Any]]:
    channels = []
    for channel_id in sorted(user.channel_ids):
        body = channel_full(state, state.channels[channel_id], with_owner=False)
        if state.profile.channel_collaborations:
            body["ownerAccountId"] = user.account_id
        channels.append(body)
    return channels
