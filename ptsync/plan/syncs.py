"""Server-side channel syncs (``mirrors: [{url, sync: server}]``) as a resource, planned purely.

Desired: ``(channel, url, privacy)`` per ``sync: server`` mirror; privacy is the channel's
(the file's, else the channel's ``defaults.privacy``), sent and compared only where the server
has it (8.3). Live: the account's syncs. A sync has no marker, so ownership is by channel: the
syncs of a channel with a ``mirrors:`` key are managed (a declared one is kept, an undeclared
one is noticed, or deleted with --prune); the syncs of other channels are never touched.

- a declared sync missing: create it (apply then backfills it with ``import-videos``);
- one whose privacy differs: no update route exists, so a create that ``replaces`` it and a
  delete of the old one, both in the plan;
- the same channel and URL twice on the server (PeerTube does not de-duplicate): the oldest
  is kept, the other is undeclared;
- failed imports of a kept sync whose video the server kept (8.0+): retried in place, until
  they made the server's ``import.videos.max_attempts`` attempts; then a notice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ptsync import redact
from ptsync.fields import first_line
from ptsync.plan.changes import (
    Change,
    CreateSync,
    DeleteSync,
    FieldChange,
    Notice,
    NoticeKind,
    UpdateSync,
    sync_key,
)
from ptsync.state import DesiredMirror, DesiredState, ImportState, LiveImport, LiveSync


@dataclass(frozen=True)
class SyncRules:
    """What the server does (``ptsync.peertube.versions``): whether it keeps a sync's privacy,
    whether failed imports can be retried, and after how many attempts no longer."""

    privacy: bool = False
    retry: bool = False
    max_attempts: int = 0


def desired_syncs(desired: DesiredState) -> list[DesiredMirror]:
    return [m for m in desired.mirrors if m.server]


def plan_syncs(
    desired: DesiredState,
    syncs: Sequence[LiveSync] | None,
    imports: Mapping[int, Sequence[LiveImport]],
    rules: SyncRules,
    *,
    prune: bool,
    disabled: str | None = None,
    privacies: Mapping[int, str] | None = None,
) -> tuple[list[Change], list[Notice]]:
    """``syncs`` None: not listed (nothing declared, or the instance refused: ``disabled``)."""
    wanted = desired_syncs(desired)
    if disabled is not None:
        return [], [_disabled(disabled, wanted)] if wanted else []
    if syncs is None:
        return [], []
    labels = privacies or {}
    managed = {c.name for c in desired.channels if c.manages_syncs}
    pool = sorted((s for s in syncs if s.channel_name in managed), key=lambda s: s.id)
    used: set[int] = set()
    changes: list[Change] = []
    notices: list[Notice] = []
    for mirror in wanted:
        privacy = _privacy(mirror, rules)
        same = [
            s
            for s in pool
            if s.id not in used and (s.channel_name, s.external_url) == (mirror.channel, mirror.url)
        ]
        fitting = [s for s in same if privacy is None or s.video_privacy == privacy]
        if fitting:
            kept = fitting[0]
            used.add(kept.id)
            retry = _retries(kept, imports.get(kept.id, ()), rules, notices, mirror)
            changes.extend([retry] if retry is not None else [])
        elif same:
            old = same[0]
            used.add(old.id)
            was, now = _label(old.video_privacy, labels), _label(privacy, labels)
            changes.append(_create(mirror, privacy, replaces=old.id))
            reason = f"replaced: privacy {was} → {now} (PeerTube has no update route)"
            changes.append(
                DeleteSync(old.id, old.channel_name, redact.url(old.external_url), reason)
            )
        else:
            changes.append(_create(mirror, privacy))
    left = [s for s in pool if s.id not in used]
    if prune:
        changes.extend(DeleteSync(s.id, s.channel_name, redact.url(s.external_url)) for s in left)
    elif left:
        notices.append(_undeclared(left))
    return changes, notices


def _privacy(mirror: DesiredMirror, rules: SyncRules) -> int | None:
    value = mirror.fields.get("privacy") if rules.privacy else None
    return value if isinstance(value, int) else None


def _create(mirror: DesiredMirror, privacy: int | None, replaces: int | None = None) -> CreateSync:
    return CreateSync(mirror.channel, mirror.url, privacy, mirror.ref, replaces)


def _retries(
    sync: LiveSync,
    rows: Sequence[LiveImport],
    rules: SyncRules,
    notices: list[Notice],
    mirror: DesiredMirror,
) -> UpdateSync | None:
    """The sync's failed imports whose video the server kept, to retry in place."""
    if not rules.retry:
        return None
    failed = [r for r in rows if r.state == ImportState.FAILED and r.video_uuid is not None]
    spent = [r for r in failed if r.attempts >= rules.max_attempts]
    again = [r for r in failed if r.attempts < rules.max_attempts]
    if spent:
        ids = ", ".join(f"#{r.id}" for r in spent[:5]) + (" …" if len(spent) > 5 else "")
        notices.append(
            Notice(
                NoticeKind.IMPORT_FAILED,
                f"sync {sync_key(sync.channel_name, sync.external_url)}: {len(spent)} "
                f"import(s) failed {rules.max_attempts} times, as often as this server tries "
                f"({ids}); delete their videos in PeerTube and the next sync imports them again",
                ref=mirror.ref,
            )
        )
    if not again:
        return None
    return UpdateSync(
        id=sync.id,
        channel=sync.channel_name,
        url=redact.url(sync.external_url),
        retry_imports=tuple(r.id for r in again),
        changes=tuple(
            FieldChange(f"import #{r.id}", f"failed: {_error(r)}", "retry") for r in again
        ),
    )


def _error(row: LiveImport) -> str:
    """PeerTube's error quotes the target URL, credentials and all: redacted, then cut."""
    return first_line(redact.text(row.error or row.state_label or "failed"))[:200]


def _label(privacy: int | None, labels: Mapping[int, str]) -> str:
    if privacy is None:
        return "(none)"
    return labels.get(privacy, str(privacy))


def _disabled(reason: str, wanted: Sequence[DesiredMirror]) -> Notice:
    where = ", ".join(str(m.ref) for m in wanted[1:])
    also = f" (also {where})" if where else ""
    many = len(wanted) != 1
    return Notice(
        NoticeKind.SYNCS_DISABLED,
        f"{reason}; {len(wanted)} `sync: server` mirror{'s' if many else ''} not "
        f"planned{also}, everything else is",
        ref=wanted[0].ref,
    )


def _undeclared(left: Sequence[LiveSync]) -> Notice:
    shown = ", ".join(f"#{s.id} {sync_key(s.channel_name, s.external_url)}" for s in left[:5])
    more = f" and {len(left) - 5} more" if len(left) > 5 else ""
    many = len(left) != 1
    return Notice(
        NoticeKind.NOT_IN_MANIFEST,
        f"{len(left)} channel sync{'s' if many else ''} of channels with mirrors "
        f"{'are' if many else 'is'} not in the manifest ({shown}{more}); --prune deletes "
        f"{'them' if many else 'it'} (their videos stay)",
    )
