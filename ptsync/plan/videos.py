"""``plan = build_plan(desired, live, matching)``: a pure function, no I/O.

The planner (``ptsync.live.fetch``) fetches what this needs; everything here is
testable with plain values. Problems an entry cannot get past (a pinned uuid that does not
exist, a new video without a source) are collected and raised together as a ManifestError,
so a CI run fails with every reason at once, pointing at manifest lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ptsync.errors import ManifestError, Problem, TooMuchChange
from ptsync.fields import COMMENTS_POLICIES, DETAIL_FIELDS, normalise
from ptsync.marker import Marker
from ptsync.plan import rules as rules_mod
from ptsync.plan.changes import (
    Change,
    CreateVideo,
    DeleteVideo,
    FieldChange,
    Notice,
    Plan,
    UpdateVideo,
)
from ptsync.plan.diff import diff_fields, diff_files
from ptsync.plan.match import Match, Matching
from ptsync.state import DesiredState, FileSource, LiveVideo, Privacy, UrlSource, Vocabularies

PASSWORD_PROTECTED = Privacy.PASSWORD_PROTECTED


@dataclass(frozen=True)
class PlanOptions:
    prune: bool = False
    file_replace_enabled: bool = False
    adopt: bool = False  # write markers on uuid-pinned videos even when nothing else changes


def build_plan(
    desired: DesiredState,
    matching: Matching,
    options: PlanOptions = PlanOptions(),
    vocab: Vocabularies | None = None,
) -> Plan:
    changes: list[Change] = []
    notices: list[Notice] = []
    problems = list(matching.problems)
    unchanged = 0
    owned = _unowned_by_name(desired.system, matching)
    for found in matching.matches:
        change = _plan_entry(desired, found, options, owned, notices, problems)
        if change is not None:
            changes.append(change)
        elif found.live is not None:
            unchanged += 1
    for video in matching.unlisted:
        if video.marker and video.marker.system == desired.system:
            continue
        update = _plan_rules(desired, video)
        if update is not None:
            changes.append(update)
    changes.extend(_plan_deletes(desired, matching, options, notices))
    if problems:
        raise ManifestError(problems)
    notices = _summarise_unadopted(notices)
    return Plan(
        instance_url=desired.instance_url,
        system=desired.system,
        changes=tuple(changes),
        unchanged=unchanged,
        notices=tuple(notices),
        labels=labels_for(vocab),
        managed_total=_managed_total(desired.system, matching),
    )


def _managed_total(system: str, matching: Matching) -> int:
    listed = sum(
        1 for m in matching.matches if m.live and m.live.marker and m.live.marker.system == system
    )
    owned = [v for v in matching.orphans if v.marker_at_start]
    owned += [extra for _, extra in matching.extra_copies if extra.marker_at_start]
    return listed + len(owned)


def _unowned_by_name(system: str, matching: Matching) -> dict[str, list[LiveVideo]]:
    index: dict[str, list[LiveVideo]] = {}
    for video in matching.unlisted:
        if not (video.marker and video.marker.system == system):
            index.setdefault(video.fields["name"], []).append(video)
    return index


def _plan_entry(
    desired: DesiredState,
    found: Match,
    options: PlanOptions,
    unowned: Mapping[str, list[LiveVideo]],
    notices: list[Notice],
    problems: list[Problem],
) -> Change | None:
    entry = found.desired
    if found.live is None:
        if entry.uuid:
            return None  # matching already reported why
        return _plan_create(desired, found, unowned, notices, problems)
    fields = rules_mod.effective_fields(entry, desired.rules, found.live)
    if normalise("privacy", fields.get("privacy")) == PASSWORD_PROTECTED and (
        found.live.fields.get("privacy") != PASSWORD_PROTECTED
    ):
        problems.append(
            Problem(
                entry.field_refs.get("privacy", entry.ref),
                "ptsync cannot set video passwords; make the video password protected in "
                "PeerTube's web interface, then ptsync keeps it so",
            )
        )
        return None
    return _plan_update(desired, found, fields, options, notices)


def _plan_create(
    desired: DesiredState,
    found: Match,
    unowned: Mapping[str, list[LiveVideo]],
    notices: list[Notice],
    problems: list[Problem],
) -> Change | None:
    entry = found.desired
    fields = rules_mod.effective_fields(entry, desired.rules, None)
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
    if fields.get("privacy") == PASSWORD_PROTECTED:
        problems.append(Problem(entry.ref, "ptsync cannot create password-protected videos"))
        return None
    twins = _possible_duplicates(fields, unowned)
    if twins and not entry.allow_duplicate:
        notices.append(_duplicate_notice(desired.system, found, twins))
        return None
    return _create(desired.system, found, fields)


def _possible_duplicates(
    fields: Mapping[str, Any], unowned: Mapping[str, list[LiveVideo]]
) -> list[LiveVideo]:
    same_name = unowned.get(normalise("name", fields["name"]), [])
    channel = fields.get("channel")
    return [v for v in same_name if channel is None or v.channel == channel]


def _duplicate_notice(system: str, found: Match, twins: list[LiveVideo]) -> Notice:
    entry = found.desired
    twin = twins[0]
    return Notice(
        "possible-duplicate",
        f"not creating {entry.external_id}: video {twin.uuid} ({twin.name!r} in channel "
        f"{twin.channel}) has the same name and no {system} marker. Pin `uuid: {twin.uuid}` to "
        "adopt it, or set `allow_duplicate: true` to create another",
        entry.external_id,
        entry.ref,
    )


def _create(system: str, found: Match, fields: Mapping[str, Any]) -> CreateVideo:
    entry = found.desired
    source = entry.source
    assert source is not None
    reason = None
    if found.failed_import is not None:
        row = found.failed_import
        error = (row.error or row.state_label or "failed").strip().splitlines()[0][:200]
        reason = f"retry: import #{row.id} {row.state_label.lower() or 'failed'}: {error}"
    is_url = isinstance(source, UrlSource)
    return CreateVideo(
        external_id=entry.external_id,
        method="import" if is_url else "upload",
        source=source.url if isinstance(source, UrlSource) else str(source.path),
        source_digest=source.digest,
        source_size=source.size if isinstance(source, FileSource) else None,
        fields=dict(fields),
        marker=Marker(system, entry.external_id, {"src": source.digest}),
        ref=entry.ref,
        thumbnail=entry.thumbnail,
        captions=entry.captions or (),
        reason=reason,
    )


def _plan_update(
    desired: DesiredState,
    found: Match,
    fields: Mapping[str, Any],
    options: PlanOptions,
    notices: list[Notice],
) -> UpdateVideo | None:
    entry, live = found.desired, found.live
    assert live is not None
    changes = list(diff_fields(fields, live))
    own_marker = live.marker if live.marker and live.marker.system == desired.system else None
    files = diff_files(entry, own_marker)
    annotations = dict(files.annotations)
    file_changes = list(files.changes)
    if files.source_changed and not options.file_replace_enabled:
        file_changes = [c for c in file_changes if c.field != "source"]
        notices.append(_source_notice(entry.external_id, entry.ref))
    elif files.source_changed:
        annotations["src"] = entry.source.digest if entry.source else annotations.get("src", "")
    marker = Marker(desired.system, entry.external_id, annotations)
    identity_change = own_marker is None or not live.marker_at_start
    if identity_change:
        old = f"{live.marker.system}/{live.marker.external_id}" if live.marker else None
        changes.insert(0, FieldChange("marker", old, f"{desired.system}/{entry.external_id}"))
    changes.extend(file_changes)
    if not changes:
        return None
    if _marker_only_adoption(changes, found, live, options):
        notices.append(Notice("unadopted", "", entry.external_id, entry.ref))
        return None
    rewrite = (
        identity_change
        or any(c.field == "description" for c in changes)
        or (own_marker is not None and dict(own_marker.annotations) != annotations)
    )
    text = fields["description"] if "description" in fields else live.fields.get("description")
    replace = files.source_changed and options.file_replace_enabled and entry.source is not None
    return UpdateVideo(
        uuid=live.uuid,
        name=live.name,
        updated_at=live.updated_at,
        changes=tuple(changes),
        external_id=entry.external_id,
        ref=entry.ref,
        matched_by=found.by or "marker",
        marker=marker if rewrite else None,
        description=normalise("description", text) if rewrite else None,
        thumbnail=entry.thumbnail if files.thumbnail_changed else None,
        captions_put=files.captions_put,
        captions_delete=files.captions_delete,
        source_file=_source_location(entry.source) if replace else None,
        password_protected=_protected(fields, live),
    )


def _marker_only_adoption(
    changes: list[FieldChange], found: Match, live: LiveVideo, options: PlanOptions
) -> bool:
    """A video pinned by uuid that only lacks its marker is in sync: writing the marker is
    ``ptsync adopt``'s job, so an exported manifest plans "No changes" right away."""
    return (
        not options.adopt
        and found.by == "uuid"
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
    return [n for n in notices if n.kind != "unadopted"] + [Notice("unadopted", message)]


def _source_location(source: UrlSource | FileSource | None) -> str | None:
    if isinstance(source, UrlSource):
        return source.url
    return str(source.path) if source is not None else None


def _protected(fields: Mapping[str, Any], live: LiveVideo) -> bool:
    return fields.get("privacy", live.fields.get("privacy")) == PASSWORD_PROTECTED


def _source_notice(external_id: str, ref: Any) -> Notice:
    return Notice(
        "source-not-replaceable",
        f"{external_id}: the source changed, but this instance does not allow replacing a "
        "video's file (PeerTube >= 6.0 with video file update enabled); the video is left as is",
        external_id,
        ref,
    )


def _plan_rules(desired: DesiredState, video: LiveVideo) -> UpdateVideo | None:
    fields = rules_mod.set_by_rules(desired.rules, video.fields)
    fields = {k: v for k, v in fields.items() if k not in ("name", "description")}
    if not fields:
        return None
    changes = diff_fields(fields, video)
    if not changes:
        return None
    return UpdateVideo(
        uuid=video.uuid,
        name=video.name,
        updated_at=video.updated_at,
        changes=changes,
        matched_by="rule",
        password_protected=_protected(fields, video),
    )


def _plan_deletes(
    desired: DesiredState, matching: Matching, options: PlanOptions, notices: list[Notice]
) -> list[DeleteVideo]:
    deletes = []
    for kept, extra in matching.extra_copies:
        ext_id = extra.marker.external_id if extra.marker else "?"
        if options.prune and not extra.marker_at_start:
            notices.append(_not_owned_notice(extra, ext_id))
        elif options.prune:
            reason = f"extra copy of {kept.uuid}"
            deletes.append(_delete(extra, ext_id, reason))
        else:
            notices.append(
                Notice(
                    "duplicate-marker",
                    f"{ext_id}: videos {kept.uuid} and {extra.uuid} carry the same marker; "
                    f"{kept.uuid} (the oldest) is managed, run with --prune to delete the other",
                    ext_id,
                )
            )
    if options.prune:
        for video in matching.orphans:
            assert video.marker is not None
            if not video.marker_at_start:
                notices.append(_not_owned_notice(video, video.marker.external_id))
                continue
            deletes.append(_delete(video, video.marker.external_id, "not in the manifest"))
    return deletes


def _not_owned_notice(video: LiveVideo, ext_id: str) -> Notice:
    """Ownership for deletion is the marker on the *first* line, where ptsync writes it; a
    marker elsewhere may be a quote or a copy-paste, so prune leaves such a video alone."""
    return Notice(
        "not-deleted",
        f"{ext_id}: not deleting {video.uuid} ({video.name!r}): its ptsync marker is not on "
        "the first line of the description",
        ext_id,
    )


def _delete(video: LiveVideo, external_id: str, reason: str) -> DeleteVideo:
    return DeleteVideo(
        uuid=video.uuid,
        name=video.name,
        updated_at=video.updated_at,
        external_id=external_id,
        reason=reason,
    )


def check_safety(plan: Plan, max_delete_fraction: float, force: bool) -> None:
    """Refuse a plan that deletes more than the allowed share of managed videos (octoDNS-style)."""
    deletes = len(plan.of(DeleteVideo))
    if force or not deletes:
        return
    total = max(plan.managed_total, 1)
    if deletes / total > max_delete_fraction:
        raise TooMuchChange(
            f"refusing to delete {deletes} of {total} managed videos "
            f"({deletes / total:.0%} > {max_delete_fraction:.0%}); re-run with --force to allow it"
        )


def labels_for(vocab: Vocabularies | None) -> dict[str, dict[str, str]]:
    """id -> label maps for renderers, keyed by strings so they survive JSON."""
    if vocab is None:
        return {}
    return {
        "category": {str(k): v for k, v in vocab.categories.items()},
        "licence": {str(k): v for k, v in vocab.licences.items()},
        "language": {str(k): v for k, v in vocab.languages.items()},
        "privacy": {str(k): v for k, v in vocab.privacies.items()},
        "commentsPolicy": {str(k): v for k, v in COMMENTS_POLICIES.items()},
    }


def detail_needed(desired: DesiredState, matching: Matching) -> set[str]:
    """uuids whose managed fields are not all in the list payload (and so need GET /videos/{id})."""
    needed = set()
    for found in matching.matches:
        live = found.live
        if live is None or live.detailed:
            continue
        if _entry_needs_detail(desired, found, live):
            needed.add(live.uuid)
    if desired.rules:
        for video in matching.unlisted:
            if not video.detailed and rules_mod.rule_needs_detail(desired.rules, video):
                needed.add(video.uuid)
    return needed


def _entry_needs_detail(desired: DesiredState, found: Match, live: LiveVideo) -> bool:
    entry = found.desired
    managed = set(entry.fields)
    for rule in rules_mod.could_apply(desired.rules, live):
        managed |= set(rule.fields)
        if rule.match.tag is not None:
            return True
    if managed & DETAIL_FIELDS:
        return True
    if live.knows("description"):
        return False
    own = live.marker is not None and live.marker.system == desired.system
    marker_rewrite = not own or not live.marker_at_start
    files = diff_files(entry, live.marker if own else None)
    return "description" in managed or marker_rewrite or bool(files.changes)
