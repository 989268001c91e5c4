"""Safety thresholds, like octoDNS's: a plan that changes too much of what exists is refused.

Updates and deletes are each checked against the videos they could touch: listed updates and
all deletes against the videos this system manages (carrying its marker), rule updates of
unlisted videos against the videos the rules match. A share above the threshold is refused
(exit 4) only once there are at least ``min_existing`` such videos: changing 2 of 3 videos is
an ordinary edit, rewriting 300 of 400 is a rule written too widely. The plan is still shown, so
the reviewer sees what would have happened; ``--force`` (or the manifest's ``safety:``) allows it.
Deleting copies that carry the same marker (repairs of ptsync's own duplicates) never counts,
nor does letting a video go (``lifecycle: unmanaged``: only its marker is removed).
"""

from __future__ import annotations

from dataclasses import dataclass

from ptsync.errors import TooMuchChange
from ptsync.options import DEFAULTS
from ptsync.plan.changes import DeleteVideo, Plan, UpdateVideo

DEFAULT_MAX_FRACTION = DEFAULTS.max_update_fraction  # the library's (ptsync.options)
DEFAULT_MIN_EXISTING = DEFAULTS.safety_min_existing
MANAGED, RULED = "managed videos", "videos the rules match"


@dataclass(frozen=True)
class Thresholds:
    max_update_fraction: float = DEFAULTS.max_update_fraction
    max_delete_fraction: float = DEFAULTS.max_delete_fraction
    min_existing: int = DEFAULTS.safety_min_existing


@dataclass(frozen=True)
class Share:
    what: str  # "update" | "delete" (words of the message)
    of: str  # "managed videos" | "videos the rules match"
    count: int
    total: int
    limit: float

    @property
    def too_much(self) -> bool:
        return self.total >= 1 and self.count / self.total > self.limit


def shares(plan: Plan, thresholds: Thresholds) -> list[Share]:
    """The shares that are checked, for the message and for tests at the boundaries."""
    managed = plan.managed_total
    updates = plan.of(UpdateVideo)
    listed = [u for u in updates if u.external_id is not None and not u.release]
    by_rule = [u for u in updates if u.external_id is None]
    deletes = [d for d in plan.of(DeleteVideo) if not _repairs_duplicate(d)]
    out = []
    if managed >= thresholds.min_existing:
        out.append(Share("update", MANAGED, len(listed), managed, thresholds.max_update_fraction))
        out.append(Share("delete", MANAGED, len(deletes), managed, thresholds.max_delete_fraction))
    rule_total = plan.rule_matched
    if rule_total >= thresholds.min_existing:
        out.append(Share("update", RULED, len(by_rule), rule_total, thresholds.max_update_fraction))
    return out


def check_safety(plan: Plan, thresholds: Thresholds, force: bool) -> None:
    if force:
        return
    for share in shares(plan, thresholds):
        if share.too_much:
            raise TooMuchChange(
                f"refusing to {share.what} {share.count} of {share.total} {share.of} "
                f"({share.count / share.total:.0%} > {share.limit:.0%}); review the plan above, "
                "then re-run with --force to allow it"
            )


def _repairs_duplicate(delete: DeleteVideo) -> bool:
    return delete.duplicate_of is not None
