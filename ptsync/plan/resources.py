"""Playlists and channels as resources: desired + live → changes, as pure functions.

Playlists are owned like videos, by a marker at the start of their description; only owned
playlists are ever changed or (with ``--prune``) deleted; without it, owned playlists missing
from the manifest are named in a notice, as videos are. A playlist's videos are compared as
an ordered list of video uuids; the plan lists the element operations and apply recomputes
them against the playlist as it is at that moment, so a repeated apply does nothing twice.
Reordering uses the fewest moves: every element on a longest increasing subsequence of the
current order stays, each other element moves once.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ptsync.fields import norm_text
from ptsync.marker import Marker
from ptsync.plan.changes import (
    ChannelChange,
    CreateChannel,
    CreatePlaylist,
    DeletePlaylist,
    FieldChange,
    Notice,
    PlaylistChange,
    UpdateChannel,
    UpdatePlaylist,
)
from ptsync.plan.deletes import not_in_manifest_notice
from ptsync.state import DesiredChannel, DesiredPlaylist


@dataclass(frozen=True)
class LivePlaylist:
    id: int
    uuid: str
    display_name: str
    description: str | None  # without the marker
    marker: Marker | None
    privacy: int
    channel: str | None
    videos: tuple[str, ...] = ()  # video uuids in order (filled only when compared)


@dataclass(frozen=True)
class LiveChannel:
    id: int
    name: str
    fields: Mapping[str, Any]  # displayName, description, support


def plan_channels(
    desired: Sequence[DesiredChannel], live: Mapping[str, LiveChannel]
) -> list[ChannelChange]:
    out: list[ChannelChange] = []
    for channel in desired:
        have = live.get(channel.name)
        if have is None:
            out.append(CreateChannel(channel.name, dict(channel.fields)))
            continue
        diffs = tuple(
            FieldChange(k, have.fields.get(k), v)
            for k, v in channel.fields.items()
            if norm_text(v) != norm_text(have.fields.get(k))
        )
        if diffs:
            out.append(UpdateChannel(channel.name, diffs))
    return out


def plan_playlists(
    system: str,
    desired: Sequence[DesiredPlaylist],
    live: Iterable[LivePlaylist],
    video_uuids: Mapping[str, str | None],
    *,
    prune: bool = False,
) -> list[PlaylistChange]:
    owned = {p.marker.external_id: p for p in live if p.marker and p.marker.system == system}
    out: list[PlaylistChange] = []
    for playlist in desired:
        have = owned.pop(playlist.external_id, None)
        target = tuple(video_uuids.get(ext_id) for ext_id in playlist.videos)
        change = _playlist_change(system, playlist, have, target)
        if change is not None:
            out.append(change)
    if prune:
        out.extend(DeletePlaylist(ext_id, have.uuid) for ext_id, have in sorted(owned.items()))
    return out


def playlist_notices(
    system: str, desired: Sequence[DesiredPlaylist], live: Iterable[LivePlaylist], *, prune: bool
) -> list[Notice]:
    """Like owned videos: without --prune, owned playlists the manifest does not list are
    named in a notice that needs a person (``plan --detailed-exitcode`` exits 2)."""
    if prune:
        return []
    listed = {p.external_id for p in desired}
    missing = [
        p.marker.external_id
        for p in live
        if p.marker and p.marker.system == system and p.marker.external_id not in listed
    ]
    return not_in_manifest_notice(system, missing, "playlist")


def _playlist_change(
    system: str,
    playlist: DesiredPlaylist,
    have: LivePlaylist | None,
    target: tuple[str | None, ...],
) -> CreatePlaylist | UpdatePlaylist | None:
    wanted_thumb = playlist.thumbnail.digest if playlist.thumbnail else None
    annotations = {"thumb": wanted_thumb} if wanted_thumb else {}
    marker = Marker(system, playlist.external_id, annotations)
    fields = dict(playlist.fields)
    if have is None:
        return CreatePlaylist(
            external_id=playlist.external_id,
            fields=fields,
            marker=marker,
            videos=playlist.videos,
            uuids=target,
            thumbnail=playlist.thumbnail,
        )
    live_fields = {
        "displayName": have.display_name,
        "description": have.description,
        "privacy": have.privacy,
        "channel": have.channel,
    }
    changes = [
        FieldChange(k, live_fields.get(k), v)
        for k, v in playlist.fields.items()
        if (norm_text(v) if isinstance(v, str) else v) != live_fields.get(k)
    ]
    had_thumb = have.marker.annotations.get("thumb") if have.marker else None
    if wanted_thumb and had_thumb != wanted_thumb:
        changes.append(FieldChange("thumbnail", had_thumb, wanted_thumb))
    ops = element_ops(list(have.videos), list(target), list(playlist.videos))
    if not changes and not ops:
        return None
    return UpdatePlaylist(
        external_id=playlist.external_id,
        uuid=have.uuid,
        fields=fields,
        marker=marker,
        changes=tuple(changes),
        ops=tuple(ops),
        videos=playlist.videos,
        uuids=target,
        thumbnail=playlist.thumbnail,
    )


def element_ops(current: list[str], target: list[str | None], names: list[str]) -> list[str]:
    """Human-readable operations turning ``current`` into ``target`` (None: created later)."""
    label = {uuid: name for uuid, name in zip(target, names, strict=True) if uuid}
    wanted = [u for u in target if u]
    ops = [f"remove {uuid}" for uuid in current if uuid not in set(wanted)]
    ops += [f"add {name}" for uuid, name in zip(target, names, strict=True) if uuid not in current]
    kept = [u for u in current if u in set(wanted)] + [u for u in wanted if u not in current]
    ops += [f"move {label.get(u, u)}" for u in moves_needed(kept, wanted)]
    return ops


def moves_needed(current: Sequence[str], target: Sequence[str]) -> list[str]:
    """Items to move (each once) so ``current`` becomes ``target`` (same items): those not on
    a longest increasing subsequence of their target positions."""
    rank = {item: i for i, item in enumerate(target)}
    seq = [rank[item] for item in current]
    stay = _lis(seq)
    return [item for item, r in zip(current, seq, strict=True) if r not in stay]


def _lis(seq: Sequence[int]) -> set[int]:
    tails: list[int] = []
    tails_at: list[int] = []
    parent: list[int] = [-1] * len(seq)
    for i, value in enumerate(seq):
        j = bisect_left(tails, value)
        if j == len(tails):
            tails.append(value)
            tails_at.append(i)
        else:
            tails[j] = value
            tails_at[j] = i
        parent[i] = tails_at[j - 1] if j else -1
    out: set[int] = set()
    k = tails_at[-1] if tails_at else -1
    while k != -1:
        out.add(seq[k])
        k = parent[k]
    return out


def reorder_steps(current: list[str], target: Sequence[str]) -> list[tuple[int, int]]:
    """PeerTube reorder calls (startPosition, insertAfterPosition), 1-based, positions taken
    before each move, that turn ``current`` into ``target`` with the fewest moves."""
    order = list(current)
    steps = []
    movers = set(moves_needed(order, target))
    for k, item in enumerate(target):
        if item not in movers:
            continue
        start = order.index(item) + 1
        after = order.index(target[k - 1]) + 1 if k else 0
        steps.append((start, after))
        order.pop(start - 1)
        anchor = order.index(target[k - 1]) + 1 if k else 0
        order.insert(anchor, item)
    assert order == list(target), "reorder simulation diverged"
    return steps
