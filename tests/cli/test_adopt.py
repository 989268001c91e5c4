"""Issue 13 item 10: ``ptsync adopt`` never creates. It pins uuids and writes markers —
also for entries the plan holds back as possible duplicates (one unmanaged video with the
entry's name) — says what it pinned, and leaves creating to apply."""

from __future__ import annotations

from tests.integration.conftest import marked_videos

BODY = """\
videos:
  - id: interview-1
    source: {url: "https://archive.example.org/i1.mp4"}
    name: Old interview
    channel: alice_channel
  - id: brand-new
    source: {url: "https://archive.example.org/new.mp4"}
    name: Not on the server yet
    channel: alice_channel
  - id: twice
    source: {url: "https://archive.example.org/twice.mp4"}
    name: Same name twice
"""


def test_adopt_pins_a_possible_duplicate_and_creates_nothing(fake, manifest, cli):
    old = fake.add_video("alice", name="Old interview", tags=["x1"])
    fake.add_video("alice", name="Same name twice")
    fake.add_video("alice", name="Same name twice")
    path = manifest(BODY)
    before = fake.count("POST")
    result = cli("adopt", str(path), "--auto-approve")
    assert result.code == 0, result.text
    assert len(fake.videos()) == 3 and fake.count("POST") - before == 1  # the login: no create
    assert fake.imports() == []
    assert list(marked_videos(fake)) == ["interview-1"]
    assert marked_videos(fake)["interview-1"]["uuid"] == old["uuid"]
    assert f"pin interview-1: uuid {old['uuid']} (same name)" in result.err
    assert f"Pinned 1 uuid in {path}" in result.err
    assert "Left for `ptsync apply` (adopt never creates): 1 change." in result.err
    assert "  ~ update interview-1" in result.out and "+ create" not in result.out
    assert "not creating twice: 2 videos" in result.out  # ambiguous: not guessed
    text = path.read_text()
    assert f"  - id: interview-1\n    uuid: {old['uuid']}\n" in text
    assert text.count("uuid:") == 1

    plan = cli("plan", str(path))
    assert "+ create brand-new" in plan.out and "interview-1" not in plan.out
    assert cli("adopt", str(path), "--auto-approve").code == 0  # again: nothing to do
    assert len(fake.videos()) == 3 and path.read_text() == text


def test_adopt_without_writing_uuids_still_marks_the_video(fake, manifest, cli):
    old = fake.add_video("alice", name="Old interview")
    path = manifest(BODY.split("  - id: brand-new")[0])
    before = path.read_text()
    result = cli("adopt", str(path), "--auto-approve", "--no-write-uuids")
    assert result.code == 0, result.text
    assert path.read_text() == before
    assert marked_videos(fake)["interview-1"]["uuid"] == old["uuid"]
    assert "No changes. 1 video matches the manifest." in cli("plan", str(path)).out
