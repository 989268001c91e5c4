"""``--format json``: the documented plan document (see ptsync.plan.codec).

Two differences from the saved-plan encoding, for readers rather than for ``apply``: a
``location`` is an object (``file``, ``line``, ``column``, ``path``) instead of one
``file:line:col:path`` string, and ``labels`` holds only the labels of values the plan shows
(not the instance's whole vocabulary).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from ptsync.plan.changes import CreateVideo, Plan
from ptsync.plan.codec import FORMAT_VERSION, plan_to_dict
from ptsync.render.values import label_field


def render_json(plans: list[Plan]) -> str:
    """One document for all planned (instance, system) groups, stable key order."""
    doc = {
        "format_version": FORMAT_VERSION,
        "plans": [plan_document(p) for p in plans],
        "summary": _total(plans),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def plan_document(plan: Plan) -> dict[str, Any]:
    doc: dict[str, Any] = _locations(plan_to_dict(plan))
    doc["labels"] = used_labels(plan)
    return doc


def used_labels(plan: Plan) -> dict[str, dict[str, str]]:
    """``{field: {id: label}}`` for the values the plan's changes hold, nothing more."""
    used: dict[str, dict[str, str]] = {}
    for key, value in _values(plan):
        label = plan.labels.get(key, {}).get(str(value))
        if label is not None:
            used.setdefault(key, {})[str(value)] = label
    return {key: dict(sorted(found.items())) for key, found in sorted(used.items())}


def _values(plan: Plan) -> Iterator[tuple[str, Any]]:
    for change in plan.changes:
        if isinstance(change, CreateVideo):
            yield from change.fields.items()
        for c in getattr(change, "changes", ()):
            key = label_field(change.resource, c.field)
            yield key, c.old
            yield key, c.new


def location(text: str) -> dict[str, Any]:
    """``"file:line:col:path"`` (the saved-plan form) as an object."""
    file, line, column, path = text.rsplit(":", 3)
    return {"file": file, "line": int(line), "column": int(column), "path": path}


def _locations(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: location(v) if k == "location" and isinstance(v, str) else _locations(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_locations(v) for v in value]
    return value


def _total(plans: list[Plan]) -> dict[str, int]:
    total = {"create": 0, "update": 0, "delete": 0, "unchanged": 0}
    for plan in plans:
        s = plan.summary
        total["create"] += s.create
        total["update"] += s.update
        total["delete"] += s.delete
        total["unchanged"] += s.unchanged
    return total
