"""JSON shapes: which keys exist where and what type their values have, ignoring the values.

Used by the fidelity test to compare the fake's answer with a real server's recorded answer.
Array items are merged (a key present in any item belongs to the item shape), ``null`` matches
any type (whether a field is set is data, not shape), and an array the recording left empty
says nothing about its items; one the recording filled must not come back empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NULL = "null"


@dataclass
class Shape:
    types: set[str] = field(default_factory=set)
    keys: dict[str, Shape] = field(default_factory=dict)
    items: Shape | None = None

    def merge(self, other: Shape) -> Shape:
        self.types |= other.types
        for key, sub in other.keys.items():
            self.keys[key] = self.keys[key].merge(sub) if key in self.keys else sub
        if other.items is not None:
            self.items = other.items if self.items is None else self.items.merge(other.items)
        return self


def kind(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not JSON: {value!r}")


def shape_of(value: Any) -> Shape:
    shape = Shape({kind(value)})
    if isinstance(value, dict):
        shape.keys = {key: shape_of(sub) for key, sub in value.items()}
    elif isinstance(value, list):
        for item in value:
            sub = shape_of(item)
            shape.items = sub if shape.items is None else shape.items.merge(sub)
    return shape


def differences(recorded: Any, answered: Any) -> list[str]:
    """How ``answered`` differs in shape from ``recorded``; empty when they agree."""
    return _compare(shape_of(recorded), shape_of(answered), "$")


def _compare(recorded: Shape, answered: Shape, path: str) -> list[str]:
    expected, got = recorded.types - {NULL}, answered.types - {NULL}
    if expected and got and expected != got:
        return [f"{path}: {'/'.join(sorted(got))}, recorded {'/'.join(sorted(expected))}"]
    found: list[str] = []
    if "object" in expected and "object" in got:
        found += [f"{path}.{key}: missing" for key in recorded.keys.keys() - answered.keys.keys()]
        found += [f"{path}.{key}: not recorded" for key in answered.keys.keys() - recorded.keys]
        for key in sorted(recorded.keys.keys() & answered.keys.keys()):
            found += _compare(recorded.keys[key], answered.keys[key], f"{path}.{key}")
    if "array" in expected and "array" in got and recorded.items is not None:
        if answered.items is None:
            found.append(f"{path}: empty, recorded with items")
        else:
            found += _compare(recorded.items, answered.items, f"{path}[]")
    return sorted(found)
