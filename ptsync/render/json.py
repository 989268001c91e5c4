"""``--format json``: the documented plan document (see ptsync.store.serialize)."""

from __future__ import annotations

import json

from ptsync.plan.changes import Plan
from ptsync.store.serialize import FORMAT_VERSION, plan_to_dict


def render_json(plans: list[Plan]) -> str:
    """One document for all planned (instance, system) groups, stable key order."""
    doc = {
        "format_version": FORMAT_VERSION,
        "plans": [plan_to_dict(p) for p in plans],
        "summary": _total(plans),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def _total(plans: list[Plan]) -> dict[str, int]:
    total = {"create": 0, "update": 0, "delete": 0, "unchanged": 0}
    for plan in plans:
        s = plan.summary
        total["create"] += s.create
        total["update"] += s.update
        total["delete"] += s.delete
        total["unchanged"] += s.unchanged
    return total
