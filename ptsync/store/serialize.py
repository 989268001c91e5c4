"""Plans to plain JSON and back: the documented ``--format json`` and the saved plan file.

JSON shape (``format_version`` 1)::

    {"format_version": 1, "instance": URL, "system": S,
     "summary": {"create": n, "update": n, "delete": n, "unchanged": n},
     "changes": [{"action": "create"|"update"|"delete", "external_id": …, "uuid": …,
                  "name": …, "changes": [{"field": …, "old": …, "new": …}], …}],
     "notices": [{"kind": …, "message": …, "external_id": …, "location": "file:line:col"}]}
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ptsync.errors import PlanFileError
from ptsync.marker import Marker
from ptsync.plan.changes import (
    FORMAT_VERSION,
    Change,
    CreateVideo,
    DeleteVideo,
    FieldChange,
    Notice,
    Plan,
    UpdateVideo,
)
from ptsync.plan.resources import ResourceChange
from ptsync.sourceref import SourceRef
from ptsync.state import CaptionFile, LocalFile


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    summary = plan.summary
    return {
        "format_version": FORMAT_VERSION,
        "instance": plan.instance_url,
        "system": plan.system,
        "summary": {
            "create": summary.create,
            "update": summary.update,
            "delete": summary.delete,
            "unchanged": summary.unchanged,
        },
        "changes": [change_to_dict(c) for c in plan.changes],
        "notices": [_notice_to_dict(n) for n in plan.notices],
        "managed_total": plan.managed_total,
        "labels": {k: dict(v) for k, v in plan.labels.items()},
        "resources": [_resource_to_dict(r) for r in plan.resources],
    }


def _resource_to_dict(change: ResourceChange) -> dict[str, Any]:
    return {
        "action": change.kind,
        "resource": change.resource,
        "key": change.key,
        "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in change.changes],
        "operations": list(change.ops),
        "payload": dict(change.payload),
    }


def _resource_from_dict(data: Mapping[str, Any]) -> ResourceChange:
    return ResourceChange(
        kind=data["action"],
        resource=data["resource"],
        key=data["key"],
        changes=tuple(FieldChange(c["field"], c["old"], c["new"]) for c in data["changes"]),
        ops=tuple(data.get("operations", [])),
        payload=data.get("payload", {}),
    )


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    try:
        return Plan(
            instance_url=data["instance"],
            system=data["system"],
            changes=tuple(change_from_dict(c) for c in data["changes"]),
            unchanged=int(data["summary"]["unchanged"]),
            notices=tuple(_notice_from_dict(n) for n in data.get("notices", [])),
            labels=data.get("labels", {}),
            managed_total=int(data.get("managed_total", 0)),
            resources=tuple(_resource_from_dict(r) for r in data.get("resources", [])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanFileError(f"plan file is incomplete or corrupt ({exc})") from None


def change_to_dict(change: Change) -> dict[str, Any]:
    if isinstance(change, CreateVideo):
        return _create_to_dict(change)
    if isinstance(change, UpdateVideo):
        return _update_to_dict(change)
    assert isinstance(change, DeleteVideo)
    return {
        "action": "delete",
        "external_id": change.external_id,
        "uuid": change.uuid,
        "name": change.name,
        "updated_at": change.updated_at,
        "reason": change.reason,
    }


def _create_to_dict(change: CreateVideo) -> dict[str, Any]:
    return {
        "action": "create",
        "external_id": change.external_id,
        "method": change.method,
        "source": change.source,
        "source_digest": change.source_digest,
        "source_size": change.source_size,
        "name": change.fields.get("name"),
        "fields": dict(change.fields),
        "marker": change.marker.render(),
        "location": _ref(change.ref),
        "thumbnail": _file(change.thumbnail),
        "captions": [_caption(c) for c in change.captions],
        "reason": change.reason,
    }


def _update_to_dict(change: UpdateVideo) -> dict[str, Any]:
    return {
        "action": "update",
        "external_id": change.external_id,
        "uuid": change.uuid,
        "name": change.name,
        "updated_at": change.updated_at,
        "matched_by": change.matched_by,
        "location": _ref(change.ref),
        "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in change.changes],
        "marker": change.marker.render() if change.marker else None,
        "description": change.description,
        "thumbnail": _file(change.thumbnail),
        "captions_put": [_caption(c) for c in change.captions_put],
        "captions_delete": list(change.captions_delete),
        "source_file": change.source_file,
        "password_protected": change.password_protected,
    }


def change_from_dict(data: Mapping[str, Any]) -> Change:
    action = data["action"]
    if action == "create":
        return CreateVideo(
            external_id=data["external_id"],
            method=data["method"],
            source=data["source"],
            source_digest=data["source_digest"],
            source_size=data.get("source_size"),
            fields=dict(data["fields"]),
            marker=_marker(data["marker"]),
            ref=_parse_ref(data.get("location")),
            thumbnail=_file_back(data.get("thumbnail")),
            captions=tuple(_caption_back(c) for c in data.get("captions", [])),
            reason=data.get("reason"),
        )
    if action == "update":
        return _update_from_dict(data)
    if action == "delete":
        return DeleteVideo(
            uuid=data["uuid"],
            name=data["name"],
            updated_at=data["updated_at"],
            external_id=data["external_id"],
            reason=data.get("reason", ""),
        )
    raise PlanFileError(f"unknown change action {action!r}")


def _update_from_dict(data: Mapping[str, Any]) -> UpdateVideo:
    return UpdateVideo(
        uuid=data["uuid"],
        name=data["name"],
        updated_at=data["updated_at"],
        changes=tuple(FieldChange(c["field"], c["old"], c["new"]) for c in data["changes"]),
        external_id=data.get("external_id"),
        ref=_parse_ref(data.get("location")) if data.get("location") else None,
        matched_by=data.get("matched_by", "marker"),
        marker=_marker(data["marker"]) if data.get("marker") else None,
        description=data.get("description"),
        thumbnail=_file_back(data.get("thumbnail")),
        captions_put=tuple(_caption_back(c) for c in data.get("captions_put", [])),
        captions_delete=tuple(data.get("captions_delete", [])),
        source_file=data.get("source_file"),
        password_protected=bool(data.get("password_protected", False)),
    )


def _marker(text: str) -> Marker:
    from ptsync.marker import parse_description

    marker = parse_description(text).marker
    if marker is None:
        raise PlanFileError(f"invalid marker in plan file: {text!r}")
    return marker


def _ref(ref: SourceRef | None) -> str | None:
    if ref is None:
        return None
    return f"{ref.file}:{ref.line}:{ref.col}:{ref.path}"


def _parse_ref(text: str | None) -> SourceRef:
    if not text:
        return SourceRef("<plan>", 0, 0, "")
    file, line, col, path = text.rsplit(":", 3)
    return SourceRef(file, int(line), int(col), path)


def _file(item: LocalFile | None) -> dict[str, str] | None:
    return None if item is None else {"path": str(item.path), "digest": item.digest}


def _file_back(data: Mapping[str, Any] | None) -> LocalFile | None:
    return None if not data else LocalFile(Path(data["path"]), data["digest"])


def _caption(item: CaptionFile) -> dict[str, str]:
    return {"language": item.language, "path": str(item.path), "digest": item.digest}


def _caption_back(data: Mapping[str, Any]) -> CaptionFile:
    return CaptionFile(data["language"], Path(data["path"]), data["digest"])


def _notice_to_dict(notice: Notice) -> dict[str, Any]:
    return {
        "kind": notice.kind,
        "message": notice.message,
        "external_id": notice.external_id,
        "location": str(notice.ref) if notice.ref else None,
    }


def _notice_from_dict(data: Mapping[str, Any]) -> Notice:
    return Notice(data["kind"], data["message"], data.get("external_id"))
