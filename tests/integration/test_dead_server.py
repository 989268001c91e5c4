"""A server that dies mid-apply: the retry budget is spent once, no new item is started, and
the error names the request that failed (not a search GET, not once per remaining item)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from ptsync.testing import FakePeerTube


def test_a_server_dying_mid_apply_stops_new_items_and_names_the_failed_request(tmp_path):
    fake = FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=0.05).start()
    fake.add_user("alice", "alice-secret-pw")
    fake.faults.latency = 0.15
    lines = ["apiVersion: ptsync/v1\nsystem: nisv\ndefaults: {privacy: Public}\nvideos:\n"]
    for i in range(12):
        lines.append(f"  - id: v{i}\n    source: {{url: 'https://archive.example.org/{i}.mp4'}}\n")
        lines.append(f"    name: Video {i}\n")
    manifest = tmp_path / "videos.yaml"
    manifest.write_text("".join(lines))
    env = {
        **os.environ,
        "PEERTUBE_URL": fake.url,
        "PEERTUBE_USERNAME": "alice",
        "PEERTUBE_PASSWORD": "alice-secret-pw",
        "PTSYNC_CACHE_DIR": str(tmp_path / "cache"),
        "NO_COLOR": "1",
    }
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "ptsync", "apply", str(manifest), "--auto-approve",
               "--no-wait", "--parallelism", "2", "--report", str(report)]  # fmt: skip
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while fake.count("POST", "/api/v1/videos/imports") < 2:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.01)
    finally:
        fake.stop()
    died = time.monotonic()
    out, err = proc.communicate(timeout=90)
    elapsed = time.monotonic() - died
    assert proc.returncode == 1, (out, err)
    assert elapsed < 45, f"{elapsed:.1f} s of retries after the server died"
    assert "not started" in err
    failing = [line for line in err.splitlines() if "cannot reach" in line]
    assert failing and len(failing) <= 3, err  # not one identical error per remaining item
    assert any("/videos" in line for line in failing), err
    assert report.exists()
