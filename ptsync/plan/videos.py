"""Video changes: ``plan_videos(desired, matching, options)`` is a pure function, no I/O.

The planner (``ptsync.planner``) fetches what it needs and matches first
(``ptsync.plan.match``), then calls this; everything here is testable with plain values. It
plans each entry (create, update, retry a failed import, let go), the rules' updates of
unlisted videos (``ptsync.plan.rule_updates``) and the deletes (``ptsync.plan.deletes``), and
returns them with their notices as a ``VideoPlan``; the planner builds the ``Plan`` from it.
Problems an entry cannot get past (a pinned uuid that does not exist, a new video without a
source) are collected and raised together as a ManifestError, so a CI run fails with every
reason at once, pointing at manifest lines.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ptsync import redact
from ptsync.errors import ManifestError, Problem
from ptsync.fields import first_line, normalise
from ptsync.marker import Marker
from ptsync.plan import rules as rules_mod
from ptsync.plan.changes import (
    Change,
    CreateMethod,
    CreateVideo,
    FieldChange,
    MatchedBy,
    Notice,
    NoticeKind,
    UpdateVideo,
)
from ptsync.plan.chapters_passwords import (
    chapter_problems,
    create_chapters,
    password_protected,
    plan_chapters,
    plan_passwords,
)
from ptsync.plan.deletes import plan_deletes, release_copies
from ptsync.plan.diff import diff_fields, diff_files
from ptsync.plan.match import Match, Matching
from ptsync.plan.mirrors import Orphans, not_listed_notice, upstream_date
from ptsync.plan.owners import (
    duplicate_notice,
    foreign_owner,
    is_managed,
    same_name,
    unowned_by_name,
)
from ptsync.plan.release import plan_release
from ptsync.plan.rule_updates import plan_rule_updates
from ptsync.plan.schedule import ANNOTATION as SCHEDULE_ANNOTATION
from ptsync.plan.schedule import SchedulePlan, annotation_for, create_problem, plan_schedule
from ptsync.plan.server_rules import refused_captions
from ptsync.state import (
    CaptionFile,
    DesiredState,
    DesiredVideo,
    FileSource,
    LiveVideo,
    UrlSource,
    VideoState,
    Vocabularies,
)


@dataclass(frozen=True)
class PlanOptions:
    prune: bool = False
    file_replace_enabled: bool = False
    adopt: bool = False  # write markers on uuid-pinned videos even when nothing else changes
    retry_failed_imports: bool = False  # the server retries a failed import in place (8.x)
    import_retry_limit: int | None = None  # attempts after which it refuses to (8.3: 5)
    caption_written_only: bool = False  # captions in sign languages are refused (8.2+)
    now: float | None = None  # epoch seconds that publishAt is compared with (None: the clock)


@dataclass(frozen=True)
class VideoPlan:
    """The video part of a plan: its changes and notices, and the counts the safety
    thresholds and the summary need."""

    changes: tuple[Change, ...]
    notices: tuple[Notice, ...]
    unchanged: int  # managed videos already as the manifest says
    managed_total: int  # live videos carrying this system's marker (less those let go)
    rule_matched: int  # unlisted videos the rules select (their updates' threshold base)


def plan_videos(
    desired: DesiredState,
    matching: Matching,
    options: PlanOptions = PlanOptions(),
    vocab: Vocabularies | None = None,  # the instance's languages (captions it refuses)
    orphans: Orphans | None = None,  # what the mirrors say of unlisted owned videos
) -> VideoPlan:
    changes: list[Change] = []
    notices: list[Notice] = []
    problems = list(matching.problems)
    unchanged = 0
    owned = unowned_by_name(desired.system, matching)
    if options.now is None:
        options = dataclasses.replace(options, now=time.time())
    for found in matching.matches:
        change = _plan_entry(desired, found, options, owned, notices, problems)
        if change is not None:
            changes.append(change)
            problems += refused_captions(change, found.desired, vocab, options.caption_written_only)
        elif found.live is not None and is_managed(found.desired):
            unchanged += 1
    ruled = plan_rule_updates(desired, matching)
    changes.extend(ruled.changes)
    notices.extend(ruled.notices)
    changes.extend(
        plan_deletes(desired, matching, prune=options.prune, notices=notices, orphans=orphans)
    )
    changes.extend(release_copies(desired, matching))
    if problems:
        raise ManifestError(problems)
    return VideoPlan(
        changes=tuple(changes),
        notices=tuple(_summarise_unadopted(notices)),
        unchanged=unchanged,
        managed_total=_managed_total(desired.system, matching),
        rule_matched=ruled.matched,
    )


def _managed_total(system: str, matching: Matching) -> int:
    """Videos carrying this system's marker, less those being let go (never counted)."""
    released = {m.desired.external_id for m in matching.matches if not is_managed(m.desired)}
    listed = sum(
        1
        for m in matching.matches
        if m.live and m.live.marker and m.live.marker.system == system and is_managed(m.desired)
    )
    owned = [v for v in matching.orphans if v.marker_at_start]
    owned += [
        extra
        for _, extra in matching.extra_copies
        if extra.marker_at_start and (extra.marker and extra.marker.external_id) not in released
    ]
    return listed + len(owned)


