"""From validated manifests to the desired state: defaults merged, labels turned into ids.

Labels (``privacy: Public``, ``licence: Attribution - Share Alike``, ``language: Dutch``,
``channel: my_channel``) are matched case-insensitively against the instance's own
vocabularies, because instances can rename or add entries; an unknown label names the valid
choices; caption languages are checked against the same languages as ``language``, so
``captions: [{language: zz}]`` fails the plan, not the apply after the video was created.
Local files get their content hashes here, which also go into the group's digest so a saved
plan is refused when a referenced file changed; the desired state carries each file's
*resolved* path (checked against the allowed folders again here), which is what apply reads.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptsync import source_credentials
from ptsync.errors import Problem, VocabularyMiss
from ptsync.fields import COMMENTS_POLICIES, DESCRIPTION_MAX, PASSWORD_PROTECTED, norm_instant
from ptsync.manifest.checks import since_date
from ptsync.manifest.files import DigestCache, PathProblem, local_path
from ptsync.manifest.labels import Channels, Labels
from ptsync.manifest.load import ManifestGroup
from ptsync.manifest.member import ManifestFile
from ptsync.manifest.models import VIDEO_DESCRIPTION_MAX, VideoEntry
from ptsync.manifest.problems import not_a_date, ref_at
from ptsync.manifest.resolve_metadata import (
    chapters_of,
    passwords_of,
    schedule_of,
    settle_privacy,
)
from ptsync.marker import HASH_LEN, PUB_LEN, Marker
from ptsync.state import (
    CaptionFile,
    CredentialsRef,
    DesiredChannel,
    DesiredMirror,
    DesiredPlaylist,
    DesiredState,
    DesiredVideo,
    FileSource,
    Lifecycle,
    LocalFile,
    Rule,
    RuleMatch,
    UrlSource,
    Vocabularies,
)

PathT = tuple[str | int, ...]


_MANIFEST_KEY = {"playlistPrivacy": "privacy"}


class Resolver:
    def __init__(
        self,
        vocab: Vocabularies,
        declared_channels: Iterable[str] = (),
        env: Mapping[str, str] | None = None,
    ):
        self.env: Mapping[str, str] = os.environ if env is None else env  # video passwords
        self.resolvers: dict[str, Any] = {
            "privacy": Labels("privacy", vocab.privacies),
            "category": Labels("category", vocab.categories),
            "licence": Labels("licence", vocab.licences),
            "language": Labels("language", vocab.languages),
            "captionLanguage": Labels("caption language", vocab.languages),
            "commentsPolicy": Labels("commentsPolicy", COMMENTS_POLICIES),
            "channel": Channels(vocab.channels, declared_channels),
            "originallyPublishedAt": norm_instant,
            "playlistPrivacy": Labels("playlist privacy", vocab.playlist_privacies),
        }
        self.problems: list[Problem] = []

    def problem(self, member: ManifestFile, at: PathT, message: str) -> None:
        self.problems.append(Problem(ref_at(member.path, member.doc, at), message))

    def file(
        self, member: ManifestFile, at: PathT, given: str, digests: DigestCache
    ) -> tuple[Path, str] | None:
        """The resolved path and its hash; checked again (files may change after loading)."""
        try:
            path = local_path(member.base_dir, given, None, member.allowed)
            return path, digests.digest(path)
        except PathProblem as exc:
            self.problem(member, at, str(exc))
        except OSError as exc:
            self.problem(member, at, f"{given!r}: cannot read ({exc.strerror or exc})")
        return None

    def language(self, member: ManifestFile, at: PathT, value: str) -> str | None:
        try:
            return str(self.resolvers["captionLanguage"](value))
        except LookupError as exc:
            self.problem(member, at, str(exc))
            return None

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
                message = not_a_date(value, exc)
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
    env: Mapping[str, str] | None = None,
) -> DesiredState:
    """Raise VocabularyMiss (a ManifestError) listing every unknown label; ``env`` holds the
    variables that ``passwords: {env: NAME}`` name (default: the process environment)."""
    declared = [c.name for m in group.members for c in m.model.channels]
    resolver = Resolver(vocab, declared, env)
    digests = digests or DigestCache(enabled=False)
    channels = tuple(
        _channel(member, i, channel, resolver)
        for member in group.members
        for i, channel in enumerate(member.model.channels)
    )
    parts = _Parts(channels={c.name: c for c in channels})
    for member in group.members:
        _resolve_member(member, resolver, digests, parts)
    parts.file_digests.extend(p.thumbnail.digest for p in parts.playlists if p.thumbnail)
    digests.save()
    if resolver.problems:
        raise VocabularyMiss(resolver.problems)
    first = group.members[0].model
    context: dict[str, Any] = {}
    for member in group.members:
        context.update(member.model.context)
    whole = hashlib.sha256((group.digest + "".join(parts.file_digests)).encode()).hexdigest()
    return DesiredState(
        instance_url=instance_url,
        system=group.system,
        videos=parts.videos,
        rules=tuple(parts.rules),
        files=tuple(group.files),
        digest=whole[:16],
        notify_url=next((m.model.notify for m in group.members if m.model.notify), first.notify),
        safety=_safety(group),
        context=context,
        playlists=tuple(parts.playlists),
        channels=channels,
        mirrors=tuple(parts.mirrors),
    )


def _safety(group: ManifestGroup) -> dict[str, float]:
    """The group's ``safety:`` settings; a later file's value wins, as for ``context``."""
    found: dict[str, float] = {}
    for member in group.members:
        if member.model.safety is not None:
            found.update(member.model.safety.model_dump(exclude_none=True))
    return found


@dataclass
class _Parts:
    """What the files of one group resolve to, gathered file by file."""

    videos: dict[str, DesiredVideo] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    playlists: list[DesiredPlaylist] = field(default_factory=list)
    file_digests: list[str] = field(default_factory=list)
    channels: Mapping[str, DesiredChannel] = field(default_factory=dict)  # declared, by name
    mirrors: list[DesiredMirror] = field(default_factory=list)


def _resolve_member(
    member: ManifestFile, resolver: Resolver, digests: DigestCache, parts: _Parts
) -> None:
    """One file: its defaults apply to its own videos, mirrors and playlists only; a
    channel's defaults to every video of that channel, over the file's."""
    defaults = member.model.defaults.managed() if member.model.defaults else {}
    resolved_defaults = resolver.fields(member, ("defaults",), defaults)
    default_channel = {
        k: v for k, v in resolved_defaults.items() if k == "channel" and v is not None
    }
    default_refs = {k: ref_at(member.path, member.doc, ("defaults", k)) for k in defaults}
    parts.rules.extend(_rule(member, i, resolver) for i in range(len(member.model.rules)))
    for i, entry in member.items("videos"):  # indices in the file (curation entries left out)
        at: PathT = ("videos", i)
        own = resolver.fields(member, at, entry.managed())
        refs = dict(default_refs)
        refs.update({k: ref_at(member.path, member.doc, (*at, k)) for k in entry.managed()})
        fields = {**resolved_defaults, **own}
        fields, refs = _with_channel_defaults(fields, refs, set(own), parts.channels)
        video = _video(member, at, entry, fields, refs, resolver, digests)
        parts.videos[entry.id] = video
        parts.file_digests.extend(_digests_of(video))
    for i in range(len(member.model.playlists)):
        parts.playlists.append(_playlist(member, i, resolver, digests, default_channel))
    for i, channel in member.items("channels"):
        for j, mirror in enumerate(channel.mirrors or ()):
            at = ("channels", i, "mirrors", j)
            template = {**resolved_defaults, "channel": channel.name}
            template_refs = {**default_refs, "channel": ref_at(member.path, member.doc, at)}
            fields, refs = _with_channel_defaults(template, template_refs, set(), parts.channels)
            parts.mirrors.append(
                DesiredMirror(
                    channel=channel.name,
                    url=mirror.url,
                    ref=ref_at(member.path, member.doc, (*at, "url")),
                    since=since_date(mirror.since) if mirror.since is not None else None,
                    limit=mirror.limit,
                    server=mirror.sync == "server",
                    fields=fields,
                    field_refs=refs,
                )
            )


def _with_channel_defaults(
    fields: dict[str, Any],
    refs: dict[str, Any],
    own: set[str],
    channels: Mapping[str, DesiredChannel],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The channel's ``defaults`` over the file's, under the entry's own fields (``own``)."""
    channel = channels.get(fields.get("channel") or "")
    if channel is None or not channel.defaults:
        return fields, refs
    fields, refs = dict(fields), dict(refs)
    for key, value in channel.defaults.items():
        if key not in own:
            fields[key], refs[key] = value, channel.default_refs[key]
    return fields, refs


