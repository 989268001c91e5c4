"""The YAML reader: YAML 1.2 core-schema values, positions, anchors and refusals, exactly.

ptsync.manifest.yamldoc builds plain values straight from libyaml's events with shortcuts for
the common scalar (issue 14: 10 000 videos load in well under a second); these pin what the
shortcuts must not change.
"""

from __future__ import annotations

import math

import pytest

from ptsync.manifest.yamldoc import MAX_NODES, YamlProblem, parse

SCALARS = (
    "[~, null, Null, NULL, '', true, True, TRUE, false, nothing, trueish, 015, 0o17, 0x1F,"
    ' -1.5e3, .inf, -.Inf, +7, "true", \'null\', !!str 12, !!int "12", ! 12,'
    ' !!bool "false", yes, on, ~x, -, .5]'
)


def test_scalars_follow_the_yaml_1_2_core_schema() -> None:
    values = parse(f"a: {SCALARS}\nn: .nan\n").data
    assert values["a"] == [
        *(None, None, None, None, ""),
        *(True, True, True, False, "nothing", "trueish"),
        *(15, 15, 31, -1500.0, math.inf, -math.inf, 7),
        *("true", "null", "12", 12, 12, False, "yes", "on", "~x", "-", 0.5),
    ]
    assert [type(v) for v in values["a"][11:14]] == [int, int, int]
    assert math.isnan(values["n"])


def test_keys_and_items_are_placed_and_merges_keep_written_keys() -> None:
    doc = parse("base: &b {x: 1, y: 2}\nlist:\n  - <<: *b\n    y: 3\n  - *b\n")
    assert doc.data == {"base": {"x": 1, "y": 2}, "list": [{"y": 3, "x": 1}, {"x": 1, "y": 2}]}
    assert doc.locations == {
        (): (1, 1),
        ("base",): (1, 1),
        ("base", "x"): (1, 11),
        ("base", "y"): (1, 17),
        ("list",): (2, 1),
        ("list", 0): (3, 5),
        ("list", 0, "y"): (4, 5),
        ("list", 1): (5, 5),
    }
    assert doc.where(("list", 1, "x")) == (5, 5)  # inside an alias: the alias's own line


@pytest.mark.parametrize(
    ("text", "message", "line", "col"),
    [
        ("a: 1\na: 2\n", "duplicate key 'a'", 2, 1),
        ("a: 1\n---\nb: 2\n", "a manifest file holds one YAML document", 2, 1),
        ("a: *nope\n", "unknown alias *nope", 1, 4),
        ("? [k]\n: v\n", "a mapping key must be a plain value", 1, 3),
        ("a: !!int x\n", "'x' is not a valid tag:yaml.org,2002:int", 1, 4),
        ("a: !!binary eA==\n", "unsupported YAML tag tag:yaml.org,2002:binary", 1, 4),
        ("x: " + "[" * 65 + "]" * 65 + "\n", "nesting deeper than 64 levels", 1, 68),
        ("x: " + "{a: " * 64 + "1" + "}" * 64 + "\n", "nesting deeper than 64 levels", 1, 257),
        ("a: [1\n", "invalid YAML: did not find expected ',' or ']'", 2, 1),
        ("<<: 5\n", "'<<' merges a mapping or a list of mappings", 1, 1),
        ("a: \u2028\n", "invisible line separator U+2028", 1, 4),
    ],
)
def test_refusals_name_the_line_and_column(text: str, message: str, line: int, col: int) -> None:
    with pytest.raises(YamlProblem) as info:
        parse(text)
    assert info.value.message.startswith(message)
    assert (info.value.line, info.value.col) == (line, col)


def test_the_node_limit_counts_aliases_in_full_and_stops_at_the_one_beyond() -> None:
    # the document, "a", its list of 999 and "b" with its list: 1 004 nodes; each alias 1 000
    head = "a: &a [" + ", ".join(["1"] * 999) + "]\nb: ["
    assert len(parse(head + ", ".join(["*a"] * 1998) + "]\n").data["b"]) == 1998
    with pytest.raises(YamlProblem, match="possible alias bomb") as info:
        parse(head + ", ".join(["*a"] * 1999) + "]\n")
    assert (info.value.line, info.value.col) == (2, 5 + 4 * 1998)  # the 1 999th alias
    assert 1004 + 1000 * 1998 <= MAX_NODES < 1004 + 1000 * 1999
