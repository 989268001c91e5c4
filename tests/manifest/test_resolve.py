"""Labels resolved against the instance's vocabularies; defaults merged with their origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from ptsync.errors import ManifestError
from ptsync.manifest import VocabularyMiss, load, resolve_group
from ptsync.state import FileSource, UrlSource, Vocabularies

VOCAB = Vocabularies(
    categories={15: "Science & Technology", 13: "Education"},
    licences={1: "Attribution", 2: "Attribution - Share Alike"},
    languages={"en": "English", "nl": "Dutch"},
    privacies={1: "Public", 2: "Unlisted", 3: "Private", 4: "Internal"},
    channels={"main": 7, "other": 9},
    playlist_privacies={1: "Public", 2: "Unlisted", 3: "Private"},
)


def resolve(tmp_path: Path, body: str):
    path = tmp_path / "m.yaml"
    path.write_text("apiVersion: ptsync/v1\nsystem: nisv\n" + body)
    (group,) = load([str(path)]).groups
    return resolve_group(group, VOCAB, instance_url="https://v.example.org")


def test_labels_and_ids_resolve_to_ids(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_bytes(b"v" * 100)
    state = resolve(
        tmp_path,
        """
defaults: {privacy: public, licence: Attribution - Share Alike, channel: 9}
videos:
  - id: a
    source: {url: https://x.org/a.mp4}
    category: science & technology
    language: Dutch
    originallyPublishedAt: 1969-07-21
  - id: b
    source: {file: clip.mp4}
    privacy: 3
    channel: main
    tags: [' spaced ', bb]
    commentsPolicy: Requires approval
""",
    )
    a, b = state.videos["a"], state.videos["b"]
    assert a.fields == {
        "privacy": 1,
        "licence": 2,
        "channel": "other",
        "category": 15,
        "language": "nl",
        "originallyPublishedAt": "1969-07-21T00:00:00.000Z",
    }
    assert a.field_refs["privacy"].path == "defaults.privacy"
    assert a.field_refs["category"].path == "videos[0].category"
    assert isinstance(a.source, UrlSource)
    assert b.fields["privacy"] == 3 and b.fields["channel"] == "main"
    assert b.fields["tags"] == ["spaced", "bb"] and b.fields["commentsPolicy"] == 3
    assert isinstance(b.source, FileSource) and b.source.size == 100
    assert len(b.source.digest) == 10


def test_unknown_labels_name_the_valid_choices(tmp_path: Path) -> None:
    body = (
        "videos:\n  - id: a\n    uuid: 9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11\n"
        "    category: Scince & Technology\n    channel: nope\n"
    )
    with pytest.raises(VocabularyMiss) as info:
        resolve(tmp_path, body)
    text = str(info.value)
    assert (
        "m.yaml:6:5: videos[0].category: unknown category 'Scince & Technology' (did you mean 'Science & Technology'?)"
        in text
    )
    assert "valid: 15 (Science & Technology), 13 (Education)" in text
    assert (
        "m.yaml:7:5: videos[0].channel: channel 'nope' is not one of your channels; yours: main, other"
        in text
    )


def test_digest_changes_with_referenced_file_content(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"one" * 100)
    body = "videos:\n  - id: a\n    source: {file: clip.mp4}\n"
    first = resolve(tmp_path, body).digest
    assert resolve(tmp_path, body).digest == first
    clip.write_bytes(b"two" * 100)
    assert resolve(tmp_path, body).digest != first


def test_rules_resolve_channel_and_fields(tmp_path: Path) -> None:
    state = resolve(
        tmp_path,
        "rules:\n  - match: {channel: 7, name: 'Lecture *'}\n    set: {category: Education}\n",
    )
    (rule,) = state.rules
    assert (rule.match.channel, rule.match.name, rule.fields) == (
        "main",
        "Lecture *",
        {"category": 13},
    )


def test_caption_languages_are_checked_against_the_languages_vocabulary(tmp_path: Path) -> None:
    """Issue 12 item 4: `language: zz` fails the plan, before anything is applied."""
    for name in ("a.en.vtt", "a.zz.vtt", "a.nl.vtt"):
        (tmp_path / name).write_text("WEBVTT\n")
    body = """videos:
  - id: a
    source: {url: https://x.org/a.mp4}
    captions:
      - {language: en, file: a.en.vtt}
      - {language: zz, file: a.zz.vtt}
      - {language: Dutch, file: a.nl.vtt}
"""
    with pytest.raises(VocabularyMiss) as info:
        resolve(tmp_path, body)
    assert [str(p) for p in info.value.problems] == [
        f"{tmp_path / 'm.yaml'}:8:10: videos[0].captions[1].language: unknown caption language "
        "'zz'; valid: en (English), nl (Dutch)"
    ]
    fixed = resolve(tmp_path, body.replace("      - {language: zz, file: a.zz.vtt}\n", ""))
    captions = fixed.videos["a"].captions
    assert captions is not None and [c.language for c in captions] == ["en", "nl"]


def test_two_caption_labels_for_one_language_are_a_problem(tmp_path: Path) -> None:
    for name in ("one.vtt", "two.vtt"):
        (tmp_path / name).write_text("WEBVTT\n")
    body = """videos:
  - id: a
    source: {url: https://x.org/a.mp4}
    captions:
      - {language: nl, file: one.vtt}
      - {language: Dutch, file: two.vtt}
"""
    with pytest.raises(VocabularyMiss, match=r"captions\[1\]\.language: two captions for 'nl'"):
        resolve(tmp_path, body)


def test_defaults_channel_applies_to_playlists(tmp_path: Path) -> None:
    state = resolve(
        tmp_path,
        """defaults: {channel: 9}
videos:
  - {id: a, source: {url: https://x.org/a.mp4}}
playlists:
  - {id: p1, displayName: Uses the default, privacy: Public, videos: [a]}
  - {id: p2, displayName: Its own, channel: main}
""",
    )
    by_id = {p.external_id: p for p in state.playlists}
    assert by_id["p1"].fields["channel"] == "other"
    assert by_id["p2"].fields["channel"] == "main"


def test_a_public_playlist_without_any_channel_is_refused_offline(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "apiVersion: ptsync/v1\nsystem: nisv\n"
        "playlists:\n  - {id: p1, displayName: Public one, privacy: Public}\n"
    )
    with pytest.raises(ManifestError, match="a public playlist needs a channel"):
        load([str(path)])
