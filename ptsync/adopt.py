"""Adoption: take over videos that exist — write their markers, pin their uuids.

Adopt never creates (nor deletes, nor touches playlists and channels): it writes the marker of
every manifest entry that matches an existing video, and pins the entry to that video's uuid
in the manifest file. An entry the plan holds back as a *possible duplicate* (no marker, but
exactly one unmanaged video with its name in its channel) is adopted too: that video is what
the person meant, so its group is planned again with the entry pinned to it (in memory; the
manifest files change only when the pins are written). Where several videos share the name,
nothing is guessed: the notice stays. The adoption plan is the plan cut down to the updates
that write a marker; what is left (creates, other updates) stays ``ptsync apply``'s job.

    with Run(paths, Options(adopt=True)) as run:
        adoptions = plan_adoption(run)
        ...show [a.adopted for a in adoptions] and the pins, ask...
        for adoption in adoptions: write_pins(adoption)
        run.apply([a.adopted for a in adoptions])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from ptsync.plan.changes import Notice, NoticeKind, Plan, UpdateVideo
from ptsync.plan.owners import possible_duplicates
from ptsync.planner import PlannedGroup
from ptsync.session import Run, Target
from ptsync.state import DesiredState


@dataclass(frozen=True)
class Pin:
    external_id: str
    uuid: str
    how: str  # "matched by marker", "same name", ...


@dataclass(frozen=True)
class Adoption:
    """One manifest group's adoption: its whole plan, the part adopt carries out, the pins."""

    target: Target
    planned: PlannedGroup  # the whole plan (possible duplicates pinned to their one video)
    adopted: PlannedGroup  # the marker writes only
    pins: tuple[Pin, ...]  # every entry matched otherwise than by a pinned uuid

    @property
    def left(self) -> int:
        """Changes of the whole plan beyond adopt's part: ``ptsync apply``'s work."""
        return len(self.planned.plan.changes) - len(self.adopted.plan.changes)


def plan_adoption(run: Run) -> list[Adoption]:
    """Each group's adoption (``run`` planned with ``Options(adopt=True)``)."""
    return [_adoption(run, target) for target in run.targets]


def write_pins(adoption: Adoption) -> list[tuple[str, int]]:
    """Write the uuid pins into the group's manifest files: (file, pins added) per file."""
    from ptsync.manifest.writeback import insert_uuids

    wanted = {p.external_id: p.uuid for p in adoption.pins}
    written = []
    for member in adoption.target.group.members:
        added = insert_uuids(member, wanted) if wanted else 0
        if added:
            written.append((str(member.path), added))
    return written


def _adoption(run: Run, target: Target) -> Adoption:
    planned = run.plan_target(target)
    twins = _twins(planned)
    if twins:  # a possible duplicate shows no marker change until it is pinned to its video
        planned = run.plan_target(target, _pinned(planned.desired, twins))
    pins = (*_matched_pins(planned), *twins)
    adopted = dataclasses.replace(planned, plan=adoption_plan(planned.plan, twins))
    return Adoption(target, planned, adopted, pins)


def _twins(group: PlannedGroup) -> list[Pin]:
    """Entries held back as possible duplicates that have exactly one candidate video."""
    held = {n.external_id for n in group.plan.notices if n.kind is NoticeKind.POSSIBLE_DUPLICATE}
    pins = []
    for found in group.matching.matches:
        if found.desired.external_id not in held:
            continue
        candidates = possible_duplicates(group.desired, found, group.matching)
        if len(candidates) == 1:
            pins.append(Pin(found.desired.external_id, candidates[0].uuid, "same name"))
    return pins


def _pinned(desired: DesiredState, pins: Sequence[Pin]) -> DesiredState:
    videos = dict(desired.videos)
    for pin in pins:
        videos[pin.external_id] = dataclasses.replace(videos[pin.external_id], uuid=pin.uuid)
    return dataclasses.replace(desired, videos=videos)


def _matched_pins(group: PlannedGroup) -> list[Pin]:
    """Entries matched some other way than a pinned uuid (marker, import URL, file name)."""
    return [
        Pin(m.desired.external_id, m.live.uuid, f"matched by {m.by}")
        for m in group.matching.matches
        if m.live is not None and not m.desired.uuid
    ]


def adoption_plan(plan: Plan, twins: Sequence[Pin]) -> Plan:
    """The plan cut down to what adopt does: the video updates that write a marker, with
    the notices that still concern a person."""
    adopted = {p.external_id for p in twins}
    keep = tuple(
        c
        for c in plan.videos
        if isinstance(c, UpdateVideo) and any(f.field == "marker" for f in c.changes)
    )
    return Plan(
        instance_url=plan.instance_url,
        system=plan.system,
        changes=keep,
        unchanged=plan.unchanged,
        notices=tuple(n for n in plan.notices if _still_shown(n, adopted)),
        labels=plan.labels,
        managed_total=plan.managed_total,
        rule_matched=plan.rule_matched,
    )


def _still_shown(notice: Notice, adopted: set[str]) -> bool:
    if notice.kind is NoticeKind.UNADOPTED:
        return False
    return not (notice.kind is NoticeKind.POSSIBLE_DUPLICATE and notice.external_id in adopted)
