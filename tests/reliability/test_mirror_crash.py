"""SIGKILL a real ``ptsync apply`` while it backfills a mirror; the next apply converges with
exactly one video per upstream entry (never imported twice).

The fake finishes import POSTs ``CREATE_DELAY`` seconds late, whether the client is still
there or not (as real PeerTube does), so kills land inside creates the server completes
afterwards: the in-flight record and the marker must keep the next run from importing those
entries again. Kill points are spread over the killed run (counted from its first request to
the fake) and alternate between the 6.3, 8.0 and 8.3 profiles. Kept short: a handful of points.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ptsync.cli.app import main
from ptsync.testing import FakePeerTube
from ptsync.testing.upstream import TestUpstream
from tests.integration.conftest import marked_videos
from tests.reliability.figures import FIGURES

pytest.importorskip("yt_dlp")

USER, PASSWORD, SYSTEM = "alice", "alice-secret-pw", "nisv"
ENTRIES = 6
CREATE_DELAY = 0.6
# Seconds after the killed run's first request reached the server. Unloaded, its imports
# go out at about 0.6 s (four at once) and 1.2 s and it ends at about 1.9 s: each kill lands
# while the server is still finishing imports the killed run sent.
KILLS = (0.7, 1.1, 1.5)
VERSIONS = ("6.3", "8.0", "8.3")


def _environment(fake: FakePeerTube, cache: Path) -> dict[str, str]:
    env = {**os.environ, "PEERTUBE_URL": fake.url, "PEERTUBE_USERNAME": USER}
    env.update(PEERTUBE_PASSWORD=PASSWORD, PTSYNC_CACHE_DIR=str(cache), NO_COLOR="1")
    env.pop("PEERTUBE_TOKEN", None)
    return env


def _kill_after(
    command: list[str], env: dict[str, str], fake: FakePeerTube, delay: float
) -> tuple[bool, float]:
    """Start apply, SIGKILL it ``delay`` s after its first request: was it still running, and
    when was it killed?"""
    before = len(fake.requests)
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        fake.wait_for_requests(lambda logged: len(logged) > before, 60)
        time.sleep(delay)  # a real moment: the process is killed in real time
        running = proc.poll() is None
        killed_at = time.time()
        proc.kill()  # SIGKILL: no finally blocks, no atexit, no flushing
    finally:
        proc.wait(timeout=30)
    return running, killed_at


@pytest.mark.timeout(300)
@pytest.mark.parametrize("point", range(len(KILLS)))
def test_a_mirror_backfill_killed_mid_way_converges_with_one_video_per_entry(
    point, tmp_path, monkeypatch
):
    version = VERSIONS[point % len(VERSIONS)]
    with (
        TestUpstream() as upstream,
        FakePeerTube(
            rate_limit=None,
            login_rate_limit=None,
            import_duration=0.05,
            version=version,
            create_delay=CREATE_DELAY,
            allow_private_import_targets=True,
        ) as fake,
    ):
        fake.add_user(USER, PASSWORD, channels=["podcast"])
        for n in range(ENTRIES):
            upstream.add(f"ep-{n}", title=f"Episode {n}")
        manifest = tmp_path / "mirror.yaml"
        manifest.write_text(
            f"apiVersion: ptsync/v1\nsystem: {SYSTEM}\nchannels:\n  - name: podcast\n"
            f"    defaults: {{privacy: Public, tags: [podcast]}}\n"
            f"    mirrors: [{{url: '{upstream.url}/feed.xml', limit: {ENTRIES}}}]\n"
        )
        env = _environment(fake, tmp_path / "cache")
        apply = [sys.executable, "-m", "ptsync", "apply", str(manifest), "--auto-approve"]
        since = len(fake.requests)
        running, killed_at = _kill_after([*apply, "--no-wait"], env, fake, KILLS[point])
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        assert main([*apply[3:], "--no-wait"]) == 0
        # read after the recovery run: an import the server finished late is logged then
        imports_sent = sum(
            1
            for r in fake.requests[since:]
            if (r.method, r.path) == ("POST", "/api/v1/videos/imports") and r.started <= killed_at
        )
        fake.complete_imports()
        videos = marked_videos(fake, SYSTEM)  # asserts one video per marker
        assert sorted(videos) == sorted(f"feed:ep-{n}" for n in range(ENTRIES))
        assert {v["name"] for v in videos.values()} == {f"Episode {n}" for n in range(ENTRIES)}
        assert len(fake.videos(USER)) == ENTRIES  # no unmarked or half-created video
        imported = Counter(r["targetUrl"] for r in fake.imports(USER))
        assert set(imported.values()) == {1}, imported  # nothing imported twice
        assert main(["plan", str(manifest), "--no-cache", "--detailed-exitcode"]) == 0
    when = f"mid-run, {imports_sent} imports sent" if running else "after the run"
    FIGURES[f"mirror backfill kill {point} ({version}, {KILLS[point]} s)"] = when
