"""Issue 13 item 2: ``ptsync demo`` works from any folder (its example ships in the package),
and ``--keep DIR`` copies the example there to edit.

Issue 20 item 9: the demo reads as one story, in order, on stdout (also in a real terminal):
every step's title says something and is followed by what it shows; videos are named as the
plans name them (external id and name, the uuid only where the plan shows it)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ptsync.cli.demo import demo_data
from tests.cli.conftest import PYTHON, ROOT
from tests.cli.test_readable_plans import in_a_terminal

STORY = [
    "ptsync demo, against a fake PeerTube 6.3 at http://127.0.0.1:",
    "The manifest: the bundled example, manifests/example.yaml.",
    "=== 1. ptsync plan example.yaml",
    "  + create 123abc  (import https://archive.example.org/123abc.mp4)",
    "Plan: 4 to create, 0 to update, 0 to delete, 0 unchanged.",
    "=== 2. ptsync apply example.yaml --auto-approve",
    "  ✓ create playlist apollo",
    "Apply complete: 4 created, 0 updated, 0 deleted, 0 failed",
    "=== 3. ptsync plan example.yaml",
    "No changes. 3 videos match the manifest.",
    '=== 4. Someone edits 123abc ("Moon landing, 1969") in the web UI',
    "They rename it and add two words to its description.",
    "=== 5. ptsync plan example.yaml",
    '  ~ update 123abc  "Moon landing, 1969 (renamed in the web UI)"',
    '      name: "Moon landing, 1969 (renamed in the web UI)" → "Moon landing, 1969"',
    "        Archive footage of the Apollo 11 landing.[- (edited online)-]",
    "Plan: 0 to create, 1 to update, 0 to delete, 2 unchanged.",
    "Next: ptsync demo --keep DIR copies the example to DIR, to edit and demo again.",
]
SHORT_UUID = re.compile(r"\b[1-9A-HJ-NP-Za-km-z]{22}\b")


def assert_story(shown: str) -> None:
    """The steps in order, each title saying something and followed by what it shows."""
    at = 0
    for line in STORY:
        found = shown.find(line, at)
        assert found >= 0, f"{line!r} missing after position {at}:\n{shown}"
        at = found + len(line)
    rows = shown.splitlines()
    for i, row in enumerate(rows):
        if row.startswith("=== "):
            assert not row.endswith(":") and rows[i + 1].strip(), (row, rows[i + 1])
    assert not SHORT_UUID.search(shown), SHORT_UUID.search(shown)


EXAMPLE_FILES = sorted(p.relative_to(ROOT) for p in (ROOT / "manifests").rglob("*") if p.is_file())


def test_the_packaged_example_is_the_repository_example_byte_for_byte():
    """Users copy manifests/example.yaml from the repository; the demo runs the packaged one."""
    assert Path("manifests/example.yaml") in EXAMPLE_FILES
    for relative in EXAMPLE_FILES:
        packaged = demo_data().joinpath(*relative.parts)
        assert packaged.is_file(), f"{relative} is missing from ptsync/cli/demo_data/"
        assert packaged.read_bytes() == (ROOT / relative).read_bytes(), f"{relative} drifted"


def test_package_data_ships_every_demo_file():
    """pyproject's package-data glob covers the demo files (so `pip install .` ships them)."""
    text = (ROOT / "pyproject.toml").read_text()
    assert '"cli/demo_data/**/*"' in text


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    folder = tmp_path / "somewhere-else"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for key in ("PEERTUBE_URL", "PEERTUBE_USERNAME", "PEERTUBE_PASSWORD", "PEERTUBE_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    return folder


def test_demo_runs_from_a_folder_without_manifests(elsewhere, cli):
    result = cli("demo")
    assert result.code == 0, result.text
    assert_story(result.out)
    assert result.err == ""  # one story, on one stream
    assert len(set(re.findall(r"\(([0-9a-f-]{36})\)", result.out))) == 1  # as the plan shows it
    assert list(elsewhere.iterdir()) == []  # nothing left behind in the user's folder


def test_demoin_a_terminal_is_one_story_within_its_width(elsewhere, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PEERTUBE_", "NO_COLOR"))}
    env.update(TERM="xterm-256color", PTSYNC_CACHE_DIR=str(tmp_path / "cache"))
    env.update(PYTHONPATH=str(ROOT))
    env.pop("COLUMNS", None)
    shown = in_a_terminal([PYTHON, "-m", "ptsync", "demo"], env, columns=80)
    assert_story(shown)
    assert max(len(row) for row in shown.splitlines()) <= 80


def test_demo_keep_copies_the_example_to_edit_and_runs_on_the_copy(elsewhere, cli, tmp_path):
    target = tmp_path / "my-example"
    result = cli("demo", "--keep", str(target))
    assert result.code == 0, result.text
    for relative in EXAMPLE_FILES:
        assert (target / relative).read_bytes() == (ROOT / relative).read_bytes()
    schema = target / "schema" / "ptsync.schema.json"
    assert schema.is_file()  # what the manifest's `$schema=../schema/ptsync.schema.json` names
    first = (target / "manifests" / "example.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/ptsync.schema.json"
    assert f"  ptsync demo --keep {target}\n" in result.out

    edited = (
        (target / "manifests" / "example.yaml")
        .read_text()
        .replace("name: Lecture 7 - Orbital mechanics", "name: Lecture 7 - Edited")
    )
    (target / "manifests" / "example.yaml").write_text(edited)
    again = cli("demo", "--keep", str(target))
    assert again.code == 0, again.text
    assert '"Lecture 7 - Edited"' in again.out  # the copy is kept and demoed as edited
