"""Playlists and channels as resources: created, updated, reordered with the fewest moves."""

from __future__ import annotations

import json

import pytest

from ptsync.plan.resources import moves_needed, reorder_steps

VIDEOS = """
videos:
  - {{id: a, source: {{url: "https://archive.example.org/a.mp4"}}, name: Video A}}
  - {{id: b, source: {{url: "https://archive.example.org/b.mp4"}}, name: Video B}}
  - {{id: c, source: {{url: "https://archive.example.org/c.mp4"}}, name: Video C}}
  - {{id: d, source: {{url: "https://archive.example.org/d.mp4"}}, name: Video D}}
playlists:
  - id: best
    displayName: {title}
    privacy: Public
    channel: {channel}
    videos: [{order}]
"""


def _fake(backend):
    if backend.fake is None:
        pytest.skip("inspects the fake")
    return backend.fake


def _managed_playlists(fake):
    return [p for p in fake.playlists("alice") if "ptsync:" in (p.get("description") or "")]


def _order(fake, playlist_id):
    by_uuid = {v["uuid"]: v["name"][-1].lower() for v in fake.videos()}
    return [by_uuid[u] for u in fake.playlist_videos(playlist_id)]


def test_playlist_created_with_videos_then_reordered_with_one_move(backend, cli, write_manifest):
    fake = _fake(backend)
    path = write_manifest(VIDEOS, title="Best of", order="a, b, c")
    result = cli("apply", str(path), "--auto-approve", "--wait")
    assert result.code == 0, result.out + result.err
    (playlist,) = _managed_playlists(fake)
    assert playlist["displayName"] == "Best of"
    assert playlist["description"].startswith("<!-- ptsync:nisv/best")
    assert _order(fake, playlist["id"]) == ["a", "b", "c"]
    assert "No changes." in cli("plan", str(path)).out

    path = write_manifest(VIDEOS, title="Best of", order="c, a, b")
    assert "move c" in cli("plan", str(path)).out
    fake.clear_requests()
    assert cli("apply", str(path), "--auto-approve").code == 0
    assert fake.count("POST", "/api/v1/video-playlists/*/videos/reorder") == 1
    assert fake.count("PUT") == 0  # the playlist's texts did not change
    assert _order(fake, playlist["id"]) == ["c", "a", "b"]

    path = write_manifest(VIDEOS, title="Best of all", order="d, c, a")
    plan = cli("plan", str(path)).out
    assert "displayName" in plan and "add d" in plan and "remove" in plan
    assert cli("apply", str(path), "--auto-approve").code == 0
    assert _order(fake, playlist["id"]) == ["d", "c", "a"]
    assert _managed_playlists(fake)[0]["displayName"] == "Best of all"
    assert "No changes." in cli("plan", str(path)).out


def test_unknown_video_id_in_a_playlist_is_a_manifest_error(backend, cli, write_manifest):
    path = write_manifest(VIDEOS, title="Best", order="a, zz")
    result = cli("validate", str(path))
    assert (
        result.code == 1 and "playlists[0].videos[1]: 'zz' is not the id of a video" in result.err
    )


def test_channel_declared_is_created_then_updated(backend, cli, write_manifest):
    fake = _fake(backend)
    body = """
channels:
  - name: lectures_channel
    displayName: {title}
    description: Recorded lectures.
videos:
  - id: l1
    source: {{url: "https://archive.example.org/l1.mp4"}}
    name: Lecture in the new channel
    channel: lectures_channel
"""
    path = write_manifest(body, title="Lectures")
    result = cli("apply", str(path), "--auto-approve", "--wait")
    assert result.code == 0, result.out + result.err
    assert fake.count("POST", "/api/v1/video-channels") == 1
    video = next(v for v in fake.videos() if v["name"] == "Lecture in the new channel")
    assert video["channel"]["name"] == "lectures_channel"
    assert "No changes." in cli("plan", str(path)).out
    path = write_manifest(body, title="All lectures")
    assert 'displayName: "Lectures" → "All lectures"' in cli("plan", str(path)).out
    assert cli("apply", str(path), "--auto-approve").code == 0
    assert "No changes." in cli("plan", str(path)).out


@pytest.mark.parametrize(
    ("current", "target", "moves"),
    [
        ("abcde", "abcde", 0),
        ("abcde", "eabcd", 1),
        ("abcde", "edcba", 4),
        ("abcde", "badce", 2),
        ("cab", "abc", 1),
    ],
)
def test_reorder_uses_the_fewest_moves(current, target, moves):
    assert len(moves_needed(list(current), list(target))) == moves
    assert len(reorder_steps(list(current), list(target))) == moves


