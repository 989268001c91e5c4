"""Plans to plain JSON and back: the documented ``--format json`` and the saved plan file.

The codec is derived from the change types: every change, notice and nested value is written
field by field from ``dataclasses.fields`` and read back by the fields' type hints, so a field
added to a change kind is saved, loaded and checked with no edit here. Values are encoded by
type: enums as their value, tuples as lists, ``Path`` as text, ``Marker`` as the rendered
comment, ``SourceRef`` as ``"file:line:col:path"`` under the key ``location`` (``ref`` is the
one renamed field), nested dataclasses (FieldChange, LocalFile, CaptionFile) as objects, and
``Any`` values (the API value space) as JSON values: a tuple comes back as a list.

JSON shape (``format_version`` 1)::

    {"format_version": 1, "instance": URL, "system": S,
     "summary": {"create": n, "update": n, "delete": n, "unchanged": n},
     "changes": [                                   # video changes, in apply order
       {"action": "create", "external_id": …, "name": …, "method": "import"|"upload",
        "source": …, "source_digest": …, "source_size": n|null, "fields": {…},
        "marker": "<!-- ptsync:… -->", "location": "file:line:col:path",
        "thumbnail": {"path": …, "digest": …}|null,
        "captions": [{"language": …, "path": …, "digest": …}], "reason": …,
        "chapters": [{"timecode": s, "title": …}]|null, "schedule": {"update_at": …,
        "privacy": n}|null, "passwords_env": NAME|null, "mirror": URL|null},
       {"action": "update", "external_id": …|null, "uuid": …, "name": …, "updated_at": …,
        "matched_by": "marker"|"uuid"|"import"|"filename"|"rule", "location": …|null,
        "changes": [{"field": …, "old": …, "new": …}], "marker": …|null, "description": …,
        "thumbnail": …, "captions_put": […], "captions_delete": [lang],
        "source_file": …, "password_protected": bool, "retry_import": n|null,
        "chapters": […]|null, "schedule": {…}|null, "unschedule": bool,
        "passwords_env": NAME|null, "release": bool},
       {"action": "delete", "external_id": …, "uuid": …, "name": …, "updated_at": …,
        "reason": …}],
     "resources": [                                 # channel, playlist, then sync changes
       {"action": …, "resource": "channel"|"playlist"|"sync", "key": name or external id,
        "changes": [{"field": …, "old": …, "new": …}], "ops": ["add ID", "remove UUID",
        "move ID", …], …the kind's own fields:
          create/update channel: "name", and "fields" (create);
          create playlist: "external_id", "fields", "marker", "videos": [external id],
            "uuids": [uuid|null], "thumbnail";
          update playlist: the same and "uuid"; delete playlist: "external_id", "uuid";
          create sync: "channel", "url", "privacy", "location", "replaces" (a sync id|null);
          update sync (retry its failed imports): "id", "channel", "url", "retry_imports";
          delete sync: "id", "channel", "url", "reason"}],
     "notices": [{"kind": …, "message": …, "external_id": …|null,
                  "location": "file:line:col:path"|null}],
     "managed_total": n, "labels": {field: {id: label}}}

A saved plan file (``ptsync.store.planfile``, file format 2) holds one such document per
manifest group. A change is read back by its ``(resource, action)`` (``resource`` is absent
for videos); keys that are not fields of its kind (``key``, derived ``changes``/``ops``, a
create's ``name``) are written for readers only. A value that does not fit its field's type
is refused with a PlanFileError naming its place (``changes[2].marker``).
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Mapping
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, get_args, get_origin

from ptsync.errors import PlanFileError
from ptsync.marker import Marker, parse_description
from ptsync.plan.changes import (
    KINDS,
    Action,
    Change,
    CreateVideo,
    FieldChange,
    Notice,
    Plan,
    Resource,
    ResourceChange,
)
from ptsync.sourceref import SourceRef

FORMAT_VERSION = 1
_KEYS = {"ref": "location"}  # field name → JSON key, where they differ
_BY_TAG: dict[tuple[Resource, Action], type[Change]] = {(k.resource, k.action): k for k in KINDS}
_REF_RE = re.compile(r"^(?P<file>.*):(?P<line>\d+):(?P<col>\d+):(?P<path>[^:]*)$")


class _Bad(Exception):
    """A value that does not fit its field; ``where`` is its JSON path."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"{where}: {problem}")


