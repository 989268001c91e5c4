"""The shape comparison the fidelity test relies on: it must see what differs, and only that."""

from __future__ import annotations

from tests.testing.shapes import differences


def test_shapes_compare_keys_types_and_items() -> None:
    recorded = {"a": 1, "b": [{"c": "x"}, {"d": None}], "e": None, "f": []}
    assert differences(recorded, {"a": 2, "b": [{"c": "y", "d": 3}], "e": {"z": 1}, "f": [1]}) == []
    assert differences(recorded, {"a": "1", "b": [], "g": 0, "f": []}) == [
        "$.a: string, recorded number",
        "$.b: empty, recorded with items",
        "$.e: missing",
        "$.g: not recorded",
    ]
    assert differences(recorded, {**recorded, "b": [{"c": "x"}]}) == ["$.b[].d: missing"]
