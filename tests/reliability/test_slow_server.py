"""A slow server (issue 24.1): answers slower than ``--timeout`` fail only what waited for them.

Under load a real PeerTube answered the marker look-up that guards every create
(``GET /users/me/videos?search=...``) after more than ``--timeout``. A GET is retried; when all
its attempts time out while the server keeps answering other requests, the server is slow, not
gone: that create fails alone, the others go on, the next apply finishes it. Then the whole
mixed scenario (``scenario.py``) under 10 % and 25 % faults of every kind — 502, 503, dropped
connections, answers lost after the server acted, answers slower than ``--timeout`` — with
every create's first look-up slow too: two applies converge and both exit 0, on every profile.

The CLI runs in this process (``ptsync.cli.app.main``) on the fake's ``FakeClock``, with the
CLI's own retry policy: backoff, settle pauses and the wait of an upload whose last chunk got no
answer (up to 10 s for its video) are virtual. A slow answer (0.8 s of the fake's time) holds
time while the client waits for it, so the client gives up after its own ``--timeout 0.5``
(real: a socket's timeout).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from ptsync.clock import FakeClock
from tests.reliability.figures import add
from tests.reliability.scenario import IMPORTS, UPLOADS, build, desired_name, new_fake

pytestmark = pytest.mark.timeout(150)
LOOK_UP = "/api/v1/users/me/videos"
FAST = ("--rate-limit", "off", "--timeout", "0.5")
CREATES = len(IMPORTS) + len(UPLOADS)


def _scenario(tmp_path, version: str):
    fake = new_fake(version=version, clock=FakeClock()).start()
    fake.faults.slow_seconds = 0.8
    return build(tmp_path, fake)


def _report(path) -> dict:
    return json.loads(path.read_text())


def test_a_look_up_that_always_times_out_fails_only_its_own_create(tmp_path):
    scenario = _scenario(tmp_path, "8.3")
    try:
        name = desired_name(IMPORTS[0])
        scenario.fake.faults.inject(
            "slow", method="GET", path=LOOK_UP, query={"search": name}, times=5
        )  # every attempt of that create's look-up (5: the CLI's retry budget)
        report = tmp_path / "report.json"
        code = scenario.apply_in_process(*FAST, "--report", str(report))
        doc = _report(report)
        failed = [r for r in doc["results"] if not r["success"]]
        assert code == 1
        assert [(r["action"], r["external_id"]) for r in failed] == [("create", IMPORTS[0])]
        assert failed[0]["error"] == (
            f"GET {LOOK_UP}: timed out (no answer within 0.5 s, 5 attempts)"
        )
        assert doc["summary"]["created"] == CREATES - 1
        assert doc["summary"]["updated"] == 3 and doc["summary"]["deleted"] == 2
        assert scenario.fake.faults.pending == []
        assert scenario.problems() == [f"{IMPORTS[0]}: 0 videos carry its marker"]
        assert scenario.apply_in_process(*FAST, "--report", str(report)) == 0
        assert _report(report)["summary"]["total"] == 1  # that create, nothing else again
        assert scenario.problems() == []
    finally:
        scenario.fake.stop()


RATES = {  # per request: drop, 502/503, lost after acting, slower than --timeout
    10: (0.02, 0.03, 0.02, 0.03),
    25: (0.05, 0.08, 0.06, 0.08),
}
# Every profile once, the rates alternating (each rate on three profiles, old and new).
RUNS = [
    ("6.3", 10, 3),
    ("7.3", 25, 12),
    ("8.0", 10, 5),
    ("8.1", 25, 14),
    ("8.2", 10, 7),
    ("8.3", 25, 16),
]


@pytest.mark.parametrize(("version", "rate", "seed"), RUNS)
def test_two_applies_converge_on_a_slow_and_faulty_server(tmp_path, version, rate, seed):
    scenario = _scenario(tmp_path, version)
    try:
        faults = scenario.fake.faults
        faults.seed = seed
        faults.drop_rate, error_rate, faults.lost_rate, faults.slow_rate = RATES[rate]
        faults.error_rate, faults.error_statuses = error_rate, (502, 503)
        # and each create's first look-up answered after --timeout
        faults.inject("slow", method="GET", path=LOOK_UP, query={"search": "*"}, times=CREATES)
        codes = [scenario.apply_in_process(*FAST) for _ in range(2)]
        log = scenario.fake.requests
        kinds = Counter(r.fault for r in log if r.fault)
        faults.clear()
        print(f"\n{version} {rate}% seed {seed}: {len(log)} requests, faults {dict(kinds)}")
        add(f"slow server {rate}% runs")
        add(f"slow server {rate}% runs: requests", len(log))
        add(f"slow server {rate}% runs: faults", sum(kinds.values()))
        assert sum(kinds.values()) >= rate / 100 * 0.6 * len(log), "fewer faults than intended"
        assert kinds["slow"] >= CREATES
        assert codes == [0, 0]
        assert scenario.problems() == []
        assert scenario.plan_is_clean()
    finally:
        scenario.fake.stop()