def _channel(member: ManifestFile, i: int, channel: Any, resolver: Resolver) -> DesiredChannel:
    at: PathT = ("channels", i, "defaults")
    given = channel.defaults.managed() if channel.defaults else {}
    given.pop("channel", None)  # refused by the offline checks
    return DesiredChannel(
        name=channel.name,
        ref=ref_at(member.path, member.doc, ("channels", i)),
        fields={
            k: getattr(channel, k)
            for k in ("displayName", "description", "support")
            if k in channel.model_fields_set
        },
        defaults=resolver.fields(member, at, given),
        default_refs={k: ref_at(member.path, member.doc, (*at, k)) for k in given},
        manages_syncs=channel.mirrors is not None,
    )


def _playlist(
    member: ManifestFile,
    index: int,
    resolver: Resolver,
    digests: DigestCache,
    defaults: Mapping[str, Any],
) -> DesiredPlaylist:
    """``defaults``: the file's resolved ``defaults.channel``, used when the playlist has none."""
    model = member.model.playlists[index]
    at: PathT = ("playlists", index)
    wanted = {k: getattr(model, k) for k in ("displayName", "description", "channel")}
    wanted = {k: v for k, v in wanted.items() if k in model.model_fields_set}
    resolved = {**defaults, **resolver.fields(member, at, wanted)}
    if model.privacy is not None:
        privacy = resolver.fields(member, at, {"playlistPrivacy": model.privacy})
        if "playlistPrivacy" in privacy:
            resolved["privacy"] = privacy["playlistPrivacy"]
    thumbnail = None
    if model.thumbnail:
        found = resolver.file(member, (*at, "thumbnail"), model.thumbnail, digests)
        thumbnail = LocalFile(*found) if found else None
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
    if fields.get("privacy") == PASSWORD_PROTECTED:
        resolver.problem(
            member,
            (*at, "set", "privacy"),
            "rules cannot make videos password protected: "
            "passwords are set per video (passwords: {env: NAME})",
        )
    return Rule(
        match=RuleMatch(
            bool(match.all), channel, match.tag, match.name, any_owner=match.owner == "any"
        ),
        fields=fields,
        ref=ref_at(member.path, member.doc, at),
    )


