"""Issue 6: start from what exists — export a channel, adopt with markers and pinned uuids."""

from __future__ import annotations

import pytest
import yaml

from tests.integration.conftest import marked_videos


@pytest.fixture
def existing(backend):
    if backend.fake is None:
        pytest.skip("seeds videos through the fake's admin API")
    fake = backend.fake
    fake.add_video(
        "alice",
        name="Old lecture",
        description="Line one.\n\nLine two with **markdown**.",
        tags=["physics", "archive"],
        category=15,
        privacy=2,
    )
    fake.add_video("alice", name="Old interview", nsfw=True, language="nl")
    return fake


def test_export_writes_a_manifest_that_plans_no_changes(backend, existing, cli, tmp_path):
    target = tmp_path / "manifests" / "exported.yaml"
    target.parent.mkdir(exist_ok=True)
    result = cli("export", "--channel", backend.channel, "--system", "nisv", "-o", str(target))
    assert result.code == 0, result.err
    text = target.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert "Old lecture" in text and "Old interview" in text and "uuid:" in text
    assert "nsfw: true" in text and "downloadEnabled" not in text  # only non-default fields
    existing.clear_requests()
    plan = cli("plan", str(target), "--detailed-exitcode")
    assert plan.code == 0, plan.out + plan.err
    assert "No changes." in plan.out
    assert existing.count("PUT") == 0


def test_adopt_writes_markers_and_pins_uuids_without_touching_the_rest(
    backend, existing, cli, write_manifest
):
    old = {v["name"]: v for v in existing.videos()}
    body = """\
# Our archive. Comments and formatting must survive adoption.
videos:
  - id: lecture-1        # keep this comment
    uuid: {pinned}
    name: Old lecture
  - {{id: interview-1, name: "Old interview", source: {{url: "https://archive.example.org/i1.mp4"}}}}
"""
    path = write_manifest(body, pinned=old["Old lecture"]["uuid"])
    before = path.read_text()
    plan = cli("plan", str(path))
    assert "ptsync adopt" in plan.out  # the pinned video lacks a marker: adopt is suggested
    result = cli("adopt", str(path), "--auto-approve")
    assert result.code == 0, result.err
    assert "lecture-1" in marked_videos(existing)
    # lecture-1 is pinned already; interview-1 has the name of an existing unmanaged video (a
    # possible duplicate): adopt pins that video and marks it, never creates (issue 13 item 10)
    interview = old["Old interview"]["uuid"]
    pinned = f"  - {{uuid: {interview}, id: interview-1, "
    assert path.read_text() == before.replace("  - {id: interview-1, ", pinned)
    assert "interview-1" in marked_videos(existing) and len(existing.videos()) == 2


def test_adopt_pins_uuids_of_marker_matched_entries_byte_for_byte(backend, cli, write_manifest):
    fake = backend.fake
    if fake is None:
        pytest.skip("inspects the fake")
    body = """\
# A comment that must survive.
videos:
  - id: a1          # trailing comment
    source: {{url: "https://archive.example.org/a1.mp4"}}
    name: 'Quoted name'
  - {{id: b2, source: {{url: https://archive.example.org/b2.mp4}}, name: Flow entry}}
"""
    path = write_manifest(body)
    assert cli("apply", str(path), "--auto-approve", "--wait").code == 0
    before = path.read_text()
    assert cli("adopt", str(path), "--auto-approve").code == 0
    after = path.read_text()
    videos = marked_videos(fake)
    a1, b2 = videos["a1"]["uuid"], videos["b2"]["uuid"]
    expected = before.replace(
        "  - id: a1          # trailing comment\n",
        f"  - id: a1          # trailing comment\n    uuid: {a1}\n",
    ).replace("  - {id: b2, ", f"  - {{uuid: {b2}, id: b2, ")
    assert after == expected
    assert "No changes." in cli("plan", str(path)).out


def test_export_writes_the_system_s_playlists_so_its_plan_says_no_changes(
    backend, cli, write_manifest, tmp_path
):
    """Every plan lists the account's playlists and names owned ones a manifest lacks (exit 2
    with --detailed-exitcode): the export writes them, their videos by the exported ids."""
    path = write_manifest(
        """\
        defaults: {{channel: {channel}, privacy: Public}}
        videos:
          - {{id: a1, source: {{url: "https://archive.example.org/a1.mp4"}}, name: First}}
          - {{id: b2, source: {{url: "https://archive.example.org/b2.mp4"}}, name: Second}}
          - {{id: c3, source: {{url: "https://archive.example.org/c3.mp4"}}, name: Third}}
        playlists:
          - id: best
            displayName: Best of
            description: "Chosen by hand.\\n\\nIn this order."
            privacy: Unlisted
            videos: [c3, a1]
        """
    )
    assert cli("apply", str(path), "--auto-approve", "--wait").code == 0
    target = tmp_path / "export" / "exported.yaml"
    target.parent.mkdir()
    result = cli("export", "--system", backend.system, "-o", str(target))
    assert result.code == 0, result.err
    assert "3 videos and 1 playlist" in result.err
    doc = yaml.safe_load(target.read_text())
    (playlist,) = doc["playlists"]
    assert playlist == {
        "id": "best",
        "displayName": "Best of",
        "description": "Chosen by hand.\n\nIn this order.\n",
        "privacy": "Unlisted",
        "channel": backend.channel,
        "videos": ["c3", "a1"],
    }
    plan = cli("plan", str(target), "--detailed-exitcode")
    assert plan.code == 0 and "No changes." in plan.out, plan.text
