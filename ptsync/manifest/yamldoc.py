"""YAML text → plain Python values plus the line and column of every node.

Why not ``YAML(typ="rt").load``: its round-trip objects are slow (about 5 s for a
10 000-video manifest on a CI core) and its line info lives on container objects only. We build
plain dicts and lists straight from the parser's events, which carry marks, and keep a side
table ``locations[path] = (line, col)``. The events come from libyaml through PyYAML when it is
available (ten times faster) and from ruamel.yaml's pure parser otherwise; both emit the same
event classes. Scalars are resolved with the YAML 1.2 core schema in both cases (``yes`` and
``on`` stay strings, ``010`` is ten), so the choice of parser never changes a manifest's meaning.

Hostile input is bounded: alias expansion is counted (a "billion laughs" document is refused
before it is expanded), nesting depth is limited, duplicate keys are errors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

Path = tuple[str | int, ...]
MAX_NODES = 2_000_000  # after alias expansion; a 10 000-video manifest has ~150 000
MAX_DEPTH = 64

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


class YamlProblem(Exception):
    """Invalid YAML at a position (1-based line and column)."""

    def __init__(self, message: str, line: int, col: int):
        message = " ".join(message.split())  # always one line, whatever the parser said
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


@dataclass
class Document:
    """Plain data plus ``locations`` (1-based) of every mapping key and sequence item."""

    data: Any
    locations: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Iterable[str | int]) -> tuple[int, int]:
        """The position of the deepest known node on ``path``."""
        parts = tuple(path)
        while parts:
            found = self.locations.get(parts)
            if found:
                return found
            parts = parts[:-1]
        return self.locations.get((), (1, 1))


# Every non-string of the core schema starts with one of these (null: "~", "null"; booleans;
# numbers, signs, ".inf", ".nan"): any other scalar is a string without a regex tried.
_MAYBE_NOT_STRING = frozenset("~nNtTfF-+.0123456789")


def resolve_plain(text: str) -> Any:
    """YAML 1.2 core schema resolution of an untagged plain scalar."""
    if text and text[0] not in _MAYBE_NOT_STRING:
        return text
    if _NULL.match(text):
        return None
    if _TRUE.match(text):
        return True
    if _FALSE.match(text):
        return False
    if _INT10.match(text):
        return int(text)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


_TAGGED: dict[str, Callable[[str], Any]] = {
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": lambda v: (
        resolve_plain(v) if resolve_plain(v) in (True, False) else v
    ),
    "tag:yaml.org,2002:null": lambda v: None,
}


def _scalar(event: Any) -> Any:
    tag, value, style = event.tag, event.value, event.style
    if tag and tag != "!":
        convert = _TAGGED.get(tag)
        if convert is None:
            raise YamlProblem(f"unsupported YAML tag {tag}", *_pos(event))
        try:
            return convert(value)
        except ValueError:
            raise YamlProblem(f"{value!r} is not a valid {tag}", *_pos(event)) from None
    if style is None or style == "":
        try:
            return resolve_plain(value)
        except ValueError:  # int() refuses more than 4300 digits
            raise YamlProblem(f"number too long ({len(value)} digits)", *_pos(event)) from None
    return value


def _pos(event: Any) -> tuple[int, int]:
    mark = event.start_mark
    return mark.line + 1, mark.column + 1


def _events(text: str) -> Iterator[Any]:
    try:
        import yaml

        if getattr(yaml, "__with_libyaml__", False):
            yield from _pyyaml_events(yaml, text)
            return
    except ImportError:  # pragma: no cover - PyYAML is a dependency, libyaml may be missing
        pass
    yield from _ruamel_events(text)  # pragma: no cover


def _pyyaml_events(yaml: Any, text: str) -> Iterator[Any]:
    try:
        yield from yaml.parse(text, Loader=yaml.CSafeLoader)
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        raise YamlProblem(
            f"invalid character {chr(exc.character)!r} ({exc.reason})", line, col
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlProblem(f"invalid YAML: {exc.problem or exc.context}", line, col) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"invalid YAML: {exc}", 1, 1) from None


def _line_col(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _ruamel_events(text: str) -> Iterator[Any]:  # pragma: no cover - fallback parser
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        yield from YAML(typ="safe", pure=True).parse(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlProblem(f"invalid YAML: {exc.problem or exc.context}", line, col) from None
    except YAMLError as exc:
        raise YamlProblem(f"invalid YAML: {exc}", 1, 1) from None


class _Builder:
    """A stack machine over parser events that records where each node started."""

    def __init__(self) -> None:
        self.locations: dict[Path, tuple[int, int]] = {}
        self.anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, node count)
        self.nodes = 0

    def build(self, events: Iterator[Any]) -> Any:
        documents: list[Any] = []
        for event in events:
            if type(event).__name__ != "DocumentStartEvent":
                continue  # stream start and end, document end
            if documents:  # stop here: the second document's own errors are not the point
                raise YamlProblem(
                    "a manifest file holds one YAML document (found a second '---'; "
                    "put each manifest in its own file)",
                    *_pos(event),
                )
            documents.append(self._node(next(events), events, (), 0)[0])
        return documents[0] if documents else None

    def _count(self, n: int, event: Any) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            raise YamlProblem(
                "YAML aliases expand to too many nodes (possible alias bomb)", *_pos(event)
            )

    def _node(self, event: Any, events: Iterator[Any], path: Path, depth: int) -> tuple[Any, int]:
        """Build one node; returns the value and its node count (aliases count in full)."""
        if depth > MAX_DEPTH:
            raise YamlProblem(f"nesting deeper than {MAX_DEPTH} levels", *_pos(event))
        kind = type(event).__name__
        if kind == "AliasEvent":
            if event.anchor not in self.anchors:
                raise YamlProblem(f"unknown alias *{event.anchor}", *_pos(event))
            value, size = self.anchors[event.anchor]
            self._count(size, event)
            return value, size
        if kind == "ScalarEvent":
            self._count(1, event)
            value, size = _scalar(event), 1
        elif kind == "SequenceStartEvent":
            value, size = self._sequence(event, events, path, depth)
        elif kind == "MappingStartEvent":
            value, size = self._mapping(event, events, path, depth)
        else:
            raise YamlProblem(f"unexpected YAML event {kind}", *_pos(event))
        if event.anchor:
            self.anchors[event.anchor] = (value, size)
        return value, size

    def _sequence(self, start: Any, events: Iterator[Any], path: Path, depth: int) -> Any:
        items: list[Any] = []
        size = 1
        self._count(1, start)
        for event in events:
            if type(event).__name__ == "SequenceEndEvent":
                return items, size
            item_path = (*path, len(items))
            self.locations[item_path] = _pos(event)
            value, n = self._node(event, events, item_path, depth + 1)
            items.append(value)
            size += n
        raise YamlProblem("unterminated sequence", *_pos(start))  # pragma: no cover

    def _mapping(self, start: Any, events: Iterator[Any], path: Path, depth: int) -> Any:
        mapping: dict[Any, Any] = {}
        merged: list[dict[Any, Any]] = []
        size = 1
        self._count(1, start)
        for event in events:
            if type(event).__name__ == "MappingEndEvent":
                for source in merged:
                    for key, value in source.items():
                        mapping.setdefault(key, value)
                return mapping, size
            key_pos = _pos(event)
            key, n = self._node(event, events, (*path, "<key>"), depth + 1)
            if isinstance(key, list | dict):
                raise YamlProblem("a mapping key must be a plain value", *key_pos)
            if key == "<<" and type(event).__name__ == "ScalarEvent" and not event.style:
                value, n = self._node(next(events), events, path, depth + 1)
                merged.extend(_merge_sources(value, key_pos))
                size += n
                continue
            if key in mapping:
                raise YamlProblem(f"duplicate key {key!r}", *key_pos)
            child = (*path, key if isinstance(key, str | int) else str(key))
            self.locations[child] = key_pos
            value, n = self._node(next(events), events, child, depth + 1)
            mapping[key] = value
            size += n
        raise YamlProblem("unterminated mapping", *_pos(start))  # pragma: no cover


def _merge_sources(value: Any, pos: tuple[int, int]) -> list[dict[Any, Any]]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return list(value)
    raise YamlProblem("'<<' merges a mapping or a list of mappings", *pos)


_YAML11_BREAKS = re.compile("[\x85\u2028\u2029]")


def parse(text: str) -> Document:
    """Parse one YAML document; raises YamlProblem with a 1-based position."""
    odd = _YAML11_BREAKS.search(text)
    if odd:  # libyaml (YAML 1.1) breaks lines there: every later position would be off
        raise YamlProblem(
            f"invisible line separator U+{ord(odd.group()):04X}: delete it, or write it as "
            f"an escape inside double quotes",
            *_line_col(text, odd.start()),
        )
    builder = _Builder()
    data = builder.build(iter(_events(text)))
    builder.locations.setdefault((), (1, 1))
    return Document(data, builder.locations)
