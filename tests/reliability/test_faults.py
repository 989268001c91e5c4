"""Injected faults: transient ones are absorbed (zero failed items, state converged after one
apply); a permanent 4xx fails exactly the item it hit, clearly, with exit 1.

The CLI runs in this process (``ptsync.cli.app.main``) on the fake's ``FakeClock``: retry
backoff, 429 pauses and settle pauses are virtual. A slow answer (1.5 s of the fake's time)
holds time while the client waits for it, so the client gives up after its own ``--timeout``
(0.5 s, real: a socket's timeout). Fault counts come from the fake's request log. The seeds
are fixed; each draws about 10 % faults of mixed kinds over a run's ~50 requests.
"""

from __future__ import annotations

import json
import threading
from collections import Counter

import pytest

from ptsync.clock import FakeClock
from ptsync.testing.faults import Fault
from tests.reliability.figures import add
from tests.reliability.scenario import IMPORTS, UPDATES, WANTED, build, new_fake

pytestmark = pytest.mark.timeout(90)
IMPORT_PATH = "/api/v1/videos/imports"
UPLOAD_PATH = "/api/v1/videos/upload-resumable"
FAST = ("--rate-limit", "off")  # the fake has no limit; the 429s here are injected ones


@pytest.fixture(params=["6.3", "8.3"])
def scenario(request, tmp_path):
    fake = new_fake(version=request.param, clock=FakeClock()).start()
    try:
        yield build(tmp_path, fake)
    finally:
        fake.stop()


def _slow_posts_answer_late(faults) -> Counter:
    """A random "slow" fault on a POST delays the *answer* (the server has done the work),
    not the request itself. A create that reaches the server only after the client gave up is
    a different case: test_create_processed_after_the_client_timeout_is_not_duplicated.
    Returns the faults counted as they are decided (a slow answer is logged only when sent)."""
    decide, local, counted = faults.decide, threading.local(), Counter()

    def wrapped(method: str, path: str, when: str, query=None) -> Fault | None:
        fault = decide(method, path, when, query)
        if when == "before" and method == "POST" and fault is not None and fault.kind == "slow":
            local.late = True
            return None
        if when == "after" and getattr(local, "late", False):
            local.late = False
            fault = Fault("slow", "after")
        if fault is not None:
            counted[fault.label] += 1
        return fault

    faults.decide = wrapped
    return counted