def _plan_entry(
    desired: DesiredState,
    found: Match,
    options: PlanOptions,
    unowned: Mapping[str, list[LiveVideo]],
    notices: list[Notice],
    problems: list[Problem],
) -> Change | None:
    entry = found.desired
    if not is_managed(entry):  # lifecycle: unmanaged: remove the marker, nothing else
        return plan_release(desired.system, entry, found.live) if found.live else None
    if found.live is None:
        if entry.uuid:
            return None  # matching already reported why
        return _plan_create(desired, found, unowned, notices, problems, options)
    owner = foreign_owner(desired.system, entry.external_id, found.live)
    if owner is not None and not entry.takeover:
        notices.append(_takeover_notice(found, owner))
        return None
    fields = rules_mod.effective_fields(entry, desired.rules, found.live)
    update = _plan_update(desired, found, fields, options, notices, problems)
    if found.live.state == VideoState.IMPORT_FAILED:
        return _retry_failed_import(found, update, options, notices)
    return update


def _retry_failed_import(
    found: Match, update: UpdateVideo | None, options: PlanOptions, notices: list[Notice]
) -> UpdateVideo | None:
    """A video PeerTube 8.x kept after its import failed (state 12): the import is retried in
    place (same video, same uuid), never imported a second time beside it."""
    entry, live, row = found.desired, found.live, found.failed_import
    assert live is not None
    limit = options.import_retry_limit
    spent = row is not None and limit is not None and row.attempts >= limit
    if not options.retry_failed_imports or row is None or spent:
        why = "failed and this server cannot retry it"
        if spent and row is not None:
            why = f"failed {row.attempts} times, as often as this server retries an import"
        notices.append(
            Notice(
                NoticeKind.IMPORT_FAILED,
                f"{entry.external_id}: the import of {live.uuid} {why}; delete the video in "
                "PeerTube and ptsync imports it again",
                entry.external_id,
                entry.ref,
            )
        )
        return update
    retry = FieldChange("import", f"failed: {first_line(redact.text(row.error or ''))}", "retry")
    if update is None:
        update = UpdateVideo(
            uuid=live.uuid,
            name=live.name,
            updated_at=live.updated_at,
            changes=(),
            external_id=entry.external_id,
            ref=entry.ref,
            matched_by=found.by or MatchedBy.MARKER,
        )
    return dataclasses.replace(update, changes=(*update.changes, retry), retry_import=row.id)


def _takeover_notice(found: Match, owner: str) -> Notice:
    entry, live = found.desired, found.live
    assert live is not None
    return Notice(
        NoticeKind.NOT_TAKING_OVER,
        f"not taking over {live.uuid} ({live.name!r}) for {entry.external_id} (matched by "
        f"{found.by or 'marker'}): owned by {owner} (set takeover: true)",
        entry.external_id,
        entry.ref,
    )


def _plan_create(
    desired: DesiredState,
    found: Match,
    unowned: Mapping[str, list[LiveVideo]],
    notices: list[Notice],
    problems: list[Problem],
    options: PlanOptions,
) -> Change | None:
    entry = found.desired
    fields = rules_mod.effective_fields(entry, desired.rules, None)
    if entry.source is None and entry.curates:  # its mirror does not list it (now)
        notices.append(not_listed_notice(entry))
        return None
    if entry.source is None:
        problems.append(
            Problem(
                entry.ref,
                f"no video carries marker {desired.system}/{entry.external_id} and the entry has "
                "no source to create it from: add source.url, source.file or a pinned uuid",
            )
        )
        return None
    if not fields.get("name"):
        problems.append(Problem(entry.ref, "a new video needs a name"))
        return None
    passwords = plan_passwords(entry, fields, None)
    late = create_problem(entry, options.now or 0.0)
    unusable = _credentials_problem(entry)
    found_problems = [p for p in (passwords.problem, late, unusable) if p is not None]
    if found_problems:
        problems.extend(found_problems)
        return None
    twins = same_name(fields, unowned)
    if twins and not entry.allow_duplicate:
        notices.append(duplicate_notice(desired.system, found, twins))
        return None
    return _create(desired.system, found, fields, passwords.env)


