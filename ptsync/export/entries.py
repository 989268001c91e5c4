"""Manifest entries for what exists: a video, a playlist, as ``ptsync export`` writes them.

Every video entry pins the video's uuid and writes only fields that differ from PeerTube's
defaults (a field left out is unmanaged, so nothing is compared that the user did not ask
for). External ids: the id from the video's marker when it already carries one for this
system, else its shortUUID — stable (it never changes for a video), unique, and short enough
to type. Labels are written instead of ids where the instance's label is unambiguous.

Chapters (one ``GET /videos/{id}/chapters`` per video) and a pending publication schedule
(``scheduledUpdate``: ``publishAt``, ``publishPrivacy``) are written as found. Passwords of a
password-protected video are not: they are secrets, and a manifest is reviewed in the open.
Its entry gets a commented ``passwords: {env: ...}`` placeholder instead; left commented, the
video keeps the passwords it has (ptsync resends them on every update, as PeerTube requires).

A playlist this system owns (its marker) is written with its videos by their exported ids;
every plan lists the account's playlists and names owned ones a manifest lacks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from ptsync.chapters import format_timecode
from ptsync.fields import COMMENTS_POLICIES, PASSWORD_PROTECTED
from ptsync.plan.resources import LivePlaylist
from ptsync.state import LiveVideo, Vocabularies


def _label(value: Any, choices: Mapping[Any, str]) -> Any:
    label = choices.get(value)
    if label is None:
        return value
    same = [k for k, v in choices.items() if v.casefold() == label.casefold()]
    return label if len(same) == 1 else value


def entry_for(
    video: LiveVideo, vocab: Vocabularies, system: str, with_channel: bool
) -> dict[str, Any]:
    fields = video.fields
    ext_id = exported_id(video, system)
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


def exported_id(video: LiveVideo, system: str) -> str:
    """The id from the video's marker for this system, else its shortUUID."""
    marker = video.marker
    return marker.external_id if marker and marker.system == system else video.short_uuid


def _with_metadata(
    entry: dict[str, Any], video: LiveVideo, vocab: Vocabularies, ext_id: str
) -> CommentedMap:
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


def other_owner(video: LiveVideo, system: str) -> str | None:
    """``system/id`` of another system whose marker the video carries, else None."""
    marker = video.marker
    if marker is None or marker.system == system:
        return None
    return f"{marker.system}/{marker.external_id}"


def playlist_entry(
    playlist: LivePlaylist, ids: Mapping[str, str], vocab: Vocabularies
) -> CommentedMap:
    """An owned playlist as a manifest entry; ``ids``: exported video uuid → external id.
    A video not in the export (another system's, or another channel's) cannot be named:
    the entry says how many were left out (a plan of it would take them out)."""
    assert playlist.marker is not None
    entry: dict[str, Any] = {
        "id": playlist.marker.external_id,
        "displayName": playlist.display_name,
    }
    if playlist.description:
        text = playlist.description
        entry["description"] = LiteralScalarString(text + "\n") if "\n" in text else text
    entry["privacy"] = _label(playlist.privacy, vocab.playlist_privacies)
    if playlist.channel:
        entry["channel"] = playlist.channel
    entry["videos"] = [ids[uuid] for uuid in playlist.videos if uuid in ids]
    out = CommentedMap(entry)
    left_out = sum(1 for uuid in playlist.videos if uuid not in ids)
    if left_out:
        out.yaml_add_eol_comment(
            f"{left_out} more not in this export (another system's or channel's): "
            "a plan of this file takes them out of the playlist",
            "videos",
        )
    return out