def _report(path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.parametrize("seed", [1, 14])  # each draws ~10 % faults, of mixed kinds
def test_ten_percent_transient_faults_converge_with_zero_failed_items(scenario, seed, tmp_path):
    # the CLI's own retry policy (0.5 s backoff base, doubling): virtual time
    faults = scenario.fake.faults
    faults.seed = seed
    faults.drop_rate = 0.02  # dropped connection, no answer
    faults.error_rate = 0.04  # 500 / 502 (HTML page) / 503
    faults.error_statuses = (500, 502, 503)
    faults.rate_limited_rate = 0.02  # 429 with Retry-After: 1
    faults.retry_after = 1
    faults.slow_rate = 0.02  # answered after 1.5 s, past the client's timeout
    faults.slow_seconds = 1.5
    kinds = _slow_posts_answer_late(faults)
    # and one of each on the requests where a fault hurts most
    faults.inject("slow", method="POST", path=IMPORT_PATH, when="after")
    faults.inject("drop", method="PUT", path=UPLOAD_PATH)
    faults.inject(502, method="PUT", path="/api/v1/videos/*", when="after")
    faults.inject(503, method="DELETE", path="/api/v1/videos/*")
    faults.inject("429", method="GET", path="/api/v1/users/me/videos")
    report = tmp_path / "report.json"
    code = scenario.apply_in_process(*FAST, "--timeout", "0.5", "--report", str(report))

    log = scenario.fake.requests
    targeted = 5 - len(faults.pending)
    print(
        f"\nseed {seed}: {len(log)} requests, {sum(kinds.values())} faults"
        f" ({targeted} targeted): {dict(kinds)}"
    )
    add("10% fault runs: targeted faults", targeted)
    add("10% fault runs")
    add("10% fault runs: requests", len(log))
    add("10% fault runs: faults injected", sum(kinds.values()))
    for kind, count in sorted(kinds.items()):
        add(f"10% fault runs: faults injected: {kind}", count)
    assert sum(kinds.values()) >= 0.07 * len(log), "fewer faults than intended"
    assert code == 0
    doc = _report(report)
    assert doc["summary"]["failed"] == 0, [r for r in doc["results"] if not r["success"]]
    assert doc["summary"] == {
        "created": 6,
        "updated": 3,
        "deleted": 2,
        "failed": 0,
        "partial": 0,
        "already_created": 0,
        "total": 11,
    }
    faults.clear()
    assert scenario.problems() == []
    assert scenario.plan_is_clean()


def test_answers_lost_after_the_server_acted_do_not_duplicate(scenario, tmp_path):
    """The server did the work, the client never heard: creates, chunks, updates, deletes."""
    faults = scenario.fake.faults
    faults.inject("drop", method="POST", path=IMPORT_PATH, times=2, when="after")
    faults.inject(502, method="PUT", path=UPLOAD_PATH, times=2, when="after")
    faults.inject("drop", method="PUT", path="/api/v1/videos/*", times=2, when="after")
    faults.inject(504, method="DELETE", path="/api/v1/videos/*", when="after")
    report = tmp_path / "report.json"
    assert scenario.apply_in_process("--timeout", "2", "--report", str(report)) == 0
    assert _report(report)["summary"]["failed"] == 0
    assert all(i.times == 0 for i in faults.pending) and faults.pending == []
    add("lost answers injected", sum(1 for r in scenario.fake.requests if r.fault))
    assert scenario.problems() == []
    assert scenario.plan_is_clean()


def test_create_processed_after_the_client_timeout_is_not_duplicated(scenario, tmp_path):
    """PeerTube's import POST fetches the URL's info before answering; behind a busy proxy it
    can outlast the client's timeout and still create the video. One apply must not leave
    two videos for one manifest entry."""
    faults = scenario.fake.faults
    faults.slow_seconds = 2.0
    faults.inject("slow", method="POST", path=IMPORT_PATH)  # reaches "PeerTube" after 2 s
    assert scenario.apply_in_process(*FAST, "--timeout", "0.5") == 0
    # the delayed create finished (it is logged once answered)
    scenario.fake.wait_for_requests(lambda logged: any(r.fault == "slow" for r in logged))
    assert scenario.problems() == []


def test_429_on_an_upload_chunk_is_waited_out_not_timed_out(scenario, tmp_path):
    """The PUT re-sent after a 429 must carry the chunk again: it used to go out with the
    chunk's stream already read and hang until the read timeout (then resume)."""
    scenario.fake.faults.inject("429", method="PUT", path=UPLOAD_PATH, times=2)
    assert scenario.apply_in_process(*FAST, "--timeout", "2") == 0
    assert scenario.problems() == []
    abandoned = [r for r in scenario.fake.requests if r.status == 0 and r.fault is None]
    assert abandoned == [], "the client gave up on re-sent chunk PUTs (it sent no body)"


def test_permanent_400_on_one_update_fails_that_item_only(scenario, tmp_path):
    target = next(v for v in scenario.fake.videos() if v["name"] == f"Stale {UPDATES[1]}")  # old-2
    path = f"/api/v1/videos/{target['uuid']}"
    scenario.fake.faults.inject(400, method="PUT", path=path, times=10)
    report = tmp_path / "report.json"
    code = scenario.apply_in_process("--timeout", "5", "--report", str(report))
    assert code == 1
    doc = _report(report)
    failed = [r for r in doc["results"] if not r["success"]]
    assert [(r["action"], r["external_id"]) for r in failed] == [("update", UPDATES[1])]
    assert f"PUT {path}: 400" in failed[0]["error"]
    assert doc["summary"] == {
        "created": 6,
        "updated": 2,
        "deleted": 2,
        "failed": 1,
        "partial": 0,
        "already_created": 0,
        "total": 11,
    }
    assert scenario.fake.faults.pending[0].times == 9  # a 400 is not retried
    problems = scenario.problems()
    assert [p for p in problems if not p.startswith(UPDATES[1])] == [], problems
    scenario.fake.faults.clear()
    assert scenario.apply_in_process() == 0 and scenario.problems() == []


def test_name_rejected_by_the_server_fails_that_create_only(scenario, tmp_path, capsys):
    """PeerTube answers 400 with its validation body; the report quotes it for that item."""
    scenario.fake.faults.inject(400, method="POST", path=IMPORT_PATH, times=1)
    report = tmp_path / "report.json"
    capsys.readouterr()
    code = scenario.apply_in_process("--report", str(report))
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert "1 of 11 changes failed" in err
    doc = _report(report)
    failed = [r for r in doc["results"] if not r["success"]]
    assert len(failed) == 1 and failed[0]["action"] == "create"
    assert failed[0]["external_id"] in IMPORTS
    assert f"POST {IMPORT_PATH}: 400" in failed[0]["error"]
    assert f"✗ create {failed[0]['external_id']}: POST {IMPORT_PATH}: 400" in err
    done = {r["external_id"] for r in doc["results"] if r["success"]}
    assert done == (set(WANTED) | {"gone-1", "gone-2"}) - {failed[0]["external_id"]}