def _create(
    system: str, found: Match, fields: Mapping[str, Any], passwords_env: str | None
) -> CreateVideo:
    entry = found.desired
    source = entry.source
    assert source is not None
    reason = None
    if found.failed_import is not None:
        row = found.failed_import
        # PeerTube's errors quote the targetUrl, credentials and all: redacted before the cut
        error = redact.text(row.error or row.state_label or "failed").strip().splitlines()[0]
        error = error[:200]
        reason = f"retry: import #{row.id} {row.state_label.lower() or 'failed'}: {error}"
    is_url = isinstance(source, UrlSource)
    annotations = {"src": source.digest, **upstream_date(entry)}
    if entry.schedule is not None:
        annotations[SCHEDULE_ANNOTATION] = annotation_for(entry.schedule)
    return CreateVideo(
        external_id=entry.external_id,
        method=CreateMethod.IMPORT if is_url else CreateMethod.UPLOAD,
        source=source.shown if isinstance(source, UrlSource) else str(source.path),
        source_digest=source.digest,
        source_size=source.size if isinstance(source, FileSource) else None,
        fields=dict(fields),
        marker=Marker(system, entry.external_id, annotations),
        ref=entry.ref,
        thumbnail=entry.thumbnail,
        captions=entry.captions or (),
        reason=reason,
        chapters=create_chapters(entry, normalise("description", fields.get("description"))),
        schedule=entry.schedule,
        passwords_env=passwords_env,
        mirror=entry.mirror.shown if entry.mirror else None,
    )


def _plan_update(
    desired: DesiredState,
    found: Match,
    fields: Mapping[str, Any],
    options: PlanOptions,
    notices: list[Notice],
    problems: list[Problem],
) -> UpdateVideo | None:
    entry, live = found.desired, found.live
    assert live is not None
    own_marker = live.marker if live.marker and live.marker.system == desired.system else None
    files = _file_changes(entry, own_marker, options, notices, problems)
    timing = plan_schedule(entry, live, dict(own_marker.annotations) if own_marker else {},
                           options.now or 0.0)  # fmt: skip
    fields, annotations = _scheduled(fields, files.annotations, timing)
    if own_marker is None:  # adopted (or its marker restored): a mirrored one gets its date
        annotations = {**upstream_date(entry), **annotations}
    notices.extend(timing.notices)
    passwords = plan_passwords(entry, fields, live)
    problems.extend([*timing.problems, *chapter_problems(entry, live)])
    problems.extend([passwords.problem] if passwords.problem else [])
    changes = [*_marker_change(desired.system, entry.external_id, live), *diff_fields(fields, live)]
    changes.extend([*files.changes, *timing.changes])
    text = fields["description"] if "description" in fields else live.fields.get("description")
    new_text = normalise("description", text) if _writes(changes, "description") else ...
    chapters = plan_chapters(entry, live, new_text)
    changes.extend(c for c in (chapters.change, passwords.change) if c is not None)
    if not changes:
        return None
    if _marker_only_adoption(changes, found, live, options):
        notices.append(Notice(NoticeKind.UNADOPTED, "", entry.external_id, entry.ref))
        return None
    marker = Marker(desired.system, entry.external_id, annotations)
    rewrite = _rewrites_description(changes, own_marker, annotations)
    return dataclasses.replace(
        _update_of(found, changes, files, fields, marker if rewrite else None, text),
        chapters=chapters.put,
        schedule=timing.schedule,
        unschedule=timing.unschedule,
        passwords_env=passwords.env,
    )


def _update_of(
    found: Match,
    changes: list[FieldChange],
    files: _Files,
    fields: Mapping[str, Any],
    marker: Marker | None,
    text: Any,
) -> UpdateVideo:
    """The update of a matched video; ``marker``: the marker to write with the description,
    None when the description is not rewritten."""
    entry, live = found.desired, found.live
    assert live is not None
    rewrite = marker is not None
    return UpdateVideo(
        uuid=live.uuid,
        name=live.name,
        updated_at=live.updated_at,
        changes=tuple(changes),
        external_id=entry.external_id,
        ref=entry.ref,
        matched_by=found.by or MatchedBy.MARKER,
        marker=marker,
        description=normalise("description", text) if rewrite else None,
        thumbnail=entry.thumbnail if files.thumbnail_changed else None,
        captions_put=files.captions_put,
        captions_delete=files.captions_delete,
        source_file=_source_location(entry.source) if files.replace_source else None,
        password_protected=password_protected(fields, live),
    )


