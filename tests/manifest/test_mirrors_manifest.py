"""``channels[].defaults`` and ``channels[].mirrors``: checked offline, each problem on its line,
and resolved with one precedence: own fields > rules > channel defaults > file defaults."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from ptsync.cli.app import main
from ptsync.errors import ManifestError
from ptsync.manifest import json_schema, load, resolve_group
from ptsync.manifest.yamldoc import parse
from ptsync.state import Vocabularies

VOCAB = Vocabularies(
    categories={13: "Education", 15: "Science & Technology"},
    licences={1: "Attribution", 2: "Attribution - Share Alike"},
    languages={"en": "English", "nl": "Dutch"},
    privacies={1: "Public", 2: "Unlisted", 3: "Private"},
    channels={"lectures": 7, "talks": 9},
    playlist_privacies={1: "Public", 2: "Unlisted", 3: "Private"},
)
HEAD = "apiVersion: ptsync/v1\nsystem: nisv\n"


def write(folder: Path, body: str, name: str = "m.yaml") -> Path:
    path = folder / name
    path.write_text(HEAD + body)
    return path


def problems(*paths: Path) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load([str(p) for p in paths])
    return [str(p) for p in caught.value.problems]


def test_the_issue_shape_validates_offline(tmp_path, capsys):
    path = write(
        tmp_path,
        """\
channels:
  - name: lectures
    defaults: {category: Education, licence: Attribution, language: en}
    mirrors:
      - url: https://www.youtube.com/@some-university/videos
        since: 2024-01-01
        limit: 500
      - url: https://videos.example.org/feeds/videos.xml?videoChannelId=3
      - url: https://www.youtube.com/@another
        sync: server
      - url: http://127.0.0.1:9/closed-port.xml
""",
    )
    jsonschema.validate(parse(path.read_text()).data, json_schema())
    assert main(["validate", str(path)]) == 0  # no request: the closed port is never tried
    (group,) = load([str(path)]).groups
    (channel,) = group.members[0].model.channels
    assert [m.sync for m in channel.mirrors or ()] == [None, None, "server", None]


def test_each_problem_is_one_located_line_and_secrets_are_not_shown(tmp_path):
    path = write(
        tmp_path,
        """\
channels:
  - name: lectures
    defaults: {channel: talks, tags: [a]}
    mirrors:
      - url: ftp://example.org/feed.xml
        limit: 0
      - url: https://example.org/feed.xml?token=s3cret-token
        sync: server
        since: 2024-13-01
      - url: https://example.org/feed.xml
        limit: "10"
      - url: https://EXAMPLE.org/feed.xml#again
""",
    )
    found = problems(path)
    assert found == [
        f"{path}:5:16: channels[0].defaults.channel: a channel's defaults cannot set channel: "
        "they are for this channel's videos",
        f"{path}:5:39: channels[0].defaults.tags[0]: tag 'a' must be 2-30 characters",
        f"{path}:7:9: channels[0].mirrors[0].url: 'ftp://example.org/feed.xml' is not an "
        "http(s) URL",
        f"{path}:8:9: channels[0].mirrors[0].limit: must be 1 or more (got 0)",
        f"{path}:9:9: channels[0].mirrors[1].url: 'https://example.org/feed.xml?token=REDACTED' "
        "carries a secret: a PeerTube channel sync keeps its URL and shows it to the channel's "
        "managers",
        f"{path}:11:9: channels[0].mirrors[1].since: '2024-13-01' is not a date (use YYYY-MM-DD "
        "or ISO 8601): month must be in 1..12",
        f"{path}:11:9: channels[0].mirrors[1].since: since does not apply to sync: server "
        "(PeerTube imports the whole source, then its newest entries every hour)",
        # the same upstream once its secret is set aside
        f"{path}:12:9: channels[0].mirrors[2].url: already mirrored at {path}:9:9",
        f"{path}:13:9: channels[0].mirrors[2].limit: expected a whole number, got text '10'",
    ]
    assert not any("s3cret" in p for p in found)


def test_an_upstream_mirrored_into_two_channels_is_refused(tmp_path):
    one = write(
        tmp_path, "channels:\n  - name: lectures\n    mirrors: [{url: 'https://e.org/f.xml'}]\n"
    )
    two = write(
        tmp_path,
        "channels:\n  - name: talks\n    mirrors: [{url: 'https://e.org/f.xml'}]\n",
        "n.yaml",
    )
    assert problems(one, two) == [
        f"{two}:5:16: channels[0].mirrors[0].url: this upstream is already mirrored at {one}:5:16"
    ]


def test_curation_entries_and_playlist_elements_may_name_mirrored_ids(tmp_path):
    body = """\
videos:
  - id: youtube:dQw4w9WgXcQ
    tags: [curated]
playlists:
  - id: best
    displayName: Best
    videos: ["youtube:dQw4w9WgXcQ", "youtube:9bZkp7q19f0"]
"""
    mirrored = write(
        tmp_path,
        "channels:\n  - name: lectures\n    mirrors: [{url: 'https://e.org/f.xml'}]\n" + body,
    )
    (group,) = load([str(mirrored)]).groups
    desired = resolve_group(group, VOCAB, instance_url="https://v.example.org")
    assert desired.videos["youtube:dQw4w9WgXcQ"].curates
    plain = write(tmp_path, body, "plain.yaml")  # no mirror in this file: a source is needed
    found = problems(plain)
    assert any("videos[0].id: video 'youtube:dQw4w9WgXcQ' needs source.url" in p for p in found)
    assert any(
        "'youtube:9bZkp7q19f0' is not the id of a video in this manifest" in p for p in found
    )


def test_channel_defaults_sit_between_the_files_defaults_and_the_entrys_own_fields(tmp_path):
    path = write(
        tmp_path,
        """\
defaults: {privacy: Unlisted, category: Science & Technology, licence: Attribution}
channels:
  - name: lectures
    defaults: {category: Education, language: en}
    mirrors:
      - {url: "https://e.org/feed.xml", since: 2025-02-01, limit: 20}
videos:
  - id: a
    source: {url: https://e.org/a.mp4}
    name: In lectures
    channel: lectures
    language: nl
  - id: b
    source: {url: https://e.org/b.mp4}
    name: Elsewhere
    channel: talks
""",
    )
    (group,) = load([str(path)]).groups
    desired = resolve_group(group, VOCAB, instance_url="https://v.example.org")
    a, b = desired.videos["a"], desired.videos["b"]
    assert dict(a.fields) == {
        "privacy": 2,  # the file's defaults
        "category": 13,  # the channel's defaults over the file's
        "licence": 1,
        "language": "nl",  # its own over the channel's
        "channel": "lectures",
        "name": "In lectures",
    }
    assert a.field_refs["category"].path == "channels[0].defaults.category"
    assert b.fields["category"] == 15 and "language" not in b.fields
    (mirror,) = desired.mirrors
    assert (mirror.channel, mirror.since, mirror.limit, mirror.server) == (
        "lectures",
        date(2025, 2, 1),
        20,
        False,
    )
    assert dict(mirror.fields) == {
        "privacy": 2,
        "category": 13,
        "licence": 1,
        "language": "en",
        "channel": "lectures",
    }
    assert mirror.ref.path == "channels[0].mirrors[0].url"
    (lectures,) = [c for c in desired.channels if c.name == "lectures"]
    assert lectures.manages_syncs and lectures.defaults == {"category": 13, "language": "en"}


def test_the_published_schema_describes_mirrors():
    schema = json.dumps(json_schema())
    assert "MirrorModel" in schema and "import.video_channel_synchronization.enabled" in schema
