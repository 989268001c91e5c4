"""Bulk rules: ``match`` selects live videos, listed in the manifest or not; ``set`` manages them.

Precedence for a listed video: its own fields > rules (later rules win) > the file's defaults.
An unlisted video gets only what rules set; rules never touch its description or marker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from ptsync.fields import DETAIL_FIELDS
from ptsync.state import DesiredVideo, LiveVideo, Rule, RuleMatch


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


def explicit_fields(entry: DesiredVideo) -> set[str]:
    """Fields the entry sets itself, as opposed to inheriting them from ``defaults``."""
    return {
        name
        for name in entry.fields
        if not (ref := entry.field_refs.get(name)) or not ref.path.startswith("defaults")
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