def _scheduled(
    fields: Mapping[str, Any], annotations: Mapping[str, str], timing: SchedulePlan
) -> tuple[Mapping[str, Any], dict[str, str]]:
    """The fields and marker annotations once the schedule is accounted for: a video published
    as scheduled takes the publish privacy (the manifest's privacy was "until then"), and the
    marker records the schedule ptsync set, so that only that one is ever cleared."""
    if timing.privacy is not None:
        fields = {**fields, "privacy": timing.privacy}
    kept = {k: v for k, v in annotations.items() if k != SCHEDULE_ANNOTATION}
    if timing.annotation is not None:
        kept[SCHEDULE_ANNOTATION] = timing.annotation
    return fields, kept


def _writes(changes: list[FieldChange], name: str) -> bool:
    return any(c.field == name for c in changes)


def _rewrites_description(
    changes: list[FieldChange], own_marker: Marker | None, annotations: Mapping[str, str]
) -> bool:
    """The description is sent (with the marker) when either part of it changes."""
    return (
        changes[0].field == "marker"
        or any(c.field == "description" for c in changes)
        or (own_marker is not None and dict(own_marker.annotations) != annotations)
    )


def _marker_change(system: str, external_id: str, live: LiveVideo) -> list[FieldChange]:
    """Writing (or moving to the first line) this entry's marker, when it is not in place."""
    mine = live.marker is not None and (live.marker.system, live.marker.external_id) == (
        system,
        external_id,
    )
    if mine and live.marker_at_start:
        return []
    old = f"{live.marker.system}/{live.marker.external_id}" if live.marker else None
    return [FieldChange("marker", old, f"{system}/{external_id}")]


@dataclass(frozen=True)
class _Files:
    changes: tuple[FieldChange, ...]
    annotations: dict[str, str]
    thumbnail_changed: bool
    captions_put: tuple[CaptionFile, ...]
    captions_delete: tuple[str, ...]
    replace_source: bool


def _file_changes(
    entry: DesiredVideo,
    own_marker: Marker | None,
    options: PlanOptions,
    notices: list[Notice],
    problems: list[Problem],
) -> _Files:
    """Local files compared through the marker's hashes; a changed source is replaced only
    where the instance allows it (else a notice, and the marker keeps the old hash)."""
    files = diff_files(entry, own_marker)
    annotations = dict(files.annotations)
    changes = list(files.changes)
    replace = False
    if files.source_changed and not options.file_replace_enabled:
        changes = [c for c in changes if c.field != "source"]
        notices.append(_source_notice(entry.external_id, entry.ref))
    elif files.source_changed:
        annotations["src"] = entry.source.digest if entry.source else annotations.get("src", "")
        replace = entry.source is not None
        unusable = _credentials_problem(entry)
        problems.extend([unusable] if unusable else [])
    return _Files(
        tuple(changes),
        annotations,
        files.thumbnail_changed,
        files.captions_put,
        files.captions_delete,
        replace,
    )


def _marker_only_adoption(
    changes: list[FieldChange], found: Match, live: LiveVideo, options: PlanOptions
) -> bool:
    """A video pinned by uuid that only lacks its marker is in sync: writing the marker is
    ``ptsync adopt``'s job, so an exported manifest plans "No changes" right away."""
    return (
        not options.adopt
        and found.by is MatchedBy.UUID
        and live.marker is None
        and [c.field for c in changes] == ["marker"]
    )


def _summarise_unadopted(notices: list[Notice]) -> list[Notice]:
    ids = [n.external_id for n in notices if n.kind == "unadopted"]
    if not ids:
        return notices
    shown = ", ".join(str(i) for i in ids[:5]) + (
        f" and {len(ids) - 5} more" if len(ids) > 5 else ""
    )
    message = (
        f"{len(ids)} video(s) pinned by uuid carry no ptsync marker yet ({shown}); they are "
        "managed by uuid. `ptsync adopt` writes their markers (optional)"
    )
    return [n for n in notices if n.kind != "unadopted"] + [Notice(NoticeKind.UNADOPTED, message)]


def _source_location(source: UrlSource | FileSource | None) -> str | None:
    """Where a replaced file comes from, as shown (apply takes the real URL from the entry)."""
    if isinstance(source, UrlSource):
        return source.shown
    return str(source.path) if source is not None else None


def _credentials_problem(entry: DesiredVideo) -> Problem | None:
    """A private source whose credentials variable cannot be used, where a request needs it."""
    source = entry.source
    if not isinstance(source, UrlSource) or source.credentials is None:
        return None
    given = source.credentials
    if given.problem is None:
        return None
    return Problem(given.ref or entry.ref, given.problem)


def _source_notice(external_id: str, ref: Any) -> Notice:
    return Notice(
        NoticeKind.SOURCE_NOT_REPLACEABLE,
        f"{external_id}: the source changed, but this instance does not allow replacing a "
        "video's file (PeerTube >= 6.0 with video file update enabled); the video is left as is",
        external_id,
        ref,
    )
