"""Issue 13 item 7: plans a person can read — a changed description as the lines that differ
(text and markdown), playlist privacy as its label, one spelling for resources, "1 video",
one uuid per line; in JSON a location is an object and labels are only the ones used.
Issue 20 item 2: the changed words marked (``[-old-]{+new+}``), values never cut, lines
wrapped at the terminal's width (in a real pseudo-terminal) or at a fixed one in a pipe."""

from __future__ import annotations

import fcntl
import json
import os
import re
import struct
import subprocess
import termios

from tests.cli.conftest import PYTHON, command_env
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
    assert "      description:\n        @@ -1,4 +1,4 @@\n" in text
    assert "        Digitised from the original [-35-]{+16+} mm reel.\n" in text
    assert "        Sound restored in 2019 by the archive's own team, from the optical" in text
    assert "chars)" not in text  # no cut previews with lengths

    markdown = cli("plan", str(path), "--format", "markdown").out
    assert "**description**: see the diff below" in markdown
    block = markdown.split("```diff\n", 1)[1].split("```", 1)[0]
    assert "-Digitised from the original [-35-] mm reel.\n" in block
    assert "+Digitised from the original {+16+} mm reel.\n" in block
    assert " Archive footage of the Apollo 11 landing.\n" in block  # context lines

    doc = json.loads(cli("plan", str(path), "--format", "json").out)
    (change,) = doc["plans"][0]["changes"][0]["changes"]
    assert (change["old"], change["new"]) == (
        edited.split("\n\n", 1)[1],
        video["description"].split("\n\n", 1)[1],
    )  # JSON keeps both whole values (without the marker)


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


LONG_EDIT = """\
videos:
  - id: moon
    source: {{url: "https://archive.example.org/moon.mp4"}}
    name: {name}
    channel: alice_channel
    description: {description}
"""
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def in_a_terminal(argv: list[str], env: dict[str, str], columns: int) -> str:
    """What ``argv`` shows on a pseudo-terminal ``columns`` wide (as a person sees it)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=60) == 0, seen.decode()
    os.close(master)
    return ANSI.sub("", seen.decode().replace("\r\n", "\n"))


def test_a_long_text_edit_wraps_at_the_terminal_width_and_at_100_in_a_pipe(
    fake, manifest, cli, tmp_path
):
    words = " ".join(f"word{i}" for i in range(1500))  # one line of 12 000 characters
    name = "Moon landing, as filmed by the crew and restored by the archive in the year 1969"
    path = manifest(LONG_EDIT.format(name=name, description=words[:8000]))
    assert cli("apply", str(path), "--auto-approve", "--no-wait").code == 0
    cut = words.index(" ", 4000)
    edited = words[:cut] + " inserted by a reviewer" + words[cut:8000]
    path = manifest(LONG_EDIT.format(name=name.replace("1969", "1970"), description=edited))

    env = command_env(fake, tmp_path / "cache", TERM="xterm-256color")
    env.pop("COLUMNS", None)
    shown = in_a_terminal([PYTHON, "-m", "ptsync", "plan", str(path)], env, columns=64)
    rows = shown.splitlines()
    assert max(len(row) for row in rows) <= 64, shown
    assert "word513 {+inserted by a reviewer +}word514" in " ".join(shown.split())
    assert f'"{name}" → "{name.replace("1969", "1970")}"' in " ".join(shown.split())

    piped = cli("plan", str(path)).out  # not a terminal: the fixed width
    assert max(len(row) for row in piped.splitlines()) <= 100
    assert len(piped) < 1500  # the edit, not 8 000 characters twice
    assert f'      name: "{name}"\n          → "{name.replace("1969", "1970")}"\n' in piped
