"""A server that dies mid-apply: the retry budget is spent once, no new item is started, and
the error names the request that failed (not a search GET, not once per remaining item).

The apply runs in this process on the fake's ``FakeClock`` (its retry backoff is virtual). Two
imports are created; from then on every request hangs, and the fake is stopped as soon as one
does: the server dies with a request in flight, and every later connection is refused.
"""

from __future__ import annotations

import threading
from typing import Any

from ptsync import clock as clocks
from ptsync.clock import FakeClock
from ptsync.testing import FakePeerTube
from ptsync.testing.faults import Fault
from tests.fakeenv import cli_runner

IMPORTS = "/api/v1/videos/imports"
# one request's retry budget: 4 pauses of 0.5 * 2^(n-1) s plus up to 0.5 s of jitter each
ONE_BUDGET = (0.5 + 1 + 2 + 4) + 4 * 0.5


def _die_after_two_imports(fake: FakePeerTube) -> None:
    """Every request after the second import POST hangs (the fake logs it on arrival)."""
    decide = fake.faults.decide

    def decided(method: str, path: str, when: str, query: Any = None) -> Fault | None:
        if fake.count("POST", IMPORTS) >= 2:
            return Fault("hang", when)
        return decide(method, path, when, query)

    fake.faults.decide = decided  # type: ignore[method-assign]


def test_a_server_dying_mid_apply_stops_new_items_and_names_the_failed_request(
    tmp_path, monkeypatch, capsys
):
    clock = FakeClock()
    fake = FakePeerTube(
        rate_limit=None, login_rate_limit=None, import_duration=0.05, clock=clock
    ).start()
    fake.add_user("alice", "alice-secret-pw")
    lines = ["apiVersion: ptsync/v1\nsystem: nisv\ndefaults: {privacy: Public}\nvideos:\n"]
    for i in range(12):
        lines.append(f"  - id: v{i}\n    source: {{url: 'https://archive.example.org/{i}.mp4'}}\n")
        lines.append(f"    name: Video {i}\n")
    manifest = tmp_path / "videos.yaml"
    manifest.write_text("".join(lines))
    for name, value in {
        "PEERTUBE_URL": fake.url,
        "PEERTUBE_USERNAME": "alice",
        "PEERTUBE_PASSWORD": "alice-secret-pw",
        "PTSYNC_CACHE_DIR": str(tmp_path / "cache"),
        "NO_COLOR": "1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PEERTUBE_TOKEN", raising=False)
    _die_after_two_imports(fake)

    def kill_when_hung() -> None:
        fake.wait_for_requests(lambda logged: any(r.fault == "hang" for r in logged), 60)
        fake.stop()

    killer = threading.Thread(target=kill_when_hung, daemon=True)
    killer.start()
    report = tmp_path / "report.json"
    cli = cli_runner(capsys, clock)
    result = cli("apply", str(manifest), "--auto-approve", "--no-wait", "--parallelism", "2",
                 "--report", str(report))  # fmt: skip
    killer.join(10)
    fake.stop()
    assert result.code == 1, result.text
    spent = clock.elapsed  # the retry pauses of the run: one budget, not one per item
    assert 0 < spent <= ONE_BUDGET, spent
    assert fake.count("POST", IMPORTS) >= 2  # a third may have been on its way
    assert "not started" in result.err
    failing = [line for line in result.err.splitlines() if "cannot reach" in line]
    assert failing and len(failing) <= 3, result.err  # not one identical error per item
    assert any("/videos" in line for line in failing), result.err
    assert report.exists()
    assert clocks.default() is clocks.SYSTEM
