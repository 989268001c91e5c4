"""Turn pydantic's validation errors into one-line problems a person can act on.

``videos[3].tags: at most 5 tags`` reads better than pydantic's ``videos.3.tags
  List should have at most 5 items after validation [type=too_long, ...]``; unknown keys get a
"did you mean" from the keys that model accepts.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from ptsync.errors import Problem
from ptsync.manifest.models import PATTERN_HELP
from ptsync.manifest.yamldoc import Document
from ptsync.sourceref import SourceRef

Loc = tuple[str | int, ...]


def dotted(path: Iterable[str | int]) -> str:
    """``("videos", 3, "tags")`` → ``videos[3].tags``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Placed(Document):
    """A document whose nodes live elsewhere: a catalogue's rows, a media folder's files.

    ``ptsync.manifest.sourced`` builds them; ``place`` turns a path in the data into the
    cell, row or file where that value was written (the ``file`` given to ``ref_at`` is the
    source's own name and is not needed).
    """

    def place(self, path: Sequence[str | int]) -> SourceRef:
        raise NotImplementedError


def ref_at(file: str, doc: Document, path: Sequence[str | int]) -> SourceRef:
    if isinstance(doc, Placed):
        return doc.place(path)
    line, col = doc.where(path)
    return SourceRef(file, line, col, dotted(path))


def _data_path(loc: Loc, data: Any) -> Loc:
    """The part of pydantic's ``loc`` that indexes into the data (drops union branch names)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if not _indexes(node, part):
            break
        node = node[part]
        path.append(part)
    return tuple(path)


def _indexes(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _model_at(model: type[BaseModel], path: Loc) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``path`` (for did-you-mean)."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", {})
        field = fields.get(part)
        if field is None:
            return None
        current = _first_model(field.annotation)
        if current is None:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def not_a_date(value: object, exc: ValueError) -> str:
    """Why ``value`` is no date; Python's "Invalid isoformat string" adds nothing to that."""
    reason = str(exc)
    detail = "" if reason.startswith("Invalid isoformat") else f": {reason}"
    return f"{value!r} is not a date (use YYYY-MM-DD or ISO 8601){detail}"


def suggestion(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


_FRIENDLY = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a mapping (key: value)",
    "model_type": "expected a mapping (key: value)",
    "model_attributes_type": "expected a mapping (key: value)",
    "datetime_type": "expected a date",
    "date_type": "expected a date",
}
_BOUNDS = {  # pydantic's number bounds, said as ptsync says them
    "greater_than_equal": ("{} or more", "ge"),
    "greater_than": ("more than {}", "gt"),
    "less_than_equal": ("{} or less", "le"),
    "less_than": ("less than {}", "lt"),
}
# A union's members each report an error; these pairs read as one expectation.
_UNIONS = [
    ({"string_type", "int_type"}, "expected a label (text) or an id (whole number)"),
    ({"string_type", "date_type"}, "expected a date (YYYY-MM-DD or ISO 8601 text)"),
    ({"int_type", "string_pattern_mismatch"}, "expected a time (MM:SS or H:MM:SS) or seconds"),
]


def _message(errors: Sequence[Any], model: type[BaseModel], path: Loc) -> str:
    # a union of text and a model (a catalogue's `name: title` or `{column: ...}`): the
    # model's own complaint says more than "expected text"
    error = next((e for e in errors if e["type"] == "value_error"), errors[0])
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        owner = _model_at(model, path[:-1])
        known = owner.model_fields if owner else {}
        return f"unknown key {key!r}{suggestion(key, known)}"
    if kind == "missing":
        return f"required key {error['loc'][-1]!r} is missing"
    if kind == "string_pattern_mismatch":
        pattern = str(error.get("ctx", {}).get("pattern", ""))
        allowed = PATTERN_HELP.get(pattern, "see the manifest reference")
        return f"{error['input']!r} is not allowed here: use {allowed}"
    if kind == "string_too_long":
        return f"at most {error['ctx']['max_length']} characters (is {len(error['input'])})"
    if kind in _BOUNDS:
        word, key = _BOUNDS[kind]
        return f"must be {word.format(format(error['ctx'][key], 'g'))} (got {error['input']!r})"
    if kind == "literal_error":
        return f"must be {error['ctx']['expected']} (got {error['input']!r})"
    if kind in ("value_error", "assertion_error"):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    kinds = {e["type"] for e in errors}
    base = next((text for need, text in _UNIONS if need <= kinds), None)
    base = base or _FRIENDLY.get(kind)
    if base is None:  # a kind this manifest's models do not produce today
        return f"{_type_name(error.get('input'))} is not allowed here"
    return f"{base}, got {_type_name(error.get('input'))}"


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    if isinstance(value, int):
        return f"the number {value}" if abs(value) < 10**40 else "a huge number"
    if isinstance(value, float):
        return f"the number {value!r}"
    return type(value).__name__


def from_validation(
    exc: ValidationError, model: type[BaseModel], doc: Document, file: str
) -> list[Problem]:
    """One problem per location (a union yields several errors for one key: read together)."""
    grouped: dict[str, tuple[SourceRef, Loc, list[Any]]] = {}
    for error in exc.errors(include_url=False):
        loc: Loc = tuple(error["loc"])
        path = _data_path(loc, doc.data)
        if error["type"] == "extra_forbidden":
            path = tuple(loc[: len(path) + 1])
        ref = ref_at(file, doc, path)
        if error["type"] == "missing":
            ref = SourceRef(ref.file, ref.line, ref.col, dotted((*path, loc[-1])))
        grouped.setdefault(ref.path, (ref, path, []))[2].append(error)
    return [Problem(ref, _message(errors, model, path)) for ref, path, errors in grouped.values()]
