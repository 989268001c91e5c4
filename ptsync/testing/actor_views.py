"""JSON shapes of accounts and channels, in the recorded key order, per release.

Split from ``views`` (videos, imports, playlists, captions) because actors appear inside
almost every other object, in three sizes: a summary (list items), the full actor (details,
channel pages) and, on 8.x, a brief owner in account channel listings.
"""

from __future__ import annotations

from typing import Any

from ptsync.testing.memory import State
from ptsync.testing.records import Channel, User, iso


def base_url(state: State) -> str:
    return f"http://{state.host}"


def account_summary(state: State, user: User) -> dict[str, Any]:
    return {
        "id": user.account_id,
        "displayName": user.username,
        "name": user.username,
        "url": f"{base_url(state)}/accounts/{user.username}",
        "host": state.host,
        "avatars": [],
    }


def account_full(state: State, user: User) -> dict[str, Any]:
    """The account with its counters and dates (``/accounts/{name}``, video details)."""
    return {
        **account_brief(state, user),
        "followingCount": 0,
        "followersCount": 0,
        "createdAt": iso(user.created_at),
        "description": None,
        "updatedAt": iso(user.created_at),
        "userId": user.id,
    }


def channel_summary(state: State, channel: Channel) -> dict[str, Any]:
    return {
        "id": channel.id,
        "name": channel.name,
        "displayName": channel.display_name,
        "url": f"{base_url(state)}/video-channels/{channel.name}",
        "host": state.host,
        "avatars": [],
    }


def account_brief(state: State, user: User) -> dict[str, Any]:
    """8.x's owner of a channel in account channel listings: the actor, no counters or dates."""
    return {
        "url": f"{base_url(state)}/accounts/{user.username}",
        "name": user.username,
        "host": state.host,
        "avatars": [],
        "id": user.account_id,
        "hostRedundancyAllowed": False,
        "displayName": user.username,
    }


def channel_listed(state: State, channel: Channel) -> dict[str, Any]:
    """``/accounts/{name}/video-channels`` items (8.x shortened their ``ownerAccount``)."""
    if not state.profile.channel_owner_summary:
        return channel_full(state, channel)
    body = channel_full(state, channel, with_owner=False)
    body["ownerAccount"] = account_brief(state, state.users[channel.user_id])
    return body


def channel_full(state: State, channel: Channel, *, with_owner: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "url": f"{base_url(state)}/video-channels/{channel.name}",
        "name": channel.name,
        "host": state.host,
        "avatars": [],
        "id": channel.id,
        "hostRedundancyAllowed": False,
        "followingCount": 0,
        "followersCount": 0,
        "createdAt": iso(channel.created_at),
        "banners": [],
        "displayName": channel.display_name,
        "description": channel.description,
        "support": channel.support,
        "isLocal": True,
        "updatedAt": iso(channel.updated_at),
    }
    if with_owner:
        body["ownerAccount"] = account_full(state, state.users[channel.user_id])
    return body
