"""A saved plan carries channel and playlist changes as typed values and applies them, in
apply order, against a PeerTube over real HTTP (the fake): create, update, then delete."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ptsync import clock as clocks
from ptsync.cli.app import main
from ptsync.clock import FakeClock
from ptsync.testing import FakePeerTube
from tests.fakeenv import PASSWORD, USER, point_at

MANIFEST = """apiVersion: ptsync/v1
system: nisv
channels:
  - name: lectures_channel
    displayName: {channel_title}
videos:
  - id: l1
    source: {{url: "https://archive.example.org/l1.mp4"}}
    name: Lecture one
    channel: lectures_channel
"""
PLAYLIST = """playlists:
  - id: best
    displayName: {title}
    privacy: Public
    channel: lectures_channel
    videos: [l1]
  - id: other
    displayName: Other
    videos: []
"""
ONLY_OTHER = """playlists:
  - id: other
    displayName: Other
    videos: []
"""


@pytest.fixture
def fake(monkeypatch, tmp_path) -> Iterator[FakePeerTube]:
    clock = FakeClock()  # the fake's and (as the default) the in-process CLI's
    with (
        FakePeerTube(
            rate_limit=None, login_rate_limit=None, import_duration=0.05, clock=clock
        ) as server,
        clocks.using(clock),
    ):
        server.add_user(USER, PASSWORD)
        point_at(monkeypatch, server, tmp_path / "cache")
        yield server


def run(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def saved(capsys, manifest: Path, plan_file: Path, *options: str) -> list[tuple[str, str]]:
    """Plan into a file; the (resource, action) of its channel and playlist changes."""
    code, out = run(capsys, "plan", str(manifest), "--out", str(plan_file), *options)
    assert code == 0, out
    (group,) = json.loads(plan_file.read_text())["groups"]
    return [(r["resource"], r["action"]) for r in group["plan"]["resources"]]


def managed_playlists(fake: FakePeerTube) -> list[dict]:
    return [p for p in fake.playlists(USER) if "ptsync:nisv/" in (p.get("description") or "")]


def first_post(fake: FakePeerTube, path: str) -> int:
    return next(i for i, r in enumerate(fake.requests) if (r.method, r.path) == ("POST", path))


def test_saved_plan_creates_updates_and_deletes_channels_and_playlists(fake, tmp_path, capsys):
    manifest, plan_file = tmp_path / "m.yaml", tmp_path / "plan.json"
    manifest.write_text(MANIFEST.format(channel_title="Lectures") + PLAYLIST.format(title="Best"))
    kinds = saved(capsys, manifest, plan_file)
    assert kinds == [("channel", "create"), ("playlist", "create"), ("playlist", "create")]
    code, out = run(capsys, "apply", str(plan_file), "--wait")
    assert code == 0, out
    # channels, then videos (in the new channel), then playlists (holding the new video)
    channel_at = first_post(fake, "/api/v1/video-channels")
    video_at = first_post(fake, "/api/v1/videos/imports")
    playlist_at = first_post(fake, "/api/v1/video-playlists")
    assert channel_at < video_at < playlist_at
    (video,) = fake.videos(USER)
    assert video["channel"]["name"] == "lectures_channel"
    playlist = next(p for p in managed_playlists(fake) if p["displayName"] == "Best")
    assert playlist["description"].startswith("<!-- ptsync:nisv/best")
    assert fake.playlist_videos(playlist["id"]) == [video["uuid"]]

    manifest.write_text(
        MANIFEST.format(channel_title="All lectures") + PLAYLIST.format(title="Best of")
    )
    assert saved(capsys, manifest, plan_file) == [("channel", "update"), ("playlist", "update")]
    code, out = run(capsys, "apply", str(plan_file))
    assert code == 0, out
    assert {p["displayName"] for p in managed_playlists(fake)} == {"Best of", "Other"}
    assert fake.count("POST", "/api/v1/video-channels") == 1
    assert fake.count("PUT", "/api/v1/video-channels/lectures_channel") == 1

    manifest.write_text(MANIFEST.format(channel_title="All lectures") + ONLY_OTHER)
    assert saved(capsys, manifest, plan_file, "--prune") == [("playlist", "delete")]
    code, out = run(capsys, "apply", str(plan_file))
    assert code == 0, out
    assert [p["displayName"] for p in managed_playlists(fake)] == ["Other"]
    code, out = run(capsys, "plan", str(manifest), "--prune")
    assert code == 0 and "No changes." in out
