"""Updates of videos the manifest does not list, by its bulk rules (``ptsync.plan.rules``).

Rules change only what is free to change: a video owned by another system, or released by
this manifest, is changed only by rules that say ``owner: any``; what the others would have
changed is counted in one informational notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ptsync.plan import rules as rules_mod
from ptsync.plan.changes import MatchedBy, Notice, NoticeKind, UpdateVideo
from ptsync.plan.chapters_passwords import password_protected
from ptsync.plan.diff import diff_fields
from ptsync.plan.match import Matching
from ptsync.plan.rules import RuleTarget
from ptsync.state import DesiredState, LiveVideo, Rule


@dataclass(frozen=True)
class RuleUpdates:
    changes: tuple[UpdateVideo, ...]
    notices: tuple[Notice, ...]
    matched: int  # unlisted videos the rules select (the base of their safety threshold)


def plan_rule_updates(desired: DesiredState, matching: Matching) -> RuleUpdates:
    changes: list[UpdateVideo] = []
    skipped: list[RuleTarget] = []
    ruled = 0
    for target in rules_mod.targets(desired.system, matching) if desired.rules else ():
        allowed = rules_mod.allowed(desired.rules, target)
        ruled += bool(rules_mod.set_by_rules(allowed, target.video.fields))
        update = _plan_rules(allowed, target.video)
        if update is not None:
            changes.append(update)
        if not target.free and _held_back(desired, target, update):
            skipped.append(target)
    notices = _rules_skipped_notice(desired.system, skipped)
    return RuleUpdates(tuple(changes), tuple(notices), ruled)


def _held_back(desired: DesiredState, target: RuleTarget, update: UpdateVideo | None) -> bool:
    """Rules without ``owner: any`` would change this owned (or released) video."""
    everything = _plan_rules(desired.rules, target.video)
    return everything is not None and (update is None or everything.changes != update.changes)


def _rules_skipped_notice(system: str, skipped: list[RuleTarget]) -> list[Notice]:
    """One notice counting the videos rules left alone because they are not this manifest's:
    informational (it never makes ``--detailed-exitcode`` exit 2), so two systems sharing an
    account both converge to "No changes"."""
    if not skipped:
        return []
    owners: dict[str, int] = {}
    for target in skipped:
        key = "released by this manifest" if target.released else f"owned by {target.owner}"
        owners[key] = owners.get(key, 0) + 1
    whose = ", ".join(f"{count} {key}" for key, count in sorted(owners.items()))
    shown = ", ".join(t.video.uuid for t in skipped[:3]) + (" …" if len(skipped) > 3 else "")
    many = len(skipped) != 1
    return [
        Notice(
            NoticeKind.RULES_SKIPPED,
            f"rules leave {len(skipped)} video{'s' if many else ''} that they would change "
            f"alone, as {'they are' if many else 'it is'} not {system}'s ({whose}: {shown}); "
            "`owner: any` in a rule's match lets that rule change them",
        )
    ]


def _plan_rules(rules: Sequence[Rule], video: LiveVideo) -> UpdateVideo | None:
    fields = rules_mod.set_by_rules(rules, video.fields)
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
        matched_by=MatchedBy.RULE,
        password_protected=password_protected(fields, video),
    )
