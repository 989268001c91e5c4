"""Accounts and channels: listing, reading, creating and updating channels.

Channel and account names share PeerTube's actor namespace, so creating a channel named like
any existing account or channel (or one that ever existed) is a 409. Handles may carry the
instance host (``name@host``), as clients copy them from URLs.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Response

from ptsync.testing import actor_views, limits
from ptsync.testing import validation as v
from ptsync.testing.listing import page
from ptsync.testing.memory import State
from ptsync.testing.problems import (
    Problem,
    bad_request,
    conflict,
    json_response,
    no_content,
    not_found,
)
from ptsync.testing.records import Channel, User
from ptsync.testing.routing import Ctx, Routes

MAX_CHANNELS = 20
_NAME = re.compile(r"^[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?$")

routes = Routes()


def is_channel_name(value: Any) -> bool:
    return isinstance(value, str) and bool(_NAME.match(value)) and 1 <= len(value) <= 50


def create_channel(
    state: State,
    user: User,
    name: str,
    display_name: str | None = None,
    description: str | None = None,
    support: str | None = None,
) -> Channel:
    now = state.clock.now()
    channel = Channel(
        id=state.next_id("channel"),
        name=name,
        display_name=display_name or name,
        description=description,
        support=support,
        user_id=user.id,
        created_at=now,
        updated_at=now,
    )
    state.channels[channel.id] = channel
    state.channel_names[name] = channel.id
    state.actor_names.add(name)
    user.channel_ids.append(channel.id)
    return channel


def account_or_404(state: State, name: str) -> User:
    user = state.user_by_name(name.partition("@")[0])
    if user is None:
        raise not_found("Account not found")
    return user


def channel_or_404(state: State, handle: str) -> Channel:
    channel = state.channel_by_name(handle)
    if channel is None:
        raise not_found("Video channel not found")
    return channel


@routes("/api/v1/accounts/<name>", "GET")
def get_account(ctx: Ctx, name: str) -> Response:
    return json_response(actor_views.account_full(ctx.state, account_or_404(ctx.state, name)))


@routes("/api/v1/accounts/<name>/video-channels", "GET", auth="optional")
def account_channels(ctx: Ctx, name: str) -> Response:
    state = ctx.state
    user = account_or_404(state, name)
    start, count = v.pagination(ctx.query, ctx.instance)
    sort = v.sort(ctx.query, ("createdAt", "name", "updatedAt"), "-createdAt", ctx.instance)
    channels = [state.channels[i] for i in user.channel_ids]
    field = {"createdAt": "created_at", "updatedAt": "updated_at", "name": "name"}[sort.lstrip("-")]
    channels.sort(key=lambda c: (getattr(c, field), c.id), reverse=sort.startswith("-"))
    data = [actor_views.channel_listed(state, c) for c in page(channels, start, count)]
    return json_response({"total": len(channels), "data": data})


@routes("/api/v1/video-channels/<handle>", "GET")
def get_channel(ctx: Ctx, handle: str) -> Response:
    return json_response(actor_views.channel_full(ctx.state, channel_or_404(ctx.state, handle)))


def _check_texts(checker: v.Checker, *, display_required: bool) -> None:
    checker.check(
        "displayName", limits.text_between(1, 50, nullable=False), optional=not display_required
    )
    checker.check("description", limits.text_between(3, 1000))
    checker.check("support", limits.text_between(3, 1000))


@routes("/api/v1/video-channels", "POST", auth="required")
def post_channel(ctx: Ctx) -> Response:
    state, user = ctx.state, ctx.me
    checker = v.Checker(ctx.fields)
    checker.check("name", is_channel_name, optional=False)
    _check_texts(checker, display_required=True)
    checker.raise_errors(ctx.instance)
    values = checker.values
    if values["name"] in state.actor_names:
        raise conflict(
            "Another actor (account/channel) with this name on this instance already exists "
            "or has already existed."
        )
    if len(user.channel_ids) >= MAX_CHANNELS:
        raise bad_request(f"You cannot create more than {MAX_CHANNELS} channels")
    channel = create_channel(
        state,
        user,
        values["name"],
        values["displayName"],
        values.get("description"),
        values.get("support"),
    )
    return json_response({"videoChannel": {"id": channel.id}})


@routes("/api/v1/video-channels/<handle>", "PUT", auth="required")
def put_channel(ctx: Ctx, handle: str) -> Response:
    state, user = ctx.state, ctx.me
    channel = channel_or_404(state, handle)
    owner = state.users[channel.user_id]
    if owner.id != user.id and not user.is_staff:
        raise Problem(
            403,
            f"User {user.username} does not have right to manage channel of account "
            f"{owner.username}.",
        )
    checker = v.Checker(ctx.fields)
    _check_texts(checker, display_required=False)
    checker.check(
        "bulkVideosSupportUpdate",
        limits.is_bool,
        sanitize=limits.to_bool_or_null,
        msg="Should have a valid bulkVideosSupportUpdate boolean field",
    )
    checker.raise_errors(ctx.instance)
    values = checker.values
    now = state.clock.now()
    if "displayName" in values:
        channel.display_name = values["displayName"]
    if "description" in values:
        channel.description = values["description"]
    if "support" in values:
        channel.support = values["support"]
        if values.get("bulkVideosSupportUpdate"):
            for video_id in state.channel_videos.get(channel.id, {}):
                video = state.videos[video_id]
                video.support, video.updated_at = channel.support, now
    channel.updated_at = now
    return no_content()