# ------------------------------------------------------------------------------ plans


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
        "changes": [change_to_dict(c) for c in plan.videos],
        "notices": [_encode(n, Notice) for n in plan.notices],
        "managed_total": plan.managed_total,
        "rule_matched": plan.rule_matched,
        "labels": {k: dict(v) for k, v in plan.labels.items()},
        "resources": [change_to_dict(r) for r in plan.resources],
    }


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    try:
        videos = [_change_back(c, f"changes[{i}]") for i, c in enumerate(data["changes"])]
        others = data.get("resources", [])
        resources = [_change_back(c, f"resources[{i}]") for i, c in enumerate(others)]
        notices = data.get("notices", [])
        return Plan(
            instance_url=_decode(data["instance"], str, "instance"),
            system=_decode(data["system"], str, "system"),
            changes=(*videos, *resources),
            unchanged=_decode(data["summary"]["unchanged"], int, "summary.unchanged"),
            notices=tuple(_decode(n, Notice, f"notices[{i}]") for i, n in enumerate(notices)),
            labels=_decode(data.get("labels", {}), Mapping[str, Mapping[str, str]], "labels"),
            managed_total=_decode(data.get("managed_total", 0), int, "managed_total"),
            rule_matched=_decode(data.get("rule_matched", 0), int, "rule_matched"),
        )
    except (_Bad, KeyError, TypeError, ValueError) as exc:
        raise PlanFileError(f"plan file is incomplete or corrupt ({exc})") from None


# ------------------------------------------------------------------------------ changes


def change_to_dict(change: Change) -> dict[str, Any]:
    out: dict[str, Any] = {"action": change.action.value}
    if change.resource is not Resource.VIDEO:
        out |= {"resource": change.resource.value, "key": change.key}
    out |= _encode_fields(change)
    if isinstance(change, ResourceChange):  # what a reviewer reads
        out.setdefault("changes", _encode(change.changes, tuple[FieldChange, ...]))
        out.setdefault("ops", list(change.ops))
    if isinstance(change, CreateVideo):  # every video change names its video
        out["name"] = change.fields.get("name")
    return out


def _change_back(data: Any, where: str) -> Change:
    if not isinstance(data, Mapping):
        raise _Bad(where, "expected an object")
    try:
        tag = (Resource(data.get("resource", Resource.VIDEO)), Action(data["action"]))
    except (KeyError, ValueError):
        raise _Bad(where, "no known resource and action") from None
    if tag not in _BY_TAG:
        raise _Bad(where, f"no {tag[1]} {tag[0]} change kind")
    change: Change = _decode(data, _BY_TAG[tag], where)
    return change


# ------------------------------------------------------------------------------ the codec


class _Leaf(NamedTuple):
    """A type written as one JSON string."""

    encode: Callable[[Any], str]
    decode: Callable[[str], Any]


def _marker_back(text: str) -> Marker:
    marker = parse_description(text).marker
    if marker is None:
        raise ValueError(f"invalid marker {text!r}")
    return marker


def _ref_text(ref: SourceRef) -> str:
    return f"{ref.file}:{ref.line}:{ref.col}:{ref.path}"


def _ref_back(text: str) -> SourceRef:
    found = _REF_RE.match(text)
    if found is None:
        raise ValueError(f"invalid location {text!r} (file:line:col:path)")
    return SourceRef(found["file"], int(found["line"]), int(found["col"]), found["path"])


_LEAVES: dict[Any, _Leaf] = {
    Marker: _Leaf(Marker.render, _marker_back),
    SourceRef: _Leaf(_ref_text, _ref_back),
    Path: _Leaf(str, Path),
}
_SCALARS: dict[Any, tuple[type, ...]] = {str: (str,), int: (int,), bool: (bool,)}


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _key(name: str) -> str:
    return _KEYS.get(name, name)


def _encode_fields(value: Any) -> dict[str, Any]:
    cls: type = type(value)
    hints = _hints(cls)
    return {
        _key(f.name): _encode(getattr(value, f.name), hints[f.name])
        for f in dataclasses.fields(value)
    }


def _encode(value: Any, hint: Any) -> Any:
    if value is None:
        return None
    hint = _required(hint)
    return _rule(hint).encode(value, hint)


