"""From validated manifests to the desired state: defaults merged, labels turned into ids.

Labels (``privacy: Public``, ``licence: Attribution - Share Alike``, ``language: Dutch``,
``channel: my_channel``) are matched case-insensitively against the instance's own
vocabularies, because instances can rename or add entries; an unknown label names the valid
choices. Local files get their content hashes here, which also go into the group's digest so a
saved plan is refused when a referenced file changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from ptsync.errors import ManifestError, Problem
from ptsync.fields import COMMENTS_POLICIES, norm_instant
from ptsync.manifest.files import DigestCache, local_path
from ptsync.manifest.load import ManifestFile, ManifestGroup
from ptsync.manifest.models import VideoEntry
from ptsync.manifest.problems import ref_at, suggestion
from ptsync.state import (
    CaptionFile,
    DesiredChannel,
    DesiredPlaylist,
    DesiredState,
    DesiredVideo,
    FileSource,
    LocalFile,
    Rule,
    RuleMatch,
    UrlSource,
    Vocabularies,
)

PathT = tuple[str | int, ...]


class VocabularyMiss(ManifestError):
    """A label or channel the instance does not know (the cached vocabulary may be stale)."""


class _Labels:
    """Resolves one kind of label against ``{id: label}``."""

    def __init__(self, kind: str, choices: Mapping[Any, str]):
        self.kind = kind
        self.by_id = dict(choices)
        self.by_label = {str(v).casefold(): k for k, v in choices.items()}
        self.by_key = {str(k).casefold(): k for k in choices}

    def __call__(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool):
            raise LookupError(self._unknown(value))
        if value in self.by_id:
            return value
        text = str(value).strip().casefold()
        if text in self.by_label:
            return self.by_label[text]
        if text in self.by_key:
            return self.by_key[text]
        raise LookupError(self._unknown(value))

    def _unknown(self, value: Any) -> str:
        labels = [str(v) for v in self.by_id.values()]
        hint = suggestion(str(value), labels)
        shown = ", ".join(f"{k} ({v})" for k, v in list(self.by_id.items())[:30])
        more = f", … {len(labels) - 30} more" if len(labels) > 30 else ""
        return f"unknown {self.kind} {value!r}{hint}; valid: {shown}{more}"


class _Channels:
    def __init__(self, channels: Mapping[str, int], declared: Iterable[str] = ()):
        self.by_name = {**{name: -1 for name in declared}, **channels}
        self.by_id = {v: k for k, v in channels.items()}

    def __call__(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value in self.by_id:
            return self.by_id[value]
        if isinstance(value, str) and value.strip() in self.by_name:
            return value.strip()
        names = sorted(self.by_name)
        hint = suggestion(str(value), names)
        raise LookupError(
            f"channel {value!r} is not one of your channels{hint}; yours: {', '.join(names)}"
        )


_MANIFEST_KEY = {"playlistPrivacy": "privacy"}


class Resolver:
    def __init__(self, vocab: Vocabularies, declared_channels: Iterable[str] = ()):
        self.resolvers: dict[str, Any] = {
            "privacy": _Labels("privacy", vocab.privacies),
            "category": _Labels("category", vocab.categories),
            "licence": _Labels("licence", vocab.licences),
            "language": _Labels("language", vocab.languages),
            "commentsPolicy": _Labels("commentsPolicy", COMMENTS_POLICIES),
            "channel": _Channels(vocab.channels, declared_channels),
            "originallyPublishedAt": norm_instant,
            "playlistPrivacy": _Labels("playlist privacy", vocab.playlist_privacies),
        }
        self.problems: list[Problem] = []

    def fields(self, member: ManifestFile, at: PathT, values: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in values.items():
            key = _MANIFEST_KEY.get(name, name)
            convert = self.resolvers.get(name)
            try:
                out[name] = convert(value) if convert else _plain(name, value)
            except LookupError as exc:
                self.problems.append(Problem(ref_at(member.path, member.doc, (*at, key)), str(exc)))
            except ValueError as exc:
                message = f"{value!r} is not a date (use YYYY-MM-DD or ISO 8601): {exc}"
                self.problems.append(Problem(ref_at(member.path, member.doc, (*at, key)), message))
        return out


def _plain(name: str, value: Any) -> Any:
    if name == "tags" and value is not None:
        return [str(t).strip() for t in value]
    return value


def resolve_group(
    group: ManifestGroup,
    vocab: Vocabularies,
    *,
    instance_url: str,
    digests: DigestCache | None = None,
) -> DesiredState:
    """Raise VocabularyMiss (a ManifestError) listing every unknown label."""
    declared = [c.name for m in group.members for c in m.model.channels]
    resolver = Resolver(vocab, declared)
    digests = digests or DigestCache(enabled=False)
    videos: dict[str, DesiredVideo] = {}
    rules: list[Rule] = []
    file_digests: list[str] = []
    for member in group.members:
        defaults = member.model.defaults.managed() if member.model.defaults else {}
        resolved_defaults = resolver.fields(member, ("defaults",), defaults)
        default_refs = {k: ref_at(member.path, member.doc, ("defaults", k)) for k in defaults}
        for i in range(len(member.model.rules)):
            rules.append(_rule(member, i, resolver))
        for i, entry in enumerate(member.model.videos):
            at: PathT = ("videos", i)
            own = resolver.fields(member, at, entry.managed())
            refs = dict(default_refs)
            refs.update({k: ref_at(member.path, member.doc, (*at, k)) for k in entry.managed()})
            video = _video(member, at, entry, {**resolved_defaults, **own}, refs, digests)
            videos[entry.id] = video
            file_digests.extend(_digests_of(video))
    playlists = tuple(
        _playlist(member, i, resolver, digests)
        for member in group.members
        for i in range(len(member.model.playlists))
    )
    channels = tuple(
        DesiredChannel(
            name=channel.name,
            ref=ref_at(member.path, member.doc, ("channels", i)),
            fields={
                k: getattr(channel, k)
                for k in ("displayName", "description", "support")
                if k in channel.model_fields_set
            },
        )
        for member in group.members
        for i, channel in enumerate(member.model.channels)
    )
    file_digests.extend(p.thumbnail.digest for p in playlists if p.thumbnail)
    digests.save()
    if resolver.problems:
        raise VocabularyMiss(resolver.problems)
    first = group.members[0].model
    context: dict[str, Any] = {}
    for member in group.members:
        context.update(member.model.context)
    whole = hashlib.sha256((group.digest + "".join(file_digests)).encode()).hexdigest()[:16]
    return DesiredState(
        instance_url=instance_url,
        system=group.system,
        videos=videos,
        rules=tuple(rules),
        files=tuple(group.files),
        digest=whole,
        notify_url=next((m.model.notify for m in group.members if m.model.notify), first.notify),
        context=context,
        playlists=playlists,
        channels=channels,
    )


def _playlist(
    member: ManifestFile, index: int, resolver: Resolver, digests: DigestCache
) -> DesiredPlaylist:
    model = member.model.playlists[index]
    at: PathT = ("playlists", index)
    wanted = {k: getattr(model, k) for k in ("displayName", "description", "channel")}
    wanted = {k: v for k, v in wanted.items() if k in model.model_fields_set}
    resolved = resolver.fields(member, at, wanted)
    if model.privacy is not None:
        privacy = resolver.fields(member, at, {"playlistPrivacy": model.privacy})
        if "playlistPrivacy" in privacy:
            resolved["privacy"] = privacy["playlistPrivacy"]
    thumbnail = None
    if model.thumbnail:
        path = local_path(member.base_dir, model.thumbnail)
        thumbnail = LocalFile(path, digests.digest(path))
    return DesiredPlaylist(
        external_id=model.id,
        ref=ref_at(member.path, member.doc, at),
        fields=resolved,
        videos=tuple(model.videos),
        thumbnail=thumbnail,
    )


def _rule(member: ManifestFile, index: int, resolver: Resolver) -> Rule:
    model = member.model.rules[index]
    at: PathT = ("rules", index)
    match = model.match
    channel = None
    if match.channel is not None:
        resolved = resolver.fields(member, (*at, "match"), {"channel": match.channel})
        channel = resolved.get("channel")
    fields = resolver.fields(member, (*at, "set"), model.set.managed())
    return Rule(
        match=RuleMatch(bool(match.all), channel, match.tag, match.name),
        fields=fields,
        ref=ref_at(member.path, member.doc, at),
    )


def _video(
    member: ManifestFile,
    at: PathT,
    entry: VideoEntry,
    fields: dict[str, Any],
    refs: dict[str, Any],
    digests: DigestCache,
) -> DesiredVideo:
    base = member.base_dir
    source: UrlSource | FileSource | None = None
    if entry.source and entry.source.url:
        source = UrlSource(entry.source.url)
    elif entry.source and entry.source.file:
        path = local_path(base, entry.source.file)
        source = FileSource(path, path.stat().st_size, digests.digest(path))
    thumbnail = None
    if entry.thumbnail:
        path = local_path(base, entry.thumbnail)
        thumbnail = LocalFile(path, digests.digest(path))
    captions = None
    if entry.captions is not None:
        captions = tuple(
            CaptionFile(c.language, p, digests.digest(p))
            for c in entry.captions
            for p in [local_path(base, c.file)]
        )
    return DesiredVideo(
        external_id=entry.id,
        ref=ref_at(member.path, member.doc, at),
        fields=fields,
        field_refs=refs,
        source=source,
        uuid=entry.uuid,
        allow_duplicate=entry.allow_duplicate,
        thumbnail=thumbnail,
        captions=captions,
    )


def _digests_of(video: DesiredVideo) -> list[str]:
    out = []
    if isinstance(video.source, FileSource):
        out.append(video.source.digest)
    if video.thumbnail:
        out.append(video.thumbnail.digest)
    out.extend(c.digest for c in video.captions or ())
    return out
