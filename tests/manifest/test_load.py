"""Manifest loading: every problem placed on its line, PeerTube's limits checked offline."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ptsync.errors import ManifestError
from ptsync.manifest import load

HEAD = "apiVersion: ptsync/v1\nsystem: nisv\n"
U1 = "9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11"
U2 = "5e1f0000-0000-4000-8000-000000000002"


def write(folder: Path, body: str, name: str = "m.yaml", head: str = HEAD) -> Path:
    path = folder / name
    path.write_text(head + textwrap.dedent(body))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ManifestError) as info:
        load([str(path)])
    return [str(p) for p in info.value.problems]


def test_valid_manifest_loads_with_defaults_rules_and_files(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_bytes(b"x" * 2048)
    path = write(
        tmp_path,
        """
        defaults: {privacy: Public, channel: main}
        rules:
          - match: {tag: archive}
            set: {category: 15}
        videos:
          - id: a1
            source: {url: https://archive.example.org/a1.mp4}
            name: First
          - id: b2
            source: {file: clip.mp4}
            name: Second
        """,
    )
    loaded = load([str(tmp_path)])
    (group,) = loaded.groups
    assert group.system == "nisv"
    assert [v.id for v in group.videos] == ["a1", "b2"]
    assert group.files == [str(path)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "videos:\n  - id: a\n    uuid: " + U1 + "\n    tags: [aa, bb, cc, dd, ee, ff]\n",
            "m.yaml:6:5: videos[0].tags: at most 5 tags (has 6)",
        ),
        (
            "videos:\n  - id: a\n    uuid: " + U1 + "\n    name: ab\n",
            "m.yaml:6:5: videos[0].name: name must be 3-120 characters (is 2)",
        ),
        (
            "videos:\n  - id: a\n    uuid: " + U1 + "\n    name: " + "x" * 121 + "\n",
            "videos[0].name: name must be 3-120 characters (is 121)",
        ),
        (
            "videos:\n  - id: a\n    uuid: " + U1 + "\n    tags: [a]\n",
            "videos[0].tags[0]: tag 'a' must be 2-30 characters",
        ),
        (
            "videos:\n  - id: a\n    uuid: " + U1 + "\n    support: 'x'\n",
            "videos[0].support: support must be 3-1000 characters",
        ),
        (
            "videos:\n  - id: a\n    uuid: " + U1 + "\n    description: '" + "d" * 10_000 + "'\n",
            "videos[0].description: description is 10000 characters; at most 9000 are allowed "
            "(PeerTube allows 10000; ptsync keeps 1000 for its ownership marker)",
        ),
        (
            "videos:\n  - id: a\n    name: Fine name\n",
            "m.yaml:4:5: videos[0].id: video 'a' needs source.url, source.file or a pinned uuid",
        ),
        (
            "videos:\n  - id: a\n    source: {url: 'https://x.org/a', file: a.mp4}\n",
            "videos[0].source: give exactly one of source.url or source.file",
        ),
        (
            "videos:\n  - id: a\n    source: {file: nothere.mp4}\n",
            "m.yaml:5:14: videos[0].source.file: 'nothere.mp4': no such file",
        ),
        (
            "videos:\n  - id: a\n    source: {file: ../outside.mp4}\n",
            "'../outside.mp4' resolves to {root}/outside.mp4, outside the allowed folders "
            "({folder}); add it to files.roots or pass --media-root",
        ),
        (
            "videos:\n  - id: a\n    source: {file: /etc/passwd.mp4}\n",
            "'/etc/passwd.mp4' resolves to /etc/passwd.mp4, outside the allowed folders",
        ),
        (
            "videos:\n  - id: a\n    source: {url: 'ftp://x.org/a.mp4'}\n",
            "videos[0].source.url: 'ftp://x.org/a.mp4' is not an http(s) URL",
        ),
        (
            "videos:\n  - id: a\n    uuid: " + U1 + "\n    tagz: [aa]\n",
            "m.yaml:6:5: videos[0].tagz: unknown key 'tagz' (did you mean 'tags'?)",
        ),
        (
            "videos:\n  - id: a\n    uuid: " + U1 + "\n    nsfw: maybe\n",
            "videos[0].nsfw: expected true or false, got text 'maybe'",
        ),
        (
            "videos:\n  - id: a\n    uuid: " + U1 + "\n    name: 12345\n",
            "videos[0].name: expected text, got the number 12345",
        ),
        (
            "videos:\n  - id: a--b\n    uuid: " + U1 + "\n",
            "videos[0].id: 'a--b' is not allowed here",
        ),
        (
            "videos:\n  - id: a\n    uuid: " + U1 + "\n  - id: a\n    uuid: " + U2 + "\n",
            "m.yaml:6:5: videos[1].id: 'a' is already used at",
        ),
        (
            "videos:\n  - id: a\n    uuid: " + U1 + "\n  - id: b\n    uuid: " + U1 + "\n",
            f"videos[1].uuid: {U1!r} is already used at",
        ),
        (
            "rules:\n  - match: {channel: x}\n    set: {name: Renamed}\n",
            "rules[0].set: rules cannot set name (it is per video)",
        ),
        (
            "rules:\n  - match: {}\n    set: {nsfw: true}\n",
            "rules[0].match: a rule needs match conditions",
        ),
        ("videos: {id: a}\n", "videos: expected a list, got a mapping"),
        (
            "videos:\n  - id: a\n    uuid: " + U1 + "\n    name: x\n    name: y\n",
            "m.yaml:7:5: duplicate key 'name'",
        ),
        ("videos: [\n", "m.yaml:4:1: invalid YAML"),
    ],
)
def test_bad_manifest_names_file_line_and_field(tmp_path: Path, body: str, expected: str) -> None:
    expected = expected.replace("{root}", str(tmp_path.parent.resolve()))
    expected = expected.replace("{folder}", str(tmp_path.resolve()))
    found = problems(write(tmp_path, body))
    assert any(expected in p for p in found), found
    assert all(p.startswith(str(tmp_path / "m.yaml")) for p in found)


def test_api_version_and_system_are_required(tmp_path: Path) -> None:
    found = problems(write(tmp_path, "system: nisv\n", head=""))
    assert found == [f"{tmp_path / 'm.yaml'}:1:1: apiVersion: must be ptsync/v1 (got missing)"]
    found = problems(write(tmp_path, "apiVersion: ptsync/v1\n", head=""))
    assert "required key 'system' is missing" in found[0]


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    body = (
        "videos:\n  - id: a\n    uuid: "
        + U1
        + "\n    name: ab\n    tags: [aa, bb, cc, dd, ee, ff]\n"
    )
    assert len(problems(write(tmp_path, body))) == 2


def test_alias_bomb_is_refused_before_expansion(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    found = problems(write(tmp_path, "\n".join(lines) + "\n"))
    assert "possible alias bomb" in found[0]


def test_anchors_and_merge_keys_work(tmp_path: Path) -> None:
    body = f"""
    x-common: &common {{privacy: 1}}
    videos:
      - {{<<: *common, id: a, uuid: {U1}}}
    """
    (group,) = load([str(write(tmp_path, body))]).groups  # x- keys hold anchors, ignored
    assert group.videos[0].privacy == 1
    body = f"videos:\n  - &v {{id: a, uuid: {U1}, nsfw: true}}\n  - {{<<: *v, id: b, uuid: {U2}}}\n"
    (group,) = load([str(write(tmp_path, body))]).groups
    assert [(v.id, v.nsfw) for v in group.videos] == [("a", True), ("b", True)]


def test_yaml_12_scalars_yes_stays_text(tmp_path: Path) -> None:
    body = "videos:\n  - id: a\n    uuid: " + U1 + "\n    name: yes\n"
    (group,) = load([str(write(tmp_path, body))]).groups
    assert group.videos[0].name == "yes"


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no such file or folder"):
        load([str(tmp_path / "nope.yaml")])
    with pytest.raises(ManifestError, match=r"no \*\.yaml manifest in this folder"):
        load([str(tmp_path)])


def test_files_group_by_instance_and_system(tmp_path: Path) -> None:
    write(tmp_path, "instance: {name: prod}\nvideos: []\n", name="a.yaml")
    write(tmp_path, "instance: {name: staging}\nvideos: []\n", name="b.yaml")
    write(tmp_path, "instance: {name: prod}\nvideos: []\n", name="c.yaml")
    groups = load([str(tmp_path)]).groups
    assert [(g.instance_name, len(g.members)) for g in groups] == [("prod", 2), ("staging", 1)]


def test_ids_must_be_unique_across_files_of_a_group(tmp_path: Path) -> None:
    write(tmp_path, f"videos:\n  - {{id: a, uuid: {U1}}}\n", name="a.yaml")
    write(tmp_path, f"videos:\n  - {{id: a, uuid: {U2}}}\n", name="b.yaml")
    with pytest.raises(
        ManifestError, match=r"b\.yaml:4:6: videos\[0\]\.id: 'a' is already used at .*a\.yaml:4:6"
    ):
        load([str(tmp_path)])


def test_example_manifest_is_valid() -> None:
    root = Path(__file__).resolve().parents[2]
    (group,) = load([str(root / "manifests")]).groups
    assert len(group.videos) >= 3


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://archive.example.org/v1.mp4", True),
        ("http://archive.example.org:8080/a?b=c#d", True),
        ("HTTPS://Archive.example.org/v1.mp4", True),  # not the common spelling: split, valid
        ("https://[2001:db8::1]/v1.mp4", True),
        ("https://bücher.example/v1.mp4", True),
        ("https:///v1.mp4", False),
        ("https:v1.mp4", False),
        ("ftp://archive.example.org/v1.mp4", False),
        ("archive.example.org/v1.mp4", False),
    ],
)
def test_source_urls_need_an_http_scheme_and_a_host(tmp_path: Path, url: str, ok: bool) -> None:
    path = write(tmp_path, f"videos:\n  - {{id: a, name: A video, source: {{url: '{url}'}}}}\n")
    if ok:
        (group,) = load([str(path)]).groups
        assert group.videos[0].source is not None and group.videos[0].source.url == url
    else:
        assert problems(path) == [
            f"{path}:4:37: videos[0].source.url: {url!r} is not an http(s) URL"
        ]