def _decode(data: Any, hint: Any, where: str) -> Any:
    if data is None:
        if hint is Any or _optional(hint):
            return None
        raise _Bad(where, "missing")
    hint = _required(hint)
    return _rule(hint).decode(data, hint, where)


class _Rule(NamedTuple):
    """How values of the type hints it ``applies`` to are written and read back."""

    applies: Callable[[Any], bool]
    encode: Callable[[Any, Any], Any]  # (value, hint) → JSON
    decode: Callable[[Any, Any, str], Any]  # (JSON, hint, where) → value, or _Bad


@cache
def _rule(hint: Any) -> _Rule:
    for rule in _RULES:
        if rule.applies(hint):
            return rule
    raise NotImplementedError(f"the plan codec has no rule for {hint!r}")


def _plain(value: Any, hint: Any = Any) -> Any:
    """An ``Any`` value as JSON: the API value space holds scalars, lists and objects."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _leaf_back(data: Any, hint: Any, where: str) -> Any:
    try:
        return _LEAVES[hint].decode(_expect(data, (str,), where))
    except ValueError as exc:
        raise _Bad(where, str(exc)) from None


def _is_enum(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, Enum)


def _enum_back(data: Any, hint: Any, where: str) -> Any:
    try:
        return hint(data)
    except ValueError:
        raise _Bad(where, f"{data!r} is not one of {[m.value for m in hint]}") from None


def _object_back(data: Any, hint: Any, where: str) -> Any:
    return _decode_fields(hint, _expect(data, (Mapping,), where), where)


def _list(value: Any, hint: Any) -> list[Any]:
    (item, _) = get_args(hint)
    return [_encode(v, item) for v in value]


def _list_back(data: Any, hint: Any, where: str) -> tuple[Any, ...]:
    (item, _) = get_args(hint)
    items = _expect(data, (list,), where)
    return tuple(_decode(v, item, f"{where}[{i}]") for i, v in enumerate(items))


def _is_mapping(hint: Any) -> bool:
    return get_origin(hint) in (Mapping, dict)


def _object(value: Any, hint: Any) -> dict[str, Any]:
    return {str(k): _encode(v, get_args(hint)[1]) for k, v in value.items()}


def _mapping_back(data: Any, hint: Any, where: str) -> dict[str, Any]:
    pairs = _expect(data, (Mapping,), where)
    return {str(k): _decode(v, get_args(hint)[1], f"{where}.{k}") for k, v in pairs.items()}


def _scalar_back(data: Any, hint: Any, where: str) -> Any:
    if isinstance(data, bool) and hint is not bool:  # JSON true is not a number here
        raise _Bad(where, f"expected {hint.__name__}, got {data!r}")
    return _expect(data, _SCALARS[hint], where)


_RULES: tuple[_Rule, ...] = (
    _Rule(lambda hint: hint is Any, _plain, lambda data, hint, where: data),
    _Rule(lambda hint: hint in _LEAVES, lambda v, hint: _LEAVES[hint].encode(v), _leaf_back),
    _Rule(_is_enum, lambda v, hint: v.value, _enum_back),
    _Rule(dataclasses.is_dataclass, lambda v, hint: _encode_fields(v), _object_back),
    _Rule(lambda hint: get_origin(hint) is tuple, _list, _list_back),  # tuple[X, ...]
    _Rule(_is_mapping, _object, _mapping_back),
    _Rule(lambda hint: hint in _SCALARS, lambda v, hint: v, _scalar_back),
)


def _decode_fields(cls: type, data: Mapping[str, Any], where: str) -> Any:
    hints = _hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        key = _key(f.name)
        if key in data:
            values[f.name] = _decode(data[key], hints[f.name], f"{where}.{key}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise _Bad(where, f"{key!r} is missing")
    return cls(**values)


def _expect(data: Any, kinds: tuple[type, ...], where: str) -> Any:
    if not isinstance(data, kinds):
        raise _Bad(where, f"expected {' or '.join(k.__name__ for k in kinds)}, got {data!r}")
    return data


def _optional(hint: Any) -> bool:
    return get_origin(hint) in (typing.Union, types.UnionType) and type(None) in get_args(hint)


def _required(hint: Any) -> Any:
    """``X | None`` → ``X`` (a value is present); only optional unions occur in changes."""
    if get_origin(hint) not in (typing.Union, types.UnionType):
        return hint
    (inner,) = [a for a in get_args(hint) if a is not type(None)]
    return inner
