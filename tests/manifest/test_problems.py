"""Issue 13 item 9 (and 12's instance.name): every problem in one run, strict types, clear words.

A user fixing a manifest should see all its problems at once, each at its own line: a key
pydantic refuses does not hide a too-short name in the next video, nor a file that is missing.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from ptsync.errors import ManifestError
from ptsync.manifest import load

HEAD = "apiVersion: ptsync/v1\nsystem: nisv\n"
U1 = "9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11"
# words that give away a library's message or a Python value instead of ptsync's own wording
LEAKS = re.compile(r"Input should|type=|Value error|pydantic|<class|Traceback|\bint \d|\bstr\b")


def write(folder: Path, body: str, head: str = HEAD) -> Path:
    path = folder / "m.yaml"
    path.write_text(head + textwrap.dedent(body))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ManifestError) as info:
        load([str(path)])
    found = [str(p).removeprefix(f"{path}:") for p in info.value.problems]
    assert not [p for p in found if LEAKS.search(p)], found
    return found


BROKEN = f"""\
instance: {{name: 9prod}}
defaults: {{nsfw: "yes", channel: main}}
videos:
  - id: a
    uuid: not-a-uuid
    name: ab
  - id: b
    source: {{url: https://x.example/b.mp4}}
    downloadEnabled: 1
    tags: [x]
  - id: c--bad
    source: {{url: https://x.example/c.mp4}}
  - id: d
    source: {{file: missing.mp4}}
    waitTranscoding: "true"
    category: 1.5
  - id: b
    uuid: {U1}
playlists:
  - id: p
    displayName: P
    videos: [a, c--bad, zzz]
rules:
  - match: {{all: "yes"}}
    set: {{nsfw: true}}
"""


def test_structural_and_semantic_problems_come_in_one_run(tmp_path: Path) -> None:
    found = problems(write(tmp_path, BROKEN))
    assert found == [
        "3:12: instance.name: '9prod' is not allowed here: use a letter, then up to 31 "
        "letters, digits or _ (it names the PEERTUBE_URL__<NAME> and PEERTUBE_USERNAME__<NAME> "
        "variables)",
        "4:12: defaults.nsfw: expected true or false, got text 'yes'",
        "7:5: videos[0].uuid: 'not-a-uuid' is not allowed here: use a video's uuid (lowercase, "
        "like 9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11) or its 22-character short uuid",
        "8:5: videos[0].name: name must be 3-120 characters (is 2)",  # beside a refused uuid
        "11:5: videos[1].downloadEnabled: expected true or false, got the number 1",
        "12:12: videos[1].tags[0]: tag 'x' must be 2-30 characters",
        "13:5: videos[2].id: 'c--bad' is not allowed here: use letters, digits and . _ : @ + -, "
        "starting with a letter or digit; no '--'",
        "16:14: videos[3].source.file: 'missing.mp4': no such file",
        "17:5: videos[3].waitTranscoding: expected true or false, got text 'true'",
        "18:5: videos[3].category: expected a label (text) or an id (whole number), "
        "got the number 1.5",
        f"19:5: videos[4].id: 'b' is already used at {tmp_path / 'm.yaml'}:9:5",
        # 'c--bad' is written in the manifest (and refused there): no second problem for it
        "24:25: playlists[0].videos[2]: 'zzz' is not the id of a video in this manifest",
        "26:13: rules[0].match.all: expected true or false, got text 'yes'",
    ]


def test_fixing_the_reported_problems_leaves_none(tmp_path: Path) -> None:
    fixed = (
        BROKEN.replace("9prod", "prod")
        .replace('"yes", channel', "true, channel")
        .replace("not-a-uuid", "5e1f0000-0000-4000-8000-000000000001")
        .replace("name: ab", "name: Abc")
        .replace("downloadEnabled: 1", "downloadEnabled: true")
        .replace("tags: [x]", "tags: [xy]")
        .replace("c--bad", "c-ok")
        .replace("{file: missing.mp4}", "{url: https://x.example/d.mp4}")
        .replace('waitTranscoding: "true"', "waitTranscoding: true")
        .replace("category: 1.5", "category: 15")
        .replace("  - id: b\n    uuid:", "  - id: e\n    uuid:")
        .replace(", zzz]", "]")
        .replace('all: "yes"', "all: true")
    )
    (group,) = load([str(write(tmp_path, fixed))]).groups
    assert [v.id for v in group.videos] == ["a", "b", "c-ok", "d", "e"]


BOOL = "expected true or false"
LABEL = "expected a label (text) or an id (whole number)"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('nsfw: "yes"', f"videos[0].nsfw: {BOOL}, got text 'yes'"),
        ("nsfw: yes", f"videos[0].nsfw: {BOOL}, got text 'yes'"),  # YAML 1.2: yes is text
        ("downloadEnabled: 1", f"videos[0].downloadEnabled: {BOOL}, got the number 1"),
        ("downloadEnabled: 0", f"videos[0].downloadEnabled: {BOOL}, got the number 0"),
        ('waitTranscoding: "false"', f"videos[0].waitTranscoding: {BOOL}, got text 'false'"),
        ("allow_duplicate: 1", f"videos[0].allow_duplicate: {BOOL}, got the number 1"),
        ("privacy: true", f"videos[0].privacy: {LABEL}, got true/false"),
        ("category: 2.0", f"videos[0].category: {LABEL}, got the number 2.0"),
        (
            "originallyPublishedAt: 2020",
            "videos[0].originallyPublishedAt: expected a date (YYYY-MM-DD or ISO 8601 text), "
            "got the number 2020",
        ),
        ("tags: [ok, 12]", "videos[0].tags[1]: expected text, got the number 12"),
        ("name: [a]", "videos[0].name: expected text, got a list"),
        ("captions: en", "videos[0].captions: expected a list, got text 'en'"),
    ],
)
def test_types_are_strict_as_the_schema_says(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path, f"videos:\n  - id: a\n    uuid: {U1}\n    {line}\n")
    col = 16 if line.startswith("tags") else 5  # a list item is placed on the item itself
    assert problems(path) == [f"6:{col}: {message}"]


@pytest.mark.parametrize(
    "uuid",
    [
        "not-a-uuid",
        "9C9DE5E8-0A1B-4CA3-9D1E-3A5B0C2D7F11",
        "9c9de5e80a1b4ca39d1e3a5b0c2d7f11",
        "12",
    ],
)
def test_a_pinned_uuid_must_be_a_uuid(tmp_path: Path, uuid: str) -> None:
    found = problems(write(tmp_path, f"videos:\n  - id: a\n    uuid: '{uuid}'\n"))
    assert found == [
        f"5:5: videos[0].uuid: '{uuid}' is not allowed here: use a video's uuid (lowercase, "
        "like 9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11) or its 22-character short uuid"
    ]


@pytest.mark.parametrize("uuid", [U1, "1Fd9DnqiD3wgf7a1bGXbcg"])
def test_full_and_short_uuids_are_accepted(tmp_path: Path, uuid: str) -> None:
    (group,) = load([str(write(tmp_path, f"videos:\n  - id: a\n    uuid: {uuid}\n"))]).groups
    assert group.videos[0].uuid == uuid


def test_non_utf8_is_reported_at_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(HEAD.encode() + b"videos:\n  - id: a\n    name: 'Caf\xe9 \xc3\xa9'\n")
    with pytest.raises(ManifestError) as info:
        load([str(path)])
    assert str(info.value) == (
        f"{path}:5:15: not UTF-8 text (byte 0xe9: invalid continuation byte); save it as UTF-8"
    )


def test_a_second_document_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, f"videos:\n  - {{id: a, uuid: {U1}}}\n---\nvideos: [oops\n")
    assert problems(path) == [
        "5:1: a manifest file holds one YAML document (found a second '---'; put each "
        "manifest in its own file)"
    ]


def test_top_level_x_keys_hold_anchors_and_are_ignored(tmp_path: Path) -> None:
    body = f"""\
    x-common: &common {{privacy: Public, nsfw: false}}
    x-anything: [1, 2, {{deep: yes}}]
    videos:
      - {{<<: *common, id: a, uuid: {U1}}}
    """
    (group,) = load([str(write(tmp_path, body))]).groups
    assert (group.videos[0].privacy, group.videos[0].nsfw) == ("Public", False)
    nested = f"videos:\n  - id: a\n    uuid: {U1}\n    x-note: 1\n"
    assert problems(write(tmp_path, nested)) == ["6:5: videos[0].x-note: unknown key 'x-note'"]


def test_wrong_api_version_does_not_hide_other_problems(tmp_path: Path) -> None:
    body = "apiVersion: ptsync/v2\nsystem: nisv\nvideos:\n  - {id: a, uuid: x}\n"
    found = problems(write(tmp_path, body, head=""))
    assert (
        found[0]
        == "1:1: apiVersion: must be ptsync/v1 (got 'ptsync/v2') (did you mean 'ptsync/v1'?)"
    )
    assert found[1].startswith("4:13: videos[0].uuid: 'x' is not allowed here")


def test_an_invalid_system_does_not_hide_other_problems(tmp_path: Path) -> None:
    found = problems(
        write(
            tmp_path,
            "system: NISV\nvideos:\n  - {id: a, uuid: x}\n",
            head="apiVersion: ptsync/v1\n",
        )
    )
    assert found[0].startswith("2:1: system: 'NISV' is not allowed here: use lowercase letters")
    assert found[1].startswith("4:13: videos[0].uuid")


def test_a_yaml_file_that_is_no_manifest_gets_one_problem(tmp_path: Path) -> None:
    found = problems(write(tmp_path, "services:\n  web: {image: nginx}\n", head=""))
    assert found == ["1:1: apiVersion: must be ptsync/v1 (got missing)"]


@pytest.mark.parametrize(
    ("where", "size", "ok"),
    [("video", 9000, True), ("video", 9001, False), ("defaults", 9001, False)],
)
def test_one_documented_description_limit(tmp_path: Path, where: str, size: int, ok: bool) -> None:
    text = "d" * size
    if where == "video":
        body = f"videos:\n  - id: a\n    uuid: {U1}\n    description: '{text}'\n"
    else:
        body = f"defaults:\n  description: '{text}'\nvideos: []\n"
    path = write(tmp_path, body)
    if ok:
        load([str(path)])
        return
    (found,) = problems(path)
    assert found.endswith(
        f"description: description is {size} characters; at most 9000 are allowed "
        "(PeerTube allows 10000; ptsync keeps 1000 for its ownership marker)"
    )


def test_the_description_limit_does_not_depend_on_the_id(tmp_path: Path) -> None:
    long_id = "x" * 100
    body = f"videos:\n  - id: {long_id}\n    uuid: {U1}\n    description: '{'d' * 9000}'\n"
    load([str(write(tmp_path, body))])


@pytest.mark.parametrize(("size", "ok"), [(800, True), (801, False)])
def test_playlist_description_limit(tmp_path: Path, size: int, ok: bool) -> None:
    body = f"playlists:\n  - id: p\n    displayName: P\n    description: '{'d' * size}'\n"
    path = write(tmp_path, body)
    if ok:
        load([str(path)])
        return
    assert problems(path) == [
        f"6:5: playlists[0].description: description is {size} characters; at most 800 are "
        "allowed (PeerTube allows 1000; ptsync keeps 200 for its ownership marker)"
    ]


@pytest.mark.parametrize("name", ["9prod", "prod-eu", "p" * 33, "prød"])
def test_instance_name_errors_state_the_real_pattern(tmp_path: Path, name: str) -> None:
    (found,) = problems(write(tmp_path, f"instance: {{name: '{name}'}}\nvideos: []\n"))
    assert found == (
        f"3:12: instance.name: {name!r} is not allowed here: use a letter, then up to 31 "
        "letters, digits or _ (it names the PEERTUBE_URL__<NAME> and "
        "PEERTUBE_USERNAME__<NAME> variables)"
    )


def test_channel_name_errors_state_their_pattern(tmp_path: Path) -> None:
    (found,) = problems(write(tmp_path, "channels:\n  - name: 'my channel'\n"))
    assert (
        found
        == "4:5: channels[0].name: 'my channel' is not allowed here: use 1-50 letters, digits and _ . - :"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not a date", "'not a date' is not a date (use YYYY-MM-DD or ISO 8601)"),
        (
            "2020-13-45",
            "'2020-13-45' is not a date (use YYYY-MM-DD or ISO 8601): month must be in 1..12",
        ),
    ],
)
def test_a_bad_date_is_worded_without_python_text(tmp_path: Path, value: str, message: str) -> None:
    path = write(
        tmp_path, f"videos:\n  - id: a\n    uuid: {U1}\n    originallyPublishedAt: '{value}'\n"
    )
    assert problems(path) == [f"6:5: videos[0].originallyPublishedAt: {message}"]


def test_credentials_in_the_instance_url_are_a_located_problem(tmp_path: Path) -> None:
    """validate names the line (the client would refuse the URL only when a command runs);
    the password is never shown."""
    path = write(
        tmp_path, "instance: {url: 'https://bob:hunter2@videos.example.org'}\nvideos: []\n"
    )
    (found,) = problems(path)
    assert found == (
        "3:12: instance.url: 'https://REDACTED@videos.example.org' carries credentials "
        "(user:password@): remove them and set PEERTUBE_USERNAME and PEERTUBE_PASSWORD (or "
        "PEERTUBE_TOKEN)"
    )
    assert "hunter2" not in found and "bob" not in found
    load([str(write(tmp_path, "instance: {url: 'https://videos.example.org'}\n"))])  # fine
