"""Saved plans (``plan --out FILE``, ``apply FILE``): apply exactly what was reviewed, or refuse.

The file records what the plan was computed from: the manifest paths and each group's digest
(manifest texts plus every referenced file's hash), and for every touched video the
``updatedAt`` the plan saw. ``apply FILE`` refuses (exit 4) when the manifests changed, when a
touched video changed since (PeerTube bumps ``updatedAt`` on every edit), or when a video the
plan would create appeared meanwhile. No secrets are stored: only what the plan shows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ptsync import __version__
from ptsync.errors import PlanFileError, StalePlan
from ptsync.plan.changes import CreateVideo, DeleteVideo, Plan, UpdateVideo
from ptsync.state import LiveState
from ptsync.store.serialize import plan_from_dict, plan_to_dict

KIND = "ptsync-plan"
FORMAT_VERSION = 2  # 2: channel and playlist changes are typed (format 1 had a free payload)


@dataclass(frozen=True)
class SavedGroup:
    digest: str
    plan: Plan


@dataclass(frozen=True)
class SavedPlan:
    manifests: tuple[str, ...]
    groups: tuple[SavedGroup, ...]
    created_at: str


def save(path: Path, manifests: Sequence[str], groups: Iterable[SavedGroup]) -> None:
    doc = {
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "ptsync_version": __version__,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "manifests": list(manifests),
        "groups": [{"digest": g.digest, "plan": plan_to_dict(g.plan)} for g in groups],
    }
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")


def is_plan_file(path: Path) -> bool:
    """Manifests are YAML files or folders; any other file given to apply is a saved plan."""
    return path.is_file() and path.suffix.lower() not in (".yaml", ".yml")


def load(path: Path) -> SavedPlan:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlanFileError(f"{path}: cannot read plan file ({exc})") from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise PlanFileError(f"{path}: not a ptsync plan file")
    if doc.get("format_version") != FORMAT_VERSION:
        raise PlanFileError(
            f"{path}: plan file format {doc.get('format_version')}, this ptsync reads format "
            f"{FORMAT_VERSION}: re-run plan"
        )
    groups = tuple(_group(g) for g in doc.get("groups", []))
    return SavedPlan(tuple(doc.get("manifests", [])), groups, str(doc.get("created_at", "")))


def _group(data: Any) -> SavedGroup:
    if not isinstance(data, dict) or "plan" not in data:
        raise PlanFileError("plan file group is malformed")
    return SavedGroup(str(data.get("digest", "")), plan_from_dict(data["plan"]))


def check_fresh(saved: SavedGroup, digest: str, live: LiveState) -> None:
    """Raise StalePlan naming every reason the saved plan no longer fits."""
    reasons = []
    if saved.digest != digest:
        reasons.append("the manifests (or files they reference) changed since the plan was made")
    by_uuid = live.by_uuid()
    for change in saved.plan.changes:
        if isinstance(change, UpdateVideo | DeleteVideo):
            video = by_uuid.get(change.uuid)
            if video is None:
                reasons.append(f"video {change.uuid} ({change.name!r}) no longer exists")
            elif video.updated_at != change.updated_at:
                reasons.append(f"video {change.uuid} ({change.name!r}) changed since the plan")
    system = saved.plan.system
    marked = {v.marker.external_id for v in live.videos if v.marker and v.marker.system == system}
    for change in saved.plan.of(CreateVideo):
        if change.external_id in marked:
            reasons.append(f"{change.external_id} was created since the plan was made")
    if reasons:
        raise StalePlan("saved plan is stale: " + "; ".join(reasons) + ". Run plan again.")
