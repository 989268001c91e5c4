"""YAML text → plain Python values plus the line and column of every node.

Why not ``YAML(typ="rt").load``: its round-trip objects are slow (about 5 s for a
10 000-video manifest on a CI core) and its line info lives on container objects only. We build
plain dicts and lists straight from the parser's events, which carry marks, and keep a side
table ``locations[path] = (line, col)``. The events come from libyaml through PyYAML when it is
available (ten times faster) and from PyYAML's pure parser otherwise; both emit the same event
classes. Scalars are resolved with the YAML 1.2 core schema in both cases (``yes`` and ``on``
stay strings, ``010`` is ten), so the choice of parser never changes a manifest's meaning.

Hostile input is bounded: the nodes aliases add are counted apart (a "billion laughs"
document is refused before it is expanded); the document's own nodes are capped at MAX_NODES
(about 450 000 videos; a 230 000-video manifest of 31 MB loads in ~20 s and 1.2 GB), and a
document beyond is refused with its real size, counted without building it; nesting depth is
limited, duplicate keys are errors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Path = tuple[str | int, ...]
_PATH_PARTS = (str, int)  # a tuple, not ``str | int``: that builds a union at every key
# Nodes aliases may add (a reference counts its whole anchored value again): a manifest's
# anchors are defaults shared by entries, far below this; a "billion laughs" goes beyond at
# once. The document's own nodes are not capped here: the 64 MiB file limit bounds them.
MAX_ALIAS_NODES = 2_000_000
# Nodes written in one document: a video entry has 10-20, so about 450 000 videos, some 2.5 GB
# once loaded and validated; beyond, "too large" (split the manifest into several files).
MAX_NODES = 6_000_000
MAX_DEPTH = 64

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
_WORD_START = frozenset("~nNtTfF")  # of these, only the null and boolean words are not strings
# The core schema's null and booleans, by dict lookup (a word with one trailing line break
# counts: the regexes ``^(?:null|...)$`` it replaces matched that too).
_WORDS: dict[str, Any] = {
    **dict.fromkeys(("~", "null", "Null", "NULL", ""), None),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}


def resolve_plain(text: str) -> Any:
    """YAML 1.2 core schema resolution of an untagged plain scalar."""
    if text and text[0] not in _MAYBE_NOT_STRING:
        return text
    word = text[:-1] if text[-1:] == "\n" else text
    if word in _WORDS:
        return _WORDS[word]
    if text[0] in _WORD_START:
        return text
    return _number(text)


def _number(text: str) -> Any:
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


def _build(text: str) -> _Builder:
    """Build ``text`` from libyaml's events when PyYAML has it, else from PyYAML's own pure
    parser (a platform without the compiled extension): the same events either way."""
    import yaml

    with_libyaml = getattr(yaml, "__with_libyaml__", False)
    return _pyyaml_build(yaml, yaml.CSafeLoader if with_libyaml else yaml.SafeLoader, text)


def _pyyaml_build(yaml: Any, loader_class: Any, text: str) -> _Builder:
    try:
        loader = loader_class(text)
        try:
            # get_event straight from libyaml (None after the stream): no generator per event
            return _Builder(loader.get_event, yaml.events).build()
        finally:
            loader.dispose()
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


class _Builder:
    """A recursive descent over parser events that records where each node started.

    The loops over a mapping's or a sequence's children handle a scalar without an anchor in
    place (``_leaf``: most keys and values) and leave every other node to ``_node``; both
    count nodes and place problems alike. Events are told apart by class identity (``kinds``:
    the parser's ``events`` module): 200 000 events for 10 000 videos, every step counts.
    """

    def __init__(self, get_event: Callable[[], Any], kinds: Any) -> None:
        self.next = get_event  # the next event, None after the last
        self.scalar, self.alias = kinds.ScalarEvent, kinds.AliasEvent
        self.mapping_start, self.mapping_end = kinds.MappingStartEvent, kinds.MappingEndEvent
        self.sequence_start, self.sequence_end = kinds.SequenceStartEvent, kinds.SequenceEndEvent
        self.document_start, self.stream_end = kinds.DocumentStartEvent, kinds.StreamEndEvent
        self.locations: dict[Path, tuple[int, int]] = {}
        self.anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, node count)
        self.nodes = 0  # written in the document
        self.aliased = 0  # added by aliases (each counts its anchored value in full)
        self.data: Any = None

    def build(self) -> _Builder:
        found = False
        while (event := self.next()) is not None and type(event) is not self.stream_end:
            if type(event) is not self.document_start:
                continue  # stream start, document end
            if found:  # stop here: the second document's own errors are not the point
                raise YamlProblem(
                    "a manifest file holds one YAML document (found a second '---'; "
                    "put each manifest in its own file)",
                    *_pos(event),
                )
            self.data, found = self._node(self.next(), (), 0)[0], True
        return self

    def _written(self, event: Any) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self._too_large(event)

    def _too_large(self, event: Any) -> None:
        """Count the rest without building it (flat memory), then refuse with the real size."""
        total, nodes = self.nodes, (self.scalar, self.sequence_start, self.mapping_start)
        while (later := self.next()) is not None:
            total += type(later) in nodes
        raise YamlProblem(
            f"too large: {total:,} YAML nodes, at most {MAX_NODES:,} in one file (about "
            f"{MAX_NODES // 13:,} videos): split it into several manifest files",
            *_pos(event),
        )

    def _alias(self, n: int, event: Any) -> None:
        self.aliased += n
        if self.aliased > MAX_ALIAS_NODES:
            raise YamlProblem(
                f"YAML aliases expand to too many nodes (more than {MAX_ALIAS_NODES:,} besides "
                f"the {self.nodes:,} written; possible alias bomb)",
                *_pos(event),
            )

    def _node(self, event: Any, path: Path, depth: int) -> tuple[Any, int]:
        """Build one node; returns the value and its node count (aliases count in full)."""
        if depth > MAX_DEPTH:
            raise YamlProblem(f"nesting deeper than {MAX_DEPTH} levels", *_pos(event))
        kind = type(event)
        if kind is self.alias:
            if event.anchor not in self.anchors:
                raise YamlProblem(f"unknown alias *{event.anchor}", *_pos(event))
            value, size = self.anchors[event.anchor]
            self._alias(size, event)
            return value, size
        if kind is self.scalar:
            self._written(event)
            value, size = _scalar(event), 1
        elif kind is self.sequence_start:
            value, size = self._sequence(event, path, depth)
        elif kind is self.mapping_start:
            value, size = self._mapping(event, path, depth)
        else:
            raise YamlProblem(f"unexpected YAML event {kind.__name__}", *_pos(event))
        if event.anchor:
            self.anchors[event.anchor] = (value, size)
        return value, size

    def _leaf(self, event: Any) -> Any:
        """``_node`` for a scalar without an anchor, not too deep (checked by the caller)."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self._too_large(event)
        value = event.value
        if event.tag is None and not event.style and value and value[0] not in _MAYBE_NOT_STRING:
            return value  # a plain string: what _scalar would return, sooner
        return _scalar(event)

    def _sequence(self, start: Any, path: Path, depth: int) -> tuple[list[Any], int]:
        next_event, end, locations = self.next, self.sequence_end, self.locations
        leaf = self.scalar if depth < MAX_DEPTH else None  # items are one level deeper
        items: list[Any] = []
        size = 1
        self._written(start)
        while (event := next_event()) is not None and type(event) is not end:
            mark = event.start_mark
            item_path = (*path, len(items))
            locations[item_path] = (mark.line + 1, mark.column + 1)
            if type(event) is leaf and not event.anchor:
                items.append(self._leaf(event))
                size += 1
            else:
                value, n = self._node(event, item_path, depth + 1)
                items.append(value)
                size += n
        if event is None:  # pragma: no cover - the parser reports it first
            raise YamlProblem("unterminated sequence", *_pos(start))
        return items, size

    def _mapping(self, start: Any, path: Path, depth: int) -> tuple[dict[Any, Any], int]:
        next_event, end, locations = self.next, self.mapping_end, self.locations
        leaf = self.scalar if depth < MAX_DEPTH else None  # keys and values one level deeper
        mapping: dict[Any, Any] = {}
        merged: list[dict[Any, Any]] = []
        size = 1
        self._written(start)
        while (event := next_event()) is not None and type(event) is not end:
            mark = event.start_mark
            key_pos = (mark.line + 1, mark.column + 1)
            plain = type(event) is leaf and not event.anchor
            key = self._leaf(event) if plain else self._key(event, path, depth, key_pos)
            if key == "<<" and type(event) is self.scalar and not event.style:
                size += self._merge(path, depth, key_pos, merged)
                continue
            if key in mapping:
                raise YamlProblem(f"duplicate key {key!r}", *key_pos)
            child = (*path, key if isinstance(key, _PATH_PARTS) else str(key))
            locations[child] = key_pos
            event = next_event()
            if type(event) is leaf and not event.anchor:
                mapping[key] = self._leaf(event)
                size += 1
            else:
                mapping[key], n = self._node(event, child, depth + 1)
                size += n
        if event is None:  # pragma: no cover - the parser reports it first
            raise YamlProblem("unterminated mapping", *_pos(start))
        return _with_merged(mapping, merged), size

    def _key(self, event: Any, path: Path, depth: int, key_pos: tuple[int, int]) -> Any:
        key = self._node(event, (*path, "<key>"), depth + 1)[0]
        if isinstance(key, list | dict):
            raise YamlProblem("a mapping key must be a plain value", *key_pos)
        return key

    def _merge(
        self, path: Path, depth: int, key_pos: tuple[int, int], merged: list[dict[Any, Any]]
    ) -> int:
        """``<<: *base``: the mappings to merge (at the end, keys written here win); size."""
        value, n = self._node(self.next(), path, depth + 1)
        merged.extend(_merge_sources(value, key_pos))
        return n


def _with_merged(mapping: dict[Any, Any], merged: list[dict[Any, Any]]) -> dict[Any, Any]:
    for source in merged:
        for key, value in source.items():
            mapping.setdefault(key, value)
    return mapping


def _merge_sources(value: Any, pos: tuple[int, int]) -> list[dict[Any, Any]]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return list(value)
    raise YamlProblem("'<<' merges a mapping or a list of mappings", *pos)


# Searched for only when one is there: three `in` tests take microseconds on a big manifest,
# a regex scan milliseconds.
_YAML11_BREAK_CHARS = "\x85\u2028\u2029"
_YAML11_BREAKS = re.compile(f"[{_YAML11_BREAK_CHARS}]")


def parse(text: str) -> Document:
    """Parse one YAML document; raises YamlProblem with a 1-based position."""
    odd = _YAML11_BREAKS.search(text) if any(c in text for c in _YAML11_BREAK_CHARS) else None
    if odd:  # libyaml (YAML 1.1) breaks lines there: every later position would be off
        raise YamlProblem(
            f"invisible line separator U+{ord(odd.group()):04X}: delete it, or write it as "
            f"an escape inside double quotes",
            *_line_col(text, odd.start()),
        )
    builder = _build(text)
    builder.locations.setdefault((), (1, 1))
    return Document(builder.data, builder.locations)