UNLISTED = """
videos:
  - {{id: a, source: {{url: "https://archive.example.org/a.mp4"}}, name: Video A}}
  - {{id: b, source: {{url: "https://archive.example.org/b.mp4"}}, name: Video B}}
  - {{id: c, source: {{url: "https://archive.example.org/c.mp4"}}, name: Video C}}
playlists:
  - id: unlisted
    displayName: Unlisted from the start
    privacy: Unlisted
    channel: {channel}
    videos: [{first}]
  - id: later
    displayName: Private, then unlisted, then private
    privacy: {later}
    channel: {channel}
    videos: [{second}]
"""


PLAYLIST_PATH = "/api/v1/video-playlists/"


def _state(fake):
    """Each managed playlist: (privacy id, video order as the fake holds it)."""
    by_uuid = {v["uuid"]: v["name"][-1].lower() for v in fake.videos()}
    return {
        p["description"].split("/", 1)[1].split(" ", 1)[0]: (
            p["privacy"]["id"],
            [by_uuid[u] for u in fake.playlist_videos(p["uuid"])],
        )
        for p in _managed_playlists(fake)
    }


def test_unlisted_playlists_are_created_changed_filled_and_converge(backend, cli, write_manifest):
    """PeerTube refuses a numeric id for an unlisted playlist's element listing (404
    "Playlist not found"): every plan and apply reads and writes playlists by uuid."""
    fake = _fake(backend)

    def step(later: str, first: str, second: str) -> None:
        path = write_manifest(UNLISTED, later=later, first=first, second=second)
        applied = cli("apply", str(path), "--auto-approve", "--wait")
        assert applied.code == 0, applied.text
        again = cli("plan", str(path), "--detailed-exitcode")
        assert again.code == 0 and "No changes." in again.out, again.text

    step("Private", "a, b", "c")
    assert _state(fake) == {"unlisted": (2, ["a", "b"]), "later": (3, ["c"])}
    step("Unlisted", "b, a, c", "c, a")  # reordered, added; the other becomes unlisted
    assert _state(fake) == {"unlisted": (2, ["b", "a", "c"]), "later": (2, ["c", "a"])}
    step("Private", "c", "a, c")  # removed, moved; back to private
    assert _state(fake) == {"unlisted": (2, ["c"]), "later": (3, ["a", "c"])}
    named = {r.path.split("/")[4] for r in fake.requests if r.path.startswith(PLAYLIST_PATH)}
    assert named - {"privacies"} <= {p["uuid"] for p in fake.playlists("alice")}, named


TWO_PLAYLISTS = """
videos:
  - {{id: a, source: {{url: "https://archive.example.org/a.mp4"}}, name: Video A}}
{playlists}"""
PLAYLIST = """
  - {{id: {id}, displayName: {id}, privacy: Private, videos: [a]}}"""


def test_owned_playlists_missing_from_the_manifest_are_noticed_like_videos(
    backend, cli, write_manifest
):
    fake = _fake(backend)
    listed = "playlists:" + "".join(PLAYLIST.format(id=i) for i in ("keep", "gone1", "gone2"))
    path = write_manifest(TWO_PLAYLISTS, playlists=listed)
    assert cli("apply", str(path), "--auto-approve", "--wait").code == 0

    kept = "playlists:" + PLAYLIST.format(id="keep")
    for playlists, missing in ((kept, "2 playlists"), ("", "3 playlists")):  # then none at all
        path = write_manifest(TWO_PLAYLISTS, playlists=playlists)
        plan = cli("plan", str(path), "--detailed-exitcode")
        assert plan.code == 2, plan.text  # drift a person must decide on, as for videos
        names = "gone1, gone2" + (", keep" if not playlists else "")
        shown = " ".join(plan.out.split())  # the notice wraps at 100 columns
        assert (
            f"! {missing} carry the nisv marker but are not in the manifest ({names}); "
            "--prune deletes them No changes."
        ) in shown
        assert "No changes. 1 video matches the manifest. 1 notice needs attention" in plan.out
        doc = json.loads(cli("plan", str(path), "--format", "json").out)
        (notice,) = doc["plans"][0]["notices"]
        assert notice["kind"] == "not-in-manifest"

    path = write_manifest(TWO_PLAYLISTS, playlists=kept)
    pruned = cli("plan", str(path), "--prune", "--detailed-exitcode")
    assert pruned.code == 2 and "not in the manifest" not in pruned.out
    assert "  - delete playlist gone1\n" in pruned.out and "delete playlist gone2" in pruned.out
    assert cli("apply", str(path), "--prune", "--auto-approve").code == 0
    assert [p["displayName"] for p in _managed_playlists(fake)] == ["keep"]
    assert cli("plan", str(path), "--detailed-exitcode").code == 0
