"""The YAML reader: YAML 1.2 core-schema values, positions, anchors and refusals, exactly.

ptsync.manifest.yamldoc builds plain values straight from libyaml's events with shortcuts for
the common scalar (issue 14: 10 000 videos load in well under a second); these pin what the
shortcuts must not change.
"""

from __future__ import annotations

import math

import pytest

from ptsync.manifest.yamldoc import MAX_ALIAS_NODES, YamlProblem, parse

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


def test_the_alias_limit_counts_aliases_in_full_and_stops_at_the_one_beyond() -> None:
    # the anchored list: 1 000 nodes (the list and its 999 items); each alias adds them again
    head = "a: &a [" + ", ".join(["1"] * 999) + "]\nb: ["
    assert len(parse(head + ", ".join(["*a"] * 2000) + "]\n").data["b"]) == 2000
    with pytest.raises(YamlProblem, match="possible alias bomb") as info:
        parse(head + ", ".join(["*a"] * 2001) + "]\n")
    assert (info.value.line, info.value.col) == (2, 5 + 4 * 2000)  # the 2 001st alias
    assert 1000 * 2000 <= MAX_ALIAS_NODES < 1000 * 2001


def test_written_nodes_never_count_as_alias_expansion(monkeypatch) -> None:
    """Issue 20 item 8: a big manifest without any alias was refused as a "possible alias
    bomb" (230 000 videos: over 2 000 000 nodes). Only what aliases add counts as such."""
    monkeypatch.setattr("ptsync.manifest.yamldoc.MAX_ALIAS_NODES", 50)
    big = "videos:\n" + "".join(f"  - {{id: v{i}, name: Video {i}}}\n" for i in range(200))
    assert len(parse(big).data["videos"]) == 200  # 1 002 nodes written, none aliased
    with pytest.raises(YamlProblem, match="possible alias bomb"):
        parse("a: &a [" + ", ".join(["1"] * 30) + "]\nb: [*a, *a]\n")


def test_a_document_beyond_the_node_cap_is_too_large_with_its_real_size(monkeypatch) -> None:
    monkeypatch.setattr("ptsync.manifest.yamldoc.MAX_NODES", 100)
    text = "a: [" + ", ".join(str(i) for i in range(199)) + "]\n"  # 1 + 1 + 1 + 199 nodes
    with pytest.raises(YamlProblem) as info:
        parse(text)
    assert info.value.message.startswith("too large: 202 YAML nodes, at most 100 in one file")
    assert "split it into several manifest files" in info.value.message
    assert "alias" not in info.value.message
    assert info.value.line == 1


def test_without_libyaml_pyyaml_s_own_parser_reads_the_same(monkeypatch) -> None:
    """A platform whose PyYAML lacks the compiled libyaml gets the pure parser: the same
    values, the same places, refusals at the same place (in the parser's own words)."""
    import yaml

    texts = [f"a: {SCALARS}\n", "base: &b {x: 1, y: 2}\nlist:\n  - <<: *b\n    y: 3\n  - *b\n"]
    fast = [parse(t) for t in texts]
    with pytest.raises(YamlProblem) as fast_problem:
        parse("a: [1\n")
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    monkeypatch.delattr(yaml, "CSafeLoader")  # proof that the pure parser is the one used
    pure = [parse(t) for t in texts]
    assert [(d.data, d.locations) for d in pure] == [(d.data, d.locations) for d in fast]
    with pytest.raises(YamlProblem) as pure_problem:
        parse("a: [1\n")
    where = (pure_problem.value.line, pure_problem.value.col)
    assert where == (fast_problem.value.line, fast_problem.value.col) == (2, 1)
    assert pure_problem.value.message.startswith("invalid YAML: ")
