"""The exported manifest: videos pinned by uuid, the system's playlists, as reviewed YAML.

A video carrying another system's marker belongs to that system's manifest: exporting it would
make the two manifests take it from each other on every run, so it is only listed, commented
out, with its owner. The entries themselves are ``ptsync.export.entries``'.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML

from ptsync.export.entries import entry_for, exported_id, other_owner, playlist_entry
from ptsync.plan.resources import LivePlaylist
from ptsync.state import LiveVideo, Vocabularies

SCHEMA_COMMENT = (  # a path relative to the manifest, as editors resolve it
    "# yaml-language-server: $schema=ptsync.schema.json\n"
    "# (editor completion: write that file next to this one with `ptsync schema -o FILE`)\n"
)


def render_manifest(
    videos: Sequence[LiveVideo],
    playlists: Sequence[LivePlaylist],
    vocab: Vocabularies,
    *,
    system: str,
    channel: str | None,
    instance_url: str,
) -> str:
    """``playlists``: the system's own (``ptsync.export.owned_playlists``)."""
    foreign = [v for v in videos if other_owner(v, system)]
    exported = [v for v in videos if not other_owner(v, system)]
    doc = manifest_head(instance_url, system, channel)
    doc["videos"] = [entry_for(v, vocab, system, with_channel=channel is None) for v in exported]
    if playlists:
        doc["playlists"] = playlist_entries(playlists, exported, vocab, system)
    head = (
        f"{SCHEMA_COMMENT}# Exported by `ptsync export` from {instance_url}"
        f"{f' (channel {channel})' if channel else ''}: {len(exported)} video(s)"
        f"{f', {len(playlists)} playlist(s)' if playlists else ''}.\n"
        "# Each entry pins the existing video by uuid; only non-default fields are listed.\n"
    )
    return head + dump(doc) + _foreign_block(foreign, system)


def manifest_head(instance_url: str, system: str, channel: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "ptsync/v1",
        "instance": {"url": instance_url},
        "system": system,
    }
    if channel is not None:
        doc["defaults"] = {"channel": channel}
    return doc


def playlist_entries(
    playlists: Sequence[LivePlaylist],
    exported: Sequence[LiveVideo],
    vocab: Vocabularies,
    system: str,
) -> list[Any]:
    """The playlists, their videos named by the ids the export gives them."""
    ids = {v.uuid: exported_id(v, system) for v in exported}
    return [playlist_entry(p, ids, vocab) for p in playlists]


def dump(doc: dict[str, Any]) -> str:
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    return buffer.getvalue()


def _foreign_block(videos: list[LiveVideo], system: str) -> str:
    if not videos:
        return ""
    lines = [
        f"# Not exported: {len(videos)} video(s) owned by another system's manifest (their",
        f"# marker names it). Taking one over needs `takeover: true` on its entry in a {system}",
        "# manifest, and removing it from the other one.",
    ]
    for video in videos:
        name = " ".join(video.name.split())
        lines.append(f"#   - uuid: {video.uuid}  # {name!r}, owned by {other_owner(video, system)}")
    return "\n".join(lines) + "\n"
