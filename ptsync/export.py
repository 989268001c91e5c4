"""``ptsync export``: a manifest for videos that already exist, so a first sync changes nothing.

Every entry pins the video's uuid and writes only fields that differ from PeerTube's defaults
(a field left out is unmanaged, so nothing is compared that the user did not ask for).
External ids: the id from the video's marker when it already carries one for this system,
else its shortUUID — stable (it never changes for a video), unique, and short enough to type.
A video carrying another system's marker belongs to that system's manifest: exporting it would
make the two manifests take it from each other on every run, so it is only listed, commented
out, with its owner.
Labels are written instead of ids where the instance's label is unambiguous, for readability.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from ptsync.fields import COMMENTS_POLICIES
from ptsync.peertube import PeerTubeClient
from ptsync.state import LiveVideo, Vocabularies

SCHEMA_COMMENT = (
    "# yaml-language-server: $schema=https://ptsync.example.org/schema/ptsync.schema.json\n"
)
Progress = Callable[[int, int], None]


def _label(value: Any, choices: Mapping[Any, str]) -> Any:
    label = choices.get(value)
    if label is None:
        return value
    same = [k for k, v in choices.items() if v.casefold() == label.casefold()]
    return label if len(same) == 1 else value


def entry_for(video: LiveVideo, vocab: Vocabularies, system: str, with_channel: bool) -> dict:
    fields = video.fields
    marker = video.marker
    ext_id = marker.external_id if marker and marker.system == system else video.short_uuid
    entry: dict[str, Any] = {"id": ext_id, "uuid": video.uuid, "name": fields["name"]}
    if with_channel:
        entry["channel"] = fields["channel"]
    entry["privacy"] = _label(fields["privacy"], vocab.privacies)
    optional = {
        "category": _label(fields.get("category"), vocab.categories),
        "licence": _label(fields.get("licence"), vocab.licences),
        "language": fields.get("language"),
        "originallyPublishedAt": fields.get("originallyPublishedAt"),
        "support": fields.get("support"),
    }
    entry.update({k: v for k, v in optional.items() if v is not None})
    if fields.get("nsfw"):
        entry["nsfw"] = True
    if fields.get("tags"):
        entry["tags"] = list(fields["tags"])
    if fields.get("commentsPolicy") not in (None, 1):
        entry["commentsPolicy"] = _label(fields["commentsPolicy"], COMMENTS_POLICIES)
    if fields.get("downloadEnabled") is False:
        entry["downloadEnabled"] = False
    description = fields.get("description")
    if description:
        entry["description"] = (
            LiteralScalarString(description + "\n") if "\n" in description else description
        )
    return entry


def fetch_videos(
    client: PeerTubeClient,
    channel: str | None,
    parallelism: int,
    on_progress: Progress | None = None,
) -> list[LiveVideo]:
    listed = [v for v in client.iter_my_videos() if channel is None or v.channel == channel]
    done: list[LiveVideo] = []
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        for video in pool.map(lambda v: client.get_video(v.uuid), listed):
            done.append(video)
            if on_progress:
                on_progress(len(done), len(listed))
    return done


def render_manifest(
    videos: Iterable[LiveVideo],
    vocab: Vocabularies,
    *,
    system: str,
    channel: str | None,
    instance_url: str,
) -> str:
    videos = list(videos)
    foreign = [v for v in videos if _owner(v, system)]
    entries = [
        entry_for(v, vocab, system, with_channel=channel is None)
        for v in videos
        if not _owner(v, system)
    ]
    doc: dict[str, Any] = {
        "apiVersion": "ptsync/v1",
        "instance": {"url": instance_url},
        "system": system,
    }
    if channel is not None:
        doc["defaults"] = {"channel": channel}
    doc["videos"] = entries
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    head = (
        f"{SCHEMA_COMMENT}# Exported by `ptsync export` from {instance_url}"
        f"{f' (channel {channel})' if channel else ''}: {len(entries)} video(s).\n"
        "# Each entry pins the existing video by uuid; only non-default fields are listed.\n"
    )
    return head + buffer.getvalue() + _foreign_block(foreign, system)


def _owner(video: LiveVideo, system: str) -> str | None:
    """``system/id`` of another system whose marker the video carries, else None."""
    marker = video.marker
    if marker is None or marker.system == system:
        return None
    return f"{marker.system}/{marker.external_id}"


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
        lines.append(f"#   - uuid: {video.uuid}  # {name!r}, owned by {_owner(video, system)}")
    return "\n".join(lines) + "\n"
