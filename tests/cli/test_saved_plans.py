"""Issue 13 item 11: a saved plan records paths relative to itself, so ``apply PLAN`` works
from any folder (and from a copy of the checkout elsewhere); applying it again says it was
already applied (exit 0) instead of calling it stale."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.integration.conftest import marked_videos

BODY = """\
videos:
  - id: up-1
    source: {file: media/clip.mp4}
    name: Uploaded clip
    channel: alice_channel
    thumbnail: media/thumb.png
  - id: imp-1
    source: {url: "https://archive.example.org/imp-1.mp4"}
    name: Imported
    channel: alice_channel
"""


@pytest.fixture
def checkout(tmp_path, manifest, monkeypatch):
    repo = tmp_path / "repo"
    path = manifest(BODY, folder=repo / "manifests")
    media = path.parent / "media"
    media.mkdir()
    (media / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"y" * 4096)
    (media / "thumb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"z" * 64)
    monkeypatch.chdir(repo)
    return repo


def test_a_saved_plan_applies_from_another_folder_and_another_checkout(
    fake, checkout, cli, tmp_path, monkeypatch
):
    result = cli("plan", "manifests/", "--out", "plans/next.json")
    assert result.code == 0, result.text
    doc = json.loads((checkout / "plans" / "next.json").read_text())
    assert doc["manifests"] == ["../manifests"]
    (group,) = doc["groups"]
    upload = next(c for c in group["plan"]["changes"] if c["external_id"] == "up-1")
    assert upload["source"] == "../manifests/media/clip.mp4"
    assert upload["thumbnail"]["path"] == "../manifests/media/thumb.png"

    moved = tmp_path / "other-checkout"
    shutil.copytree(checkout, moved)
    shutil.rmtree(checkout)  # the original paths are gone: only relative ones can work
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    applied = cli("apply", str(moved / "plans" / "next.json"), "--no-wait")
    assert applied.code == 0, applied.text
    assert sorted(marked_videos(fake)) == ["imp-1", "up-1"]
    assert fake.thumbnail(marked_videos(fake)["up-1"]["uuid"])


def test_applying_an_applied_plan_says_so(fake, checkout, cli):
    assert cli("plan", "manifests/", "--out", "next.json").code == 0
    assert cli("apply", "next.json", "--no-wait").code == 0
    posts = fake.count("POST")
    again = cli("apply", "next.json", "--no-wait")
    assert again.code == 0, again.text
    assert "next.json was already applied" in again.err and "stale" not in again.err
    assert fake.count("POST") == posts  # nothing sent twice

    fake.edit_video(marked_videos(fake)["imp-1"]["uuid"], name="Renamed by hand")
    stale = cli("apply", "next.json", "--no-wait")  # drifted since: the plan no longer fits
    assert stale.code == 4 and "stale" in stale.err
