"""Validate a manifest's data with pydantic, keeping every part that is valid.

pydantic refuses a whole model for one bad key, so the offline checks (limits, files,
duplicate ids) would wait for the next run and a user who fixed 3 errors would meet 6 more.
When the whole fails, the failing keys are left out (``videos[3].nsfw``, ``defaults.privacy``,
an unknown top-level key) and the rest is validated again; an entry that still fails without
them (a bad ``id``) is left out whole. The checks then run on what is left, each list item
keeping the index it has in the file (``positions``) so their problems point at the right
lines, and knowing what was left out (``dropped``) so they do not report its absence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ptsync.errors import Problem
from ptsync.manifest.models import API_VERSION, ManifestModel
from ptsync.manifest.problems import from_validation
from ptsync.manifest.yamldoc import Document

LISTS = ("videos", "playlists", "channels", "rules", "catalogues", "folders")
MAPPINGS = ("defaults", "instance", "files")
NESTED = {("channels", "mirrors")}  # lists inside list items whose keys are left out one by one
PLACEHOLDER_SYSTEM = "x"  # stands in for an invalid system so the rest can still be checked
Positions = Mapping[str, tuple[int, ...]]
Loc = tuple[Any, ...]


@dataclass(frozen=True)
class Validated:
    """The model (complete, or the valid parts), where its list items are, and what failed."""

    model: ManifestModel | None
    problems: list[Problem] = field(default_factory=list)
    positions: Positions = field(default_factory=dict)  # empty: items are where the model says
    dropped: frozenset[Loc] = frozenset()  # data paths left out, e.g. ("videos", 3, "uuid")
    system_known: bool = True


def validate(data: dict[Any, Any], doc: Document, file: str) -> Validated:
    try:
        return Validated(ManifestModel.model_validate(data))
    except ValidationError as exc:
        problems = from_validation(exc, ManifestModel, doc, file)
        dropped = {_unit(loc) for loc in _locs(exc)}
    for _ in range(2):  # then entries that need what was left out (an id): leave them out
        kept = _without(data, dropped)
        try:
            model = ManifestModel.model_validate(_complete(kept))
        except ValidationError as exc:
            dropped |= {loc[:2] for loc in _locs(exc) if loc[0] in LISTS and len(loc) > 1}
            continue
        positions = {key: _kept_index(data.get(key), key, dropped) for key in LISTS}
        return Validated(model, problems, positions, frozenset(dropped), "system" in kept)
    return Validated(None, problems)  # pragma: no cover - every failing part was left out


def _locs(exc: ValidationError) -> list[Loc]:
    return [tuple(error["loc"]) for error in exc.errors(include_url=False) if error["loc"]]


def _unit(loc: Loc) -> Loc:
    """What to leave out for an error at ``loc``: the key of an entry (of an item of an
    entry's list, like ``channels[0].mirrors[1].limit``), else the top key."""
    nested = len(loc) > 4 and (loc[0], loc[2]) in NESTED and isinstance(loc[3], int)
    if loc[0] in LISTS and len(loc) > 1 and isinstance(loc[1], int):
        return loc[:5] if nested else loc[:3]
    if loc[0] in MAPPINGS and len(loc) > 1:
        return loc[:2]
    return loc[:1]


def _complete(kept: dict[Any, Any]) -> dict[Any, Any]:
    return {"apiVersion": API_VERSION, "system": PLACEHOLDER_SYSTEM, **kept}


def _without(data: dict[Any, Any], dropped: set[Loc]) -> dict[Any, Any]:
    kept: dict[Any, Any] = {}
    for key, value in data.items():
        if (key,) in dropped:
            continue
        if key in LISTS and isinstance(value, list):
            value = [
                _drop_paths(item, [loc[2:] for loc in dropped if loc[:2] == (key, i) and loc[2:]])
                for i, item in enumerate(value)
                if (key, i) not in dropped
            ]
        elif key in MAPPINGS and isinstance(value, dict):
            value = _drop_keys(value, [loc[1] for loc in dropped if loc[0] == key and loc[1:]])
        kept[key] = value
    return kept


def _drop_keys(item: Any, keys: list[Any]) -> Any:
    return {k: v for k, v in item.items() if k not in keys} if isinstance(item, dict) else item


def _drop_paths(item: Any, paths: list[Loc]) -> Any:
    """``item`` without the keys at ``paths``: ``(key,)`` or ``(list, index, key)``."""
    if not isinstance(item, dict):
        return item
    kept = _drop_keys(item, [p[0] for p in paths if len(p) == 1])
    for key, index, name in (p for p in paths if len(p) == 3):
        inner = kept.get(key)
        if isinstance(inner, list) and isinstance(index, int) and 0 <= index < len(inner):
            kept[key] = [*inner[:index], _drop_keys(inner[index], [name]), *inner[index + 1 :]]
    return kept


def _kept_index(items: Any, key: str, dropped: set[Loc]) -> tuple[int, ...]:
    size = len(items) if isinstance(items, list) else 0
    return tuple(i for i in range(size) if (key, i) not in dropped)


def numbered(model: ManifestModel, section: str, positions: Positions) -> list[tuple[int, Any]]:
    """``(index in the file, entry)`` for each valid entry of a list section."""
    items = getattr(model, section)
    index = positions.get(section)
    return list(zip(index, items, strict=True)) if index is not None else list(enumerate(items))
