"""Mirrors end to end over HTTP (6.3 and 8.3): feeds and pages served on loopback
(``TestUpstream``), another fake PeerTube, the fake's channel syncs.

Backfill with ``limit``, a new upstream entry picked up by the next apply, curated fields on every
mirrored video, a second apply that changes nothing, a web-UI edit seen as drift, a video
imported beforehand under another spelling adopted (never imported twice), an entry removed
upstream noticed then pruned, a failed listing that holds its videos while the rest applies,
bad sources one line each, syncs created/backfilled/retried/replaced/pruned, syncs disabled in
one line, another PeerTube listed without credentials, and the request count of a warm no-op
plan (no PeerTube request per entry, no upstream request)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ptsync.live.upstream import list_upstream
from ptsync.peertube import ClientSettings, Credentials, PeerTubeClient
from ptsync.testing import FakePeerTube
from ptsync.testing.upstream import TestUpstream
from tests.fakeenv import cli_runner
from tests.integration.conftest import marked_videos

pytest.importorskip("yt_dlp")

USER, PASSWORD, SYSTEM = "alice", "alice-secret-pw", "nisv"
LIST = ("GET", "/api/v1/users/me/videos")
CONFIG = ("GET", "/api/v1/config")
PLAYLISTS = ("GET", "/api/v1/accounts/alice/video-playlists")


@pytest.fixture
def fake(request, tmp_path, monkeypatch) -> Iterator[FakePeerTube]:
    version = getattr(request, "param", "6.3")  # parametrised by tests/integration/conftest.py
    with FakePeerTube(
        rate_limit=None,
        login_rate_limit=None,
        import_duration=0.05,
        version=version,
        allow_private_import_targets=True,  # the feeds' media are on loopback
    ) as server:
        server.add_user(USER, PASSWORD, channels=["podcast", "talks"])
        monkeypatch.setenv("PEERTUBE_URL", server.url)
        monkeypatch.setenv("PEERTUBE_USERNAME", USER)
        monkeypatch.setenv("PEERTUBE_PASSWORD", PASSWORD)
        monkeypatch.delenv("PEERTUBE_TOKEN", raising=False)
        monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
        yield server


@pytest.fixture
def upstream() -> Iterator[TestUpstream]:
    with TestUpstream() as server:
        yield server


@pytest.fixture
def cli(capsys):
    return cli_runner(capsys)


def manifest(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "manifests" / "mirrors.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"apiVersion: ptsync/v1\nsystem: {SYSTEM}\n" + textwrap.dedent(body))
    return path


def converge(cli, path: Path, *extra: str) -> None:
    result = cli("apply", str(path), "--auto-approve", "--wait", *extra)
    assert result.code == 0, result.text
    result = cli("plan", str(path), "--detailed-exitcode", *extra)
    assert result.code == 0 and "No changes." in result.out, result.text


def plan_json(cli, path: Path, *extra: str) -> dict[str, Any]:
    result = cli("plan", str(path), "--format", "json", *extra)
    assert result.code == 0, result.text
    plan: dict[str, Any] = json.loads(result.out)["plans"][0]
    return plan


def client(fake: FakePeerTube) -> PeerTubeClient:
    return PeerTubeClient(fake.url, Credentials(USER, PASSWORD), ClientSettings(rate_limit=None))


def test_backfill_with_limit_curated_fields_on_every_video_then_no_changes(
    fake, upstream, cli, tmp_path
):
    for n in range(1, 6):
        upstream.add(f"ep-{n}", title=f"Episode {n}")
    path = manifest(
        tmp_path,
        f"""\
        defaults: {{privacy: Public}}
        channels:
          - name: podcast
            defaults: {{category: Education, licence: Attribution, language: en, tags: [podcast]}}
            mirrors:
              - url: {upstream.url}/feed.xml
                limit: 3
        videos:
          - id: feed:ep-4
            name: The fourth episode, curated
            tags: [podcast, favourite]
        playlists:
          - id: favourites
            displayName: Favourites
            privacy: Public
            channel: podcast
            videos: ["feed:ep-4", "feed:ep-5"]
        """,
    )
    plan = plan_json(cli, path)
    creates = {c["external_id"]: c for c in plan["changes"]}
    assert sorted(creates) == ["feed:ep-3", "feed:ep-4", "feed:ep-5"]  # the newest three
    ep5 = creates["feed:ep-5"]
    assert ep5["method"] == "import" and ep5["mirror"] == f"{upstream.url}/feed.xml"
    assert ep5["source"].startswith(f"{upstream.url}/media/ep-5.mp4#__youtubedl_smuggle=")
    assert ep5["location"]["path"] == "channels[0].mirrors[0].url"
    assert creates["feed:ep-4"]["location"]["path"] == "videos[0]"
    text = " ".join(cli("plan", str(path)).out.split())  # unwrapped
    assert f"+ create feed:ep-5 (import {upstream.url}/media/ep-5.mp4" in text
    assert f"mirror of {upstream.url}/feed.xml)" in text

    converge(cli, path)
    videos = marked_videos(fake, SYSTEM)
    assert sorted(videos) == ["feed:ep-3", "feed:ep-4", "feed:ep-5"]
    for ext_id, video in videos.items():
        assert video["category"]["id"] == 13 and video["licence"]["id"] == 1, ext_id
        assert video["language"]["id"] == "en" and video["channel"]["name"] == "podcast"
    assert videos["feed:ep-5"]["name"] == "Episode 5"
    assert videos["feed:ep-4"]["name"] == "The fourth episode, curated"
    assert sorted(videos["feed:ep-4"]["tags"]) == ["favourite", "podcast"]
    (playlist,) = [p for p in fake.playlists(USER) if p["displayName"] == "Favourites"]
    assert fake.playlist_videos(playlist["uuid"]) == [
        videos["feed:ep-4"]["uuid"],
        videos["feed:ep-5"]["uuid"],
    ]
    assert Counter(r["targetUrl"] for r in fake.imports()).most_common(1)[0][1] == 1

    # a web-UI edit is drift, set right by the next apply
    fake.edit_video(videos["feed:ep-3"]["uuid"], category=15)
    drift = cli("plan", str(path), "--detailed-exitcode")
    assert drift.code == 2 and "~ update feed:ep-3" in drift.out, drift.text
    assert "category: Science & Technology (15) → Education (13)" in drift.out
    converge(cli, path)


def test_a_new_upstream_entry_is_picked_up_and_the_window_holds_the_oldest(
    fake, upstream, cli, tmp_path
):
    for n in range(1, 4):
        upstream.add(f"ep-{n}")
    mirror = f"    mirrors: [{{url: '{upstream.url}/atom.xml', limit: 3}}]\n"
    path = manifest(tmp_path, "channels:\n  - name: podcast\n" + mirror)
    converge(cli, path)
    upstream.add("ep-4")
    cached = cli("plan", str(path), "--detailed-exitcode", "--listing-max-age", "600")
    assert cached.code == 0, cached.text  # opted into a cached listing younger than that
    plan = cli("plan", str(path), "--prune")  # by default every plan lists again
    assert "+ create feed:ep-4" in plan.out and "- delete" not in plan.out, plan.text
    converge(cli, path, "--prune")
    # ep-1 is now beyond the newest three: outside the window, so not gone
    assert sorted(marked_videos(fake, SYSTEM)) == [f"feed:ep-{n}" for n in range(1, 5)]


def test_an_entry_removed_upstream_is_noticed_then_pruned(fake, upstream, cli, tmp_path):
    for n in range(1, 4):
        upstream.add(f"ep-{n}")
    path = manifest(
        tmp_path,
        f"channels:\n  - name: podcast\n    mirrors: [{{url: '{upstream.url}/feed.xml'}}]\n",
    )
    converge(cli, path)
    upstream.remove("ep-2")
    noticed = cli("plan", str(path), "--no-cache", "--detailed-exitcode", "--format", "json")
    assert noticed.code == 2
    (notice,) = json.loads(noticed.out)["plans"][0]["notices"]
    assert notice["kind"] == "gone-upstream" and "feed:ep-2" in notice["message"]
    assert notice["location"]["path"] == "channels[0].mirrors[0].url"
    pruned = cli("plan", str(path), "--no-cache", "--prune")
    assert "- delete feed:ep-2" in pruned.out and "gone upstream (mirror of" in pruned.out
    converge(cli, path, "--no-cache", "--prune")
    assert sorted(marked_videos(fake, SYSTEM)) == ["feed:ep-1", "feed:ep-3"]


def test_a_video_imported_before_under_another_spelling_is_adopted_not_imported_again(
    fake, upstream, cli, tmp_path
):
    upstream.add("one", youtube="dQw4w9WgXcQ", title="One")
    upstream.add("two", youtube="9bZkp7q19f0", title="Two")
    with TestUpstream() as podcast:
        podcast.add("ep-1", title="Episode 1")
        smuggled = (  # PeerTube's own sync, in a spelling ptsync does not send (no space)
            f"{podcast.url}/media/ep-1.mp4"
            "#__youtubedl_smuggle=%7B%22force_videoid%22%3A%22ep-1%22%7D"
        )
        with client(fake) as person:
            channel = person.channels()["podcast"]
            for url in ("https://youtu.be/dQw4w9WgXcQ", smuggled):
                person.create_import({"targetUrl": url, "channelId": channel})
        fake.complete_imports()
        path = manifest(
            tmp_path,
            f"""\
            channels:
              - name: podcast
                mirrors:
                  - url: {upstream.url}/playlist.html
                  - url: {podcast.url}/feed.xml
            """,
        )
        plan = plan_json(cli, path)
        by_id = {c["external_id"]: c for c in plan["changes"]}
        assert by_id["youtube:dQw4w9WgXcQ"]["action"] == "update"
        assert by_id["youtube:dQw4w9WgXcQ"]["matched_by"] == "import"
        assert (by_id["feed:ep-1"]["action"], by_id["feed:ep-1"]["matched_by"]) == (
            "update",
            "import",
        )
        assert by_id["youtube:9bZkp7q19f0"]["action"] == "create"
        converge(cli, path)
    videos = marked_videos(fake, SYSTEM)
    assert sorted(videos) == ["feed:ep-1", "youtube:9bZkp7q19f0", "youtube:dQw4w9WgXcQ"]
    targets = Counter(r["targetUrl"] for r in fake.imports())
    assert targets == Counter(
        {
            "https://youtu.be/dQw4w9WgXcQ": 1,
            smuggled: 1,
            "https://www.youtube.com/embed/9bZkp7q19f0": 1,
        }
    )
    assert len(fake.videos(USER)) == 3


def test_a_failed_listing_holds_its_videos_while_the_rest_plans_and_applies(
    fake, upstream, cli, tmp_path
):
    upstream.add("ep-1")
    with TestUpstream() as other:
        other.add("o-1")
        other.add("o-2")
        path = manifest(
            tmp_path,
            f"""\
            channels:
              - name: podcast
                mirrors: [{{url: '{upstream.url}/feed.xml'}}]
              - name: talks
                mirrors:
                  - url: {other.url}/feed.xml
            """,
        )
        converge(cli, path)
        gone = other.url
    upstream.add("ep-2")
    plan = cli("plan", str(path), "--prune", "--no-cache", "--detailed-exitcode")
    assert plan.code == 2 and "+ create feed:ep-2" in plan.out and "- delete" not in plan.out
    (notice,) = plan_json(cli, path, "--prune", "--no-cache")["notices"]
    assert (
        notice["kind"] == "mirror-failed" and f"{gone}/feed.xml: unreachable" in notice["message"]
    )
    assert (notice["location"]["line"], notice["location"]["path"]) == (
        8,
        "channels[1].mirrors[0].url",
    )
    result = cli("apply", str(path), "--prune", "--no-cache", "--auto-approve", "--wait")
    assert result.code == 0, result.text
    assert sorted(marked_videos(fake, SYSTEM)) == ["feed:ep-1", "feed:ep-2", "feed:o-1", "feed:o-2"]


def test_bad_sources_are_one_line_each_naming_the_line_and_nothing_is_half_created(
    fake, upstream, cli, tmp_path
):
    upstream.add("ok-1")
    upstream.add("secret", state="private")
    upstream.add("deleted", state="removed")
    with TestUpstream() as guidless:
        guidless.add("a", guid=None)
        guidless.add("b", guid=None)
        path = manifest(
            tmp_path,
            f"""\
            channels:
              - name: podcast
                mirrors:
                  - url: {upstream.url}/about.html
                  - url: http://127.0.0.1:9/feed.xml
                  - url: {upstream.url}/signin.html
                  - url: {guidless.url}/feed.xml
              - name: talks
                mirrors:
                  - url: {upstream.url}/feed.xml
            """,
        )
        notices = plan_json(cli, path)["notices"]
        result = cli("apply", str(path), "--auto-approve", "--wait")
    assert result.code == 0, result.text
    failed = {n["location"]["line"]: n["message"] for n in notices if n["kind"] == "mirror-failed"}
    assert sorted(failed) == [6, 7, 8, 9]  # one line per source, at its manifest line
    assert "unsupported: not a channel, playlist or feed" in failed[6]
    assert "127.0.0.1:9/feed.xml: unreachable" in failed[7]
    assert "needs sign-in: HTTP 401" in failed[8]
    assert "no guids: none of its 2 items has a guid" in failed[9]
    skipped = [n for n in notices if n["kind"] == "mirror-entry"]
    assert [n["location"]["line"] for n in skipped] == [12, 12]
    assert {n["message"].rsplit(": ", 1)[1].split()[0] for n in skipped} == {"private", "removed"}
    assert len(notices) == 6
    assert sorted(marked_videos(fake, SYSTEM)) == ["feed:ok-1"]
    assert len(fake.videos(USER)) == 1 and len(fake.imports()) == 1


def test_warm_no_op_plan_of_a_mirror_sends_no_request_per_entry(fake, upstream, cli, tmp_path):
    upstream.add_many(150, dated=False)
    path = manifest(
        tmp_path,
        f"channels:\n  - name: podcast\n    mirrors: [{{url: '{upstream.url}/feed.xml'}}]\n",
    )
    assert cli("apply", str(path), "--auto-approve", "--rate-limit", "off").code == 0
    fake.complete_imports()
    assert len(marked_videos(fake, SYSTEM)) == 150
    cli("plan", str(path))  # warms the detail cache after the apply
    fake.clear_requests()
    listed = upstream.count()
    warm = cli("plan", str(path), "--detailed-exitcode")
    assert warm.code == 0 and "No changes. 150 videos match the manifest." in warm.out, warm.text
    sent = Counter((r.method, r.path) for r in fake.requests)
    assert sent == Counter({LIST: 2, PLAYLISTS: 1, CONFIG: 1})
    assert upstream.count() == listed + 1  # one request lists the 150 items
    cached = cli("plan", str(path), "--listing-max-age", "600", "--detailed-exitcode")
    assert cached.code == 0 and upstream.count() == listed + 1  # opted in: from the cache


def test_another_peertube_is_listed_without_credentials(fake, cli, tmp_path):
    with FakePeerTube(rate_limit=None, login_rate_limit=None, version=fake.version) as other:
        other.add_user("bob", "bob-secret-pw", channels=["science"])
        made = [other.add_video("bob", channel="science", name=f"Talk {n}") for n in range(3)]
        path = manifest(
            tmp_path,
            f"channels:\n  - name: talks\n    mirrors: [{{url: '{other.url}/c/science/videos'}}]\n",
        )
        converge(cli, path)
        host = other.url.removeprefix("http://")
        assert sorted(marked_videos(fake, SYSTEM)) == sorted(
            f"peertube:{host}:{v['uuid']}" for v in made
        )
        assert other.requests and all(r.username is None for r in other.requests)
        assert {r.path for r in other.requests} == {"/api/v1/video-channels/science/videos"}
        imported = {r["targetUrl"] for r in fake.imports()}
        assert imported == {f"{other.url}/w/{v['shortUUID']}" for v in made}


def test_saved_plan_of_mirrors_applies_after_its_listing_is_checked_again(
    fake, upstream, cli, tmp_path
):
    upstream.add("ep-1")
    path = (
        manifest(
            tmp_path,
            f"channels:\n  - name: podcast\n    mirrors: [{{url: '{upstream.url}/rss.xml'}}]\n",
        ).parent
        / "mirrors.yaml"
    )
    path.write_text(path.read_text().replace("/rss.xml", "/feed.xml"))
    saved = tmp_path / "plan.json"
    assert cli("plan", str(path), "--out", str(saved)).code == 0
    result = cli("apply", str(saved), "--auto-approve", "--no-cache")  # listed again
    assert result.code == 0, result.text
    assert sorted(marked_videos(fake, SYSTEM)) == ["feed:ep-1"]


# ---------------------------------------------------------------------------------- syncs


def _synced(fake: FakePeerTube, feed: str) -> None:
    fake.set_upstream(feed, lambda: [e.import_url for e in list_upstream(feed).entries])


def test_a_server_sync_is_created_backfilled_retried_replaced_and_pruned(
    fake, upstream, cli, tmp_path
):
    with fake.state.lock:  # the admin enables import.video_channel_synchronization
        fake.state.settings = dataclasses.replace(fake.state.settings, channel_sync_enabled=True)
    for n in range(1, 3):
        upstream.add(f"ep-{n}")
    feed = f"{upstream.url}/feed.xml"
    _synced(fake, feed)
    failing = next(
        e.import_url for e in list_upstream(feed).entries if e.external_id == "feed:ep-2"
    )
    fake.set_import_target(failing, "fail-once")
    body = f"""\
        channels:
          - name: podcast
            defaults: {{privacy: Unlisted}}
            mirrors:
              - url: {feed}
                sync: server
        """
    path = manifest(tmp_path, body)
    plan = cli("plan", str(path))
    assert f"+ create sync podcast ← {feed}" in plan.out and "backfill" in plan.out, plan.text
    assert cli("apply", str(path), "--auto-approve").code == 0
    (sync,) = fake.channel_syncs()
    assert sync["externalChannelUrl"] == feed
    fake.complete_imports()
    assert len(fake.imports(USER)) == 2  # the backfill imported both entries
    retry = cli("plan", str(path), "--detailed-exitcode")
    if fake.profile.import_retry:  # 8.x keeps the failed import's video: retried in place
        assert "~ update sync podcast" in retry.out and '→ "retry"' in retry.out, retry.text
        assert cli("apply", str(path), "--auto-approve").code == 0
        fake.complete_imports()
    converge(cli, path)
    status = json.loads(cli("status", str(path), "--format", "json").out)
    (found,) = status["groups"][0]["syncs"]
    assert (found["channel"], found["url"], found["id"]) == ("podcast", feed, sync["id"])
    assert found["state"] in ("synchronized", "waiting first run")
    assert "sync podcast ←" in cli("status", str(path)).out

    if fake.profile.sync_video_privacy:  # 8.3: privacy is the sync's; no update route
        path.write_text(path.read_text().replace("Unlisted", "Public"))
        change = cli("plan", str(path))
        assert f"replaces sync #{sync['id']}" in change.out and "- delete sync" in change.out
        converge(cli, path)
        (sync,) = fake.channel_syncs()

    path.write_text(path.read_text().replace(f"\n      - url: {feed}\n        sync: server", " []"))
    left = cli("plan", str(path), "--detailed-exitcode")
    assert left.code == 2 and "not in the manifest" in left.out and "--prune deletes it" in left.out
    saved = tmp_path / "prune.json"
    assert cli("plan", str(path), "--prune", "--out", str(saved)).code == 0
    applied = cli("apply", str(saved), "--auto-approve")  # the saved delete, checked again
    assert applied.code == 0 and "✓ delete sync:podcast" in applied.text, applied.text
    converge(cli, path, "--prune")
    kept = 2 if fake.profile.import_retry else 1  # 6.x deleted the failed import's video
    assert fake.channel_syncs() == [] and len(fake.videos(USER)) == kept  # its videos stay


def test_syncs_disabled_on_the_instance_is_one_line_and_other_mirrors_apply(
    fake, upstream, cli, tmp_path
):
    upstream.add("ep-1")
    path = manifest(
        tmp_path,
        f"""\
        channels:
          - name: podcast
            mirrors:
              - {{url: "https://www.youtube.com/@another", sync: server}}
          - name: talks
            mirrors:
              - url: {upstream.url}/feed.xml
        """,
    )
    (notice,) = plan_json(cli, path)["notices"]
    assert notice["kind"] == "syncs-disabled" and notice["location"]["line"] == 6
    assert notice["message"] == (
        "channel synchronisation is disabled on this instance (its admin must set "
        "import.video_channel_synchronization.enabled: true); 1 `sync: server` mirror not "
        "planned, everything else is"
    )
    result = cli("apply", str(path), "--auto-approve", "--wait")
    assert result.code == 0, result.text
    assert result.out.count("import.video_channel_synchronization.enabled") == 1
    assert sorted(marked_videos(fake, SYSTEM)) == ["feed:ep-1"]
    status = cli("status", str(path))
    assert "disabled" in status.out and status.code == 0


def test_without_yt_dlp_a_feed_mirror_is_one_line_and_another_peertube_still_plans(
    fake, upstream, tmp_path
):
    """yt-dlp is the optional extra ``ptsync[mirrors]``: without it, a mirror that needs it is
    one ``mirror-failed`` line naming the extra; another PeerTube needs no yt-dlp."""
    upstream.add("ep-1")
    with FakePeerTube(rate_limit=None, login_rate_limit=None, version=fake.version) as other:
        other.add_user("bob", "bob-secret-pw", channels=["science"])
        other.add_video("bob", channel="science", name="A talk")
        path = manifest(
            tmp_path,
            f"""\
            channels:
              - name: podcast
                mirrors: [{{url: '{upstream.url}/feed.xml'}}]
              - name: talks
                mirrors: [{{url: '{other.url}/c/science/videos'}}]
            """,
        )
        code = (
            "import sys; sys.modules['yt_dlp'] = None\n"
            "from ptsync.cli.app import main\n"
            f"sys.exit(main(['plan', {str(path)!r}, '--format', 'json']))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 0, done.stderr
    (plan,) = json.loads(done.stdout)["plans"]
    (notice,) = plan["notices"]
    assert notice["kind"] == "mirror-failed" and notice["location"]["line"] == 5
    assert (
        "needs yt-dlp, which is not installed: pip install 'ptsync[mirrors]'" in notice["message"]
    )
    assert [c["name"] for c in plan["changes"]] == ["A talk"]
