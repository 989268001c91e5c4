"""Issue 13 item 7: plans a person can read — a changed description as the lines that differ
(text and markdown), playlist privacy as its label, one spelling for resources, "1 video",
one uuid per line; in JSON a location is an object and labels are only the ones used."""

from __future__ import annotations

import json
import re

from tests.integration.conftest import marked_videos

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DESCRIPTION = """\
    description: |
      Archive footage of the Apollo 11 landing.

      Digitised from the original 16 mm reel.
      Sound restored in 2019 by the archive's own team, from the optical track of the copy.
"""
VIDEO = """\
videos:
  - id: moon
    source: {{url: "https://archive.example.org/moon.mp4"}}
    name: Moon landing
    channel: alice_channel
{description}playlists:
  - id: apollo
    displayName: Apollo 11
    privacy: Public
    channel: alice_channel
    videos: [moon]
"""


def test_a_changed_description_shows_the_lines_that_differ(fake, manifest, cli):
    path = manifest(VIDEO.format(description=DESCRIPTION))
    applied = cli("apply", str(path), "--auto-approve", "--no-wait")
    assert applied.code == 0, applied.text
    video = marked_videos(fake)["moon"]
    edited = video["description"].replace("16 mm reel", "35 mm reel")
    fake.edit_video(video["uuid"], description=edited)

    text = cli("plan", str(path)).out
    assert "      description:\n        @@ " in text
    assert "        -Digitised from the 35 mm reel." not in text  # only real lines
    assert "        -Digitised from the original 35 mm reel.\n" in text
    assert "        +Digitised from the original 16 mm reel.\n" in text
    assert "chars)" not in text  # no cut previews with lengths
    assert "         Sound restored in 2019 by the archive's own team, from the optical" in text

    markdown = cli("plan", str(path), "--format", "markdown").out
    assert "**description**: see the diff below" in markdown
    block = markdown.split("```diff\n", 1)[1].split("```", 1)[0]
    assert "-Digitised from the original 35 mm reel.\n" in block
    assert "+Digitised from the original 16 mm reel.\n" in block


def test_playlists_read_like_videos(fake, manifest, cli):
    path = manifest(VIDEO.format(description=""))
    plan = cli("plan", str(path))
    assert "  + create playlist apollo\n" in plan.out
    assert "      privacy = Public\n" in plan.out  # the label, not the id 1
    markdown = cli("plan", str(path), "--format", "markdown").out
    assert "playlist `apollo`" in markdown and "**privacy**: Public" in markdown
    applied = cli("apply", str(path), "--auto-approve", "--no-wait")
    assert "  ✓ create playlist apollo\n" in applied.err  # as the plan spells it
    assert "playlist:apollo" not in applied.err
    again = cli("plan", str(path))
    assert "No changes. 1 video matches the manifest." in again.out
    assert cli("validate", str(path)).err == "OK: 1 file, 1 video in 1 group\n"


def test_one_uuid_per_line(fake, manifest, cli):
    fake.add_video("alice", name="Unlisted lecture", category=2)
    path = manifest(
        """\
        rules:
          - match: {channel: alice_channel}
            set: {category: 15}
        videos: []
        """
    )
    out = cli("plan", str(path)).out
    assert "~ update" in out and "(by a rule)" in out
    for line in out.splitlines():
        assert len(UUID.findall(line)) <= 1, line


def test_json_locations_are_objects_and_labels_only_the_used_ones(fake, manifest, cli):
    path = manifest(
        """\
        videos:
          - id: moon
            source: {url: "https://archive.example.org/moon.mp4"}
            name: Moon landing
            channel: alice_channel
            category: Science & Technology
            privacy: Unlisted
        """
    )
    doc = json.loads(cli("plan", str(path), "--format", "json").out)
    (plan,) = doc["plans"]
    (create,) = plan["changes"]
    assert create["location"] == {
        "file": str(path),
        "line": 4,
        "column": 5,
        "path": "videos[0]",
    }
    assert plan["labels"] == {
        "category": {"15": "Science & Technology"},
        "privacy": {"2": "Unlisted"},
    }
