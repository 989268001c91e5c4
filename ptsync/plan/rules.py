"""Bulk rules: ``match`` selects live videos, listed in the manifest or not; ``set`` manages them.

Precedence for a listed video: its own fields > rules (later rules win) > its channel's
defaults (``channels[].defaults``) > the file's defaults.
An unlisted video gets only what rules set; rules never touch its description or marker.

Ownership holds for rules as for entries: a video that carries another system's marker, or
that this manifest let go (``lifecycle: unmanaged``, recognised after its marker is gone by its
pinned uuid, import URL or upload filename), is changed only by a rule whose match says
``owner: any``. Two systems sharing an account then never undo each other's settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from ptsync.fields import DETAIL_FIELDS
from ptsync.plan.match import Matching
from ptsync.plan.release import carries_marker
from ptsync.state import DesiredVideo, Lifecycle, LiveVideo, Rule, RuleMatch


@dataclass(frozen=True)
class RuleTarget:
    """A video the manifest does not list (or lets go) that rules may select. ``owner``: the
    other system whose marker it carries; ``released``: this manifest let it go. Either one
    means only ``owner: any`` rules may change it."""

    video: LiveVideo
    owner: str | None = None
    released: bool = False

    @property
    def free(self) -> bool:
        return self.owner is None and not self.released


def targets(system: str, matching: Matching) -> Iterator[RuleTarget]:
    """Unlisted videos (this system's own markers aside: orphans are pruned, not ruled) and
    videos of released entries whose marker is gone (one still carrying it is released by
    this plan, and ruled from the next one on, with ``owner: any``)."""
    for video in matching.unlisted:
        marker = video.marker
        if marker is not None and marker.system == system:
            continue
        yield RuleTarget(video, marker.system if marker is not None else None)
    for found in matching.matches:
        entry, let_go = found.desired, found.live
        if entry.lifecycle is Lifecycle.MANAGED or let_go is None:
            continue
        if not carries_marker(system, entry.external_id, let_go):
            yield RuleTarget(let_go, released=True)


def allowed(rules: Iterable[Rule], target: RuleTarget) -> list[Rule]:
    """The rules that may change ``target``."""
    return [r for r in rules if target.free or r.match.any_owner]


def matches(match: RuleMatch, view: Mapping[str, Any]) -> bool:
    """Every given condition must hold; ``view`` holds the video's effective field values."""
    if match.channel is not None and view.get("channel") != match.channel:
        return False
    if match.tag is not None and match.tag not in (view.get("tags") or ()):
        return False
    return match.name is None or fnmatchcase(view.get("name") or "", match.name)


def set_by_rules(rules: Iterable[Rule], view: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for rule in rules:
        if matches(rule.match, view):
            result.update(rule.fields)
    return result


_DEFAULTS_PATH = re.compile(r"^(?:channels\[\d+\]\.)?defaults(?:\.|$)")


def explicit_fields(entry: DesiredVideo) -> set[str]:
    """Fields the entry sets itself, as opposed to inheriting them from the file's
    ``defaults`` or its channel's (``channels[].defaults``)."""
    return {
        name
        for name in entry.fields
        if not (ref := entry.field_refs.get(name)) or not _DEFAULTS_PATH.match(ref.path)
    }


def effective_fields(
    entry: DesiredVideo, rules: Iterable[Rule], live: LiveVideo | None
) -> dict[str, Any]:
    """The entry's fields with rules layered between its defaults and its own values."""
    view = {**(live.fields if live else {}), **entry.fields}
    ruled = set_by_rules(rules, view)
    explicit = explicit_fields(entry)
    merged = dict(entry.fields)
    merged.update({k: v for k, v in ruled.items() if k not in explicit})
    return merged


def could_apply(rules: Iterable[Rule], video: LiveVideo) -> list[Rule]:
    """Rules that may select ``video`` judging by list fields alone (tags need details)."""
    view = dict(video.fields)
    out = []
    for rule in rules:
        loose = RuleMatch(rule.match.all, rule.match.channel, None, rule.match.name)
        if matches(loose, view):
            out.append(rule)
    return out


def rule_needs_detail(rules: Iterable[Rule], video: LiveVideo) -> bool:
    candidates = could_apply(rules, video)
    return any(r.match.tag is not None or set(r.fields) & DETAIL_FIELDS for r in candidates)
