"""``ptsync export``: a manifest for videos that already exist, so a first sync changes nothing.

Every entry pins the video's uuid and writes only fields that differ from PeerTube's defaults
(a field left out is unmanaged, so nothing is compared that the user did not ask for).
External ids: the id from the video's marker when it already carries one for this system,
else its shortUUID — stable (it never changes for a video), unique, and short enough to type.
A video carrying another system's marker belongs to that system's manifest: exporting it would
make the two manifests take it from each other on every run, so it is only listed, commented
out, with its owner.
Labels are written instead of ids where the instance's label is unambiguous, for readability.

Chapters (one ``GET /videos/{id}/chapters`` per video) and a pending publication schedule
(``scheduledUpdate``: ``publishAt``, ``publishPrivacy``) are written as found. Passwords of a
password-protected video are not: they are secrets, and a manifest is reviewed in the open.
Its entry gets a commented ``passwords: {env: ...}`` placeholder instead; left commented, the
video keeps the passwords it has (ptsync resends them on every update, as PeerTube requires).
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from ptsync.chapters import format_timecode
from ptsync.fields import COMMENTS_POLICIES, PASSWORD_PROTECTED
from ptsync.peertube import PeerTubeClient
from ptsync.state import LiveVideo, Vocabularies

SCHEMA_COMMENT = (  # a path relative to the manifest, as editors resolve it
    "# yaml-language-server: $schema=ptsync.schema.json\n"
    "# (editor completion: write that file next to this one with `ptsync schema -o FILE`)\n"
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
    return _with_metadata(entry, video, vocab, ext_id)


def _with_metadata(entry: dict, video: LiveVideo, vocab: Vocabularies, ext_id: str) -> dict:
    """Schedule and chapters as found; passwords only as a commented placeholder."""
    schedule = video.schedule
    if schedule is not None and schedule.privacy:
        entry["publishAt"] = schedule.update_at
        if schedule.privacy != 1:
            entry["publishPrivacy"] = _label(schedule.privacy, vocab.privacies)
    if video.chapters:
        entry["chapters"] = [
            {"at": DoubleQuotedScalarString(format_timecode(c.timecode)), "title": c.title}
            for c in video.chapters
        ]
    out = CommentedMap(entry)
    if video.fields.get("privacy") == PASSWORD_PROTECTED:
        placeholder = (
            f"passwords: {{env: {password_variable(ext_id)}}}  # uncomment, and set that "
            "variable (one password per line), to manage this video's passwords"
        )
        keys = list(out)
        after = keys.index("privacy") + 1
        if after < len(keys):
            out.yaml_set_comment_before_after_key(keys[after], before=placeholder, indent=4)
        else:  # ruamel writes no comment after a mapping's last key: at the end of its line
            out.yaml_add_eol_comment(placeholder, "privacy")
    return out


def password_variable(external_id: str) -> str:
    """``PTSYNC_PASSWORDS_<ID>``: a variable name for one video's passwords."""
    return "PTSYNC_PASSWORDS_" + re.sub(r"[^A-Za-z0-9]", "_", external_id).upper()


def fetch_videos(
    client: PeerTubeClient,
    channel: str | None,
    parallelism: int,
    on_progress: Progress | None = None,
) -> list[LiveVideo]:
    listed = [v for v in client.iter_my_videos() if channel is None or v.channel == channel]
    done: list[LiveVideo] = []
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        for video in pool.map(lambda v: _with_chapters(client, client.get_video(v.uuid)), listed):
            done.append(video)
            if on_progress:
                on_progress(len(done), len(listed))
    return done


def _with_chapters(client: PeerTubeClient, video: LiveVideo) -> LiveVideo:
    if video.is_live:
        return video
    return dataclasses.replace(video, chapters=client.video_chapters(video.uuid))


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


def export_manifest(
    options: Any,
    *,
    channel: str | None,
    system: str,
    connect: Any = None,
    on_progress: Progress | None = None,
) -> tuple[str, int]:
    """The exported manifest's text and how many videos it pins, for ``PEERTUBE_URL``."""
    videos, vocab, base_url = fetch_with_vocabularies(options, channel, connect, on_progress)
    text = render_manifest(videos, vocab, system=system, channel=channel, instance_url=base_url)
    exported = sum(1 for v in videos if not _owner(v, system))
    return text, exported


def fetch_with_vocabularies(
    options: Any, channel: str | None, connect: Any = None, on_progress: Progress | None = None
) -> tuple[list[LiveVideo], Vocabularies, str]:
    """The videos to export (details and chapters), the vocabularies, the instance's URL.

    Binds the instance like a Run (``ptsync.session.connect_env``), so its vocabulary cache is
    the one plan uses for the same user, and a token user never shares another's."""
    from ptsync.errors import ConfigError
    from ptsync.live.cache import VocabularyCache
    from ptsync.live.vocab import load_vocabularies
    from ptsync.session import connect_env

    client, identity = connect_env(options, connect)
    with client:
        cache = VocabularyCache(client.base_url, identity, enabled=options.use_cache)
        vocab, _ = load_vocabularies(client, cache)
        if channel is not None and channel not in vocab.channels:
            vocab, _ = load_vocabularies(client, cache, refresh=True)
            if channel not in vocab.channels:
                yours = ", ".join(sorted(vocab.channels))
                raise ConfigError(f"--channel {channel!r} is not one of yours ({yours})")
        videos = fetch_videos(client, channel, options.parallelism, on_progress)
    return videos, vocab, client.base_url
