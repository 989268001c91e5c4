"""Saved plans (``plan --out FILE``, ``apply FILE``): apply exactly what was reviewed, or refuse.

The file records what the plan was computed from: the manifest paths and each group's digest
(manifest texts plus every referenced file's hash), and for every touched video the
``updatedAt`` the plan saw. ``apply FILE`` refuses (exit 4) when the manifests changed, when a
touched video changed since (PeerTube bumps ``updatedAt`` on every edit), or when a video the
plan would create appeared meanwhile. No secrets are stored: only what the plan shows (source
URLs redacted; apply takes the real one from the manifest entry).

A plan file is not trusted as written. It carries ``digest``, a SHA-256 over the canonical
JSON of everything else in it, and ``load`` refuses a file whose digest does not fit (an edit
after ``ptsync plan`` wrote it): UntrustedPlan, exit 4. A digest anyone can recompute proves
no author, so apply also re-checks every touched video's ownership against the live listing
(``ptsync.store.trust``): an edit that fixes the digest still cannot aim a change at a video
this system does not own.

Paths (the manifests, files to upload, thumbnails, captions) are written relative to the plan
file's folder, as ``./…`` or ``../…``, so ``apply FILE`` works from any folder (and from
another checkout of the same repository); a path written without that prefix is used as it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ptsync import __version__
from ptsync.errors import PlanFileError, StalePlan, UntrustedPlan
from ptsync.plan.changes import CreateVideo, DeleteVideo, Plan, UpdateVideo
from ptsync.plan.codec import plan_from_dict, plan_to_dict
from ptsync.state import LiveState

Convert = Callable[[str], str]
KIND = "ptsync-plan"
# 5: playlists by uuid; 4: a digest of the file's contents; 3: paths relative to the plan
# file; 2: typed channel and playlist changes
FORMAT_VERSION = 5
DIGEST = "sha256"


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
    to_file = _relative_to(path.parent)

    def files(name: str) -> str:  # planned files are absolute (resolved by the manifest loader)
        return to_file(name) if os.path.isabs(name) else name

    doc = {
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "ptsync_version": __version__,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "manifests": [to_file(m) for m in manifests],
        "groups": [
            {"digest": g.digest, "plan": _paths(plan_to_dict(g.plan), files)} for g in groups
        ],
    }
    doc["digest"] = f"{DIGEST}:{contents_digest(doc)}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot write the plan file ({exc.strerror})") from None


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
    if doc.get("digest") != f"{DIGEST}:{contents_digest(doc)}":
        raise UntrustedPlan(
            f"{path}: refusing a plan file that was changed after ptsync wrote it (its digest "
            "does not match its contents); re-run plan"
        )
    from_file = _resolved_from(path.parent)
    groups = tuple(_group(g, from_file) for g in doc.get("groups", []))
    manifests = tuple(from_file(str(m)) for m in doc.get("manifests", []))
    return SavedPlan(manifests, groups, str(doc.get("created_at", "")))


def contents_digest(doc: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of ``doc`` without its
    ``digest``: the same for a file and for any re-indented copy of it."""
    body = {k: v for k, v in doc.items() if k != "digest"}
    canonical = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _group(data: Any, from_file: Convert) -> SavedGroup:
    if not isinstance(data, dict) or not isinstance(data.get("plan"), dict):
        raise PlanFileError("plan file group is malformed")
    return SavedGroup(str(data.get("digest", "")), plan_from_dict(_paths(data["plan"], from_file)))


def _relative_to(folder: Path) -> Convert:
    base = os.path.abspath(folder)

    def convert(name: str) -> str:
        relative = os.path.relpath(os.path.abspath(name), base)
        return relative if relative.startswith("..") else f"./{relative}"

    return convert


def _resolved_from(folder: Path) -> Convert:
    base = os.path.abspath(folder)

    def convert(name: str) -> str:
        if name.startswith(("./", "../")):
            return os.path.normpath(os.path.join(base, name))
        return name

    return convert


def _paths(value: Any, convert: Convert) -> Any:
    """The plan document with every local file path passed through ``convert``: ``path`` of
    files (objects with a ``digest``), an upload's ``source``, a replaced ``source_file``."""
    if isinstance(value, list):
        return [_paths(v, convert) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _paths(v, convert) for k, v in value.items()}
    if isinstance(out.get("path"), str) and "digest" in out:
        out["path"] = convert(out["path"])
    if isinstance(out.get("source"), str) and out.get("method") == "upload":
        out["source"] = convert(out["source"])
    if isinstance(out.get("source_file"), str) and "://" not in out["source_file"]:
        out["source_file"] = convert(out["source_file"])
    return out


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