def _video(
    member: ManifestFile,
    at: PathT,
    entry: VideoEntry,
    fields: dict[str, Any],
    refs: dict[str, Any],
    resolver: Resolver,
    digests: DigestCache,
) -> DesiredVideo:
    source: UrlSource | FileSource | None = None
    if entry.source and entry.source.url:
        source = UrlSource(entry.source.url, _credentials(member, at, entry, resolver.env))
    elif entry.source and entry.source.file:
        found = resolver.file(member, (*at, "source", "file"), entry.source.file, digests)
        source = FileSource(found[0], found[0].stat().st_size, found[1]) if found else None
    thumbnail = None
    if entry.thumbnail:
        found = resolver.file(member, (*at, "thumbnail"), entry.thumbnail, digests)
        thumbnail = LocalFile(*found) if found else None
    captions = None
    if entry.captions is not None:
        captions = _captions(member, at, entry, resolver, digests)
    if entry.captions is not None or entry.publishAt is not None:
        _marker_fits(member, at, entry, captions or (), resolver)
    released = Lifecycle(entry.lifecycle) is Lifecycle.UNMANAGED
    report = lambda where, message: resolver.problem(member, where, message)  # noqa: E731
    schedule = passwords = None
    if not released:
        ref_of = lambda where: ref_at(member.path, member.doc, where)  # noqa: E731
        schedule = schedule_of(at, entry, resolver.resolvers["privacy"], report)
        passwords = passwords_of(at, entry, resolver.env, ref_of)
        settle_privacy(at, entry, fields, refs, (schedule, passwords), ref_of, report)
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
        takeover=entry.takeover,
        chapters=None if released else chapters_of(entry),
        schedule=schedule,
        passwords=passwords,
        lifecycle=Lifecycle(entry.lifecycle),
        curates=member.model.may_curate(entry),
    )


def _credentials(
    member: ManifestFile, at: PathT, entry: VideoEntry, env: Mapping[str, str]
) -> CredentialsRef | None:
    """The variable of a private source; one that cannot be used is recorded, for the plan to
    report where a request needs it (a create, a replaced source)."""
    given = entry.source.credentials if entry.source else None
    if given is None:
        return None
    ref = ref_at(member.path, member.doc, (*at, "source", "credentials", "env"))
    return CredentialsRef(given.env, source_credentials.problem(env, given.env), ref)


def _captions(
    member: ManifestFile, at: PathT, entry: VideoEntry, resolver: Resolver, digests: DigestCache
) -> tuple[CaptionFile, ...]:
    """Languages resolved like ``language`` (code or label); two files for one: a problem."""
    out: dict[str, CaptionFile] = {}
    for j, caption in enumerate(entry.captions or []):
        here: PathT = (*at, "captions", j)
        language = resolver.language(member, (*here, "language"), caption.language)
        found = resolver.file(member, (*here, "file"), caption.file, digests)
        if language is None or found is None:
            continue
        if language in out:
            resolver.problem(member, (*here, "language"), f"two captions for {language!r}")
        out[language] = CaptionFile(language, *found)
    return tuple(out.values())


def _marker_fits(
    member: ManifestFile,
    at: PathT,
    entry: VideoEntry,
    captions: tuple[CaptionFile, ...],
    resolver: Resolver,
) -> None:
    """The marker, with one hash per file, fits in what the description limit leaves it."""
    hashes = {f"cap.{c.language}": "0" * HASH_LEN for c in captions}
    hashes.update({"src": "0" * HASH_LEN, "thumb": "0" * HASH_LEN})
    if entry.publishAt is not None:
        hashes["pub"] = "0" * PUB_LEN
    size = len(Marker(member.model.system, entry.id, hashes).render()) + 2
    room = DESCRIPTION_MAX - VIDEO_DESCRIPTION_MAX
    if size > room:
        message = (
            f"{len(captions)} captions make ptsync's marker {size} characters, more than the "
            f"{room} kept for it: remove some captions"
        )
        resolver.problem(member, (*at, "captions"), message)


def _digests_of(video: DesiredVideo) -> list[str]:
    out = []
    if isinstance(video.source, FileSource):
        out.append(video.source.digest)
    if video.thumbnail:
        out.append(video.thumbnail.digest)
    out.extend(c.digest for c in video.captions or ())
    return out
