"""``ptsync adopt``: take over videos that exist — pin their uuids, write their markers.

Adopt never creates (nor deletes, nor touches playlists and channels): it writes the marker of
every manifest entry that matches an existing video, and pins the entry to that video's uuid
in the manifest file. An entry the plan holds back as a *possible duplicate* (no marker, but
exactly one unmanaged video with its name in its channel) is adopted too: that video is what
the person meant. Where several videos share the name, nothing is guessed: the notice stays.
The plan shown is exactly what adopt does; what is left (creates, other updates) stays
``ptsync apply``'s job and is counted at the end.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from ptsync.cli.console import info, out, plural
from ptsync.cli.flow import applying, confirm, finish, render
from ptsync.cli.interrupts import Interrupts
from ptsync.errors import EXIT_OK
from ptsync.live.fetch import PlannedGroup
from ptsync.plan.changes import NoticeKind, Plan, UpdateVideo
from ptsync.plan.videos import possible_duplicates
from ptsync.session import Options, Run, Target


@dataclass(frozen=True)
class Pin:
    external_id: str
    uuid: str
    how: str  # "matched by marker", "same name", ...


def run_adopt(
    paths: Sequence[str] | None, options: Options, *, auto_approve: bool, write_uuids: bool
) -> int:
    with Interrupts() as interrupts, Run(paths, options) as run:
        planned, twins = _plan_with_twins(run)
        pins = {
            id(t): _matched_pins(g) + twins[id(t)]
            for t, g in zip(run.targets, planned, strict=True)
        }
        adoption = [_adoption(g, twins[id(t)]) for t, g in zip(run.targets, planned, strict=True)]
        out(render(adoption))
        if write_uuids:
            _show_pins(run, pins)
        left = _changes_left(planned, adoption)
        markers = any(a.plan.has_changes for a in adoption)
        if not markers and not (write_uuids and any(pins.values())):
            info("Nothing to adopt.")
            _left_for_apply(left)
            return EXIT_OK
        confirm(auto_approve, "Adopt these videos (markers and uuid pins)?")
        if write_uuids:
            for target in run.targets:
                _write_pins(target, pins[id(target)])
        code = _write_markers(run, interrupts, adoption) if markers else EXIT_OK
        _left_for_apply(left)
        return code


def _plan_with_twins(run: Run) -> tuple[list[PlannedGroup], dict[int, list[Pin]]]:
    """A possible duplicate shows no marker change until its entry is pinned to the video,
    so when there are any, plan a second time with them pinned (in memory only).
    """
    planned = run.plan()
    twins = {id(t): _twins(t, g) for t, g in zip(run.targets, planned, strict=True)}
    if any(twins.values()):
        for target in run.targets:
            _pin_in_memory(target, twins[id(target)])
        planned = run.plan()
    return planned, twins


def _show_pins(run: Run, pins: dict[int, list[Pin]]) -> None:
    """The uuid pins change manifest files, not the instance, so the plan does not show
    them: list them before asking, with how each video was found.
    """
    for target in run.targets:
        for pin in pins[id(target)]:
            info(f"  pin {pin.external_id}: uuid {pin.uuid} ({pin.how})")


def _changes_left(planned: list[PlannedGroup], adoption: list[PlannedGroup]) -> int:
    """What the full plan holds beyond adopt's part, so the person knows apply has work."""
    return sum(
        len(g.plan.changes) - len(a.plan.changes) for g, a in zip(planned, adoption, strict=True)
    )


def _write_markers(run: Run, interrupts: Interrupts, adoption: list[PlannedGroup]) -> int:
    """Markers are written through the ordinary apply path, so progress, interruption and
    the exit code behave exactly as in ``ptsync apply``.
    """
    reports = applying(run, interrupts, lambda hooks: run.apply(adoption, hooks))
    return finish(reports, None, run.stop, interrupts)


def _twins(target: Target, group: PlannedGroup) -> list[Pin]:
    """Entries held back as possible duplicates that have exactly one candidate video."""
    held = {n.external_id for n in group.plan.notices if n.kind is NoticeKind.POSSIBLE_DUPLICATE}
    if not held or group.matching is None or target.desired is None:
        return []
    pins = []
    for found in group.matching.matches:
        if found.desired.external_id not in held:
            continue
        candidates = possible_duplicates(target.desired, found, group.matching)
        if len(candidates) == 1:
            pins.append(Pin(found.desired.external_id, candidates[0].uuid, "same name"))
    return pins


def _pin_in_memory(target: Target, pins: list[Pin]) -> None:
    if not pins or target.desired is None:
        return
    videos = dict(target.desired.videos)
    for pin in pins:
        videos[pin.external_id] = dataclasses.replace(videos[pin.external_id], uuid=pin.uuid)
    target.desired = dataclasses.replace(target.desired, videos=videos)


def _matched_pins(group: PlannedGroup) -> list[Pin]:
    """Entries matched some other way than a pinned uuid (marker, import URL, file name)."""
    found = group.matching.matches if group.matching else ()
    return [
        Pin(m.desired.external_id, m.live.uuid, f"matched by {m.by}")
        for m in found
        if m.live is not None and not m.desired.uuid
    ]


def _adoption(group: PlannedGroup, twins: list[Pin]) -> PlannedGroup:
    """The plan cut down to what adopt does: the video updates that write a marker."""
    plan = group.plan
    adopted = {p.external_id for p in twins}
    keep = tuple(
        c
        for c in plan.videos
        if isinstance(c, UpdateVideo) and any(f.field == "marker" for f in c.changes)
    )
    notices = tuple(
        n
        for n in plan.notices
        if not (n.kind is NoticeKind.POSSIBLE_DUPLICATE and n.external_id in adopted)
        and n.kind is not NoticeKind.UNADOPTED
    )
    cut = Plan(
        instance_url=plan.instance_url,
        system=plan.system,
        changes=keep,
        unchanged=plan.unchanged,
        notices=notices,
        labels=plan.labels,
        managed_total=plan.managed_total,
        rule_matched=plan.rule_matched,
    )
    return dataclasses.replace(group, plan=cut)


def _write_pins(target: Target, pins: list[Pin]) -> None:
    from ptsync.manifest.writeback import insert_uuids

    wanted = {p.external_id: p.uuid for p in pins}
    for member in target.group.members:
        added = insert_uuids(member, wanted) if wanted else 0
        if added:
            info(f"Pinned {plural(added, 'uuid')} in {member.path}")


def _left_for_apply(count: int) -> None:
    if count:
        info(f"Left for `ptsync apply` (adopt never creates): {plural(count, 'change')}.")
