"""SIGKILL a real ``ptsync apply`` process at seeded random moments; the next apply converges.

Every fake finishes creates on the server side ``CREATE_DELAY`` seconds late, even after the
client was killed, and the kill points alternate between the 6.3, 8.0 and 8.3 profiles.
The plan mixes 4 URL imports, 2 chunked uploads (3 chunks of 1 MiB each), 3 updates of
marked videos and 2 prune deletes, against the fake with 20 ms latency per request. An
uninterrupted run is timed first; kill moments are spread evenly (one seeded random moment in
each slice) from just before its first write to its last request, counted from the moment the
killed run's first request reaches the server (so interpreter start-up time does not shift
them): every kill lands while ptsync is changing the server. After each kill, apply runs
again to completion and the server must
hold exactly the desired state: one video per manifest id, the manifest's fields, the pruned
videos gone, nothing created twice, no unmarked or half-created video, no finished upload
session that is not one of the surviving videos; and a fresh plan says "no changes". (A
kill while a session POST is in flight leaves that session unfinished on the server: ptsync
never learnt its URL. It holds no video; the count is printed.)

PTSYNC_CRASH_POINTS sets the number of kill points (default 6: one in each sixth of the write
phase, three per profile, one recovery run killed too, about 20 s; the full run uses 50+):

    PTSYNC_CRASH_POINTS=60 python -m pytest -s -m slow tests/reliability/test_crash_convergence.py

This is the one test that runs on real time: it kills real processes at real moments, and the
server's delays must be real for the kills to land inside them. Deterministic kills while the
server still creates are in ``tests/integration/test_convergence.py`` (on a ``FakeClock``).
"""

from __future__ import annotations

import os
import random
import subprocess
import time

import pytest

from tests.reliability.figures import FIGURES
from tests.reliability.scenario import UPLOADS, Scenario, build, new_fake

POINTS = int(os.environ.get("PTSYNC_CRASH_POINTS", "6"))
SEED = int(os.environ.get("PTSYNC_CRASH_SEED", "20261123"))
LATENCY = 0.02
# Server-side completion: import POSTs answer (and their videos appear) this late, killed
# client or not. Real servers take 3.2-3.9 s; 1 s keeps CI short and still leaves a window
# that every kill of a create lands in.
CREATE_DELAY = float(os.environ.get("PTSYNC_CRASH_CREATE_DELAY", "1.0"))
VERSIONS = ("6.3", "8.0", "8.3")  # kill points alternate between these profiles
UPLOAD_INIT = "/api/v1/videos/upload-resumable"


def _fresh(tmp_path, label: str, media=None, version: str = "6.3") -> Scenario:
    folder = tmp_path / label
    folder.mkdir()
    fake = new_fake(LATENCY, version=version, create_delay=CREATE_DELAY).start()
    return build(folder, fake, media=media)


def _kill_after(scenario: Scenario, delay: float) -> tuple[bool, float]:
    """Start apply, SIGKILL it ``delay`` s after its first request reached the server;
    returns (was it still running, the moment it was killed)."""
    before = len(scenario.fake.requests)
    proc = scenario.popen(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        scenario.fake.wait_for_requests(lambda logged: len(logged) > before, 30)
        time.sleep(delay)
        running = proc.poll() is None
        killed_at = time.time()
        proc.kill()  # SIGKILL: no finally blocks, no atexit, no flushing
    finally:
        proc.wait(timeout=30)
    return running, killed_at


def _sent_before(scenario: Scenario, moment: float, since: int) -> tuple[int, int]:
    """(requests, writes) the killed run had started by ``moment``. Read after the recovery
    run: a create the server finishes late is logged only when it answers."""
    seen = [r for r in scenario.fake.requests[since:] if r.started <= moment]
    return len(seen), sum(1 for r in seen if _is_write(r))


def _is_write(record) -> bool:
    return record.method != "GET" and record.path != "/api/v1/users/token"


def _moments(rng: random.Random, start: float, end: float, count: int) -> list[float]:
    """One random moment in each of ``count`` equal slices of [start, end], shuffled."""
    width = (end - start) / count
    moments = [start + width * (i + rng.random()) for i in range(count)]
    rng.shuffle(moments)
    return moments


@pytest.mark.slow
@pytest.mark.timeout(120 + 10 * POINTS)
def test_apply_killed_at_random_points_always_converges(tmp_path):
    reference = _fresh(tmp_path, "reference")
    media = reference.manifest.parent / "media"
    started = time.time()
    done = reference.run()
    assert done.returncode == 0, done.stdout + done.stderr
    assert reference.problems() == []
    log = reference.fake.requests
    first, last = log[0].started - started, log[-1].started - started
    writing = next(r.started for r in log if _is_write(r)) - started
    reference.fake.stop()
    assert last - first > 0.2, f"the run is too short to kill mid-way ({first:.2f}-{last:.2f} s)"

    rng = random.Random(SEED)
    # from just before the first write to the last request, counted from the first request
    moments = _moments(rng, max(0.0, writing - first - 0.05), last - first, POINTS)
    tried = mid_run = with_writes = double = 0
    sessions_started = sessions_pending = 0
    for i, delay in enumerate(moments):
        scenario = _fresh(tmp_path, f"kill{i}", media, VERSIONS[i % len(VERSIONS)])
        try:
            since = len(scenario.fake.requests)
            running, killed_at = _kill_after(scenario, delay)
            if i % 4 == 3:  # kill the recovery run too, at a second random moment
                _kill_after(scenario, rng.uniform(0.0, last - first))
                double += 1
            code = scenario.apply_in_process()
            assert code == 0, f"kill point {i} ({delay:.2f} s): re-run exited {code}"
            sent, writes = _sent_before(scenario, killed_at, since)
            tried += 1
            mid_run += running and sent > 0
            with_writes += running and writes > 0
            found = scenario.problems()
            assert found == [], f"kill point {i} ({delay:.2f} s, {sent} requests): {found}"
            assert scenario.plan_is_clean(), f"kill point {i}: the next plan is not empty"
            sessions_started += scenario.fake.count("POST", UPLOAD_INIT)
            sessions_pending += scenario.pending_upload_sessions()
        finally:
            scenario.fake.stop()
    print(
        f"\ncrash convergence: {tried} kill points tried (seed {SEED}; reference run: requests"
        f" {first:.2f}-{last:.2f} s after start, writes from {writing:.2f} s), {mid_run} killed mid-run, {with_writes} after writes had begun,"
        f" {double} recovery runs killed too; all converged;"
        f" {sessions_started} upload sessions opened for {tried * len(UPLOADS)} uploads,"
        f" {sessions_pending} left unfinished (never a video)"
    )
    FIGURES["crash kill points tried"] = tried
    FIGURES["crash kills mid-run"] = mid_run
    FIGURES["crash kills after writes began"] = with_writes
    FIGURES["crash upload sessions left unfinished"] = sessions_pending
    # Most kills must land while ptsync is sending requests, or the test proves little.
    assert mid_run >= 0.75 * tried, f"only {mid_run} of {tried} kills landed mid-run"
    assert with_writes >= 0.5 * tried, f"only {with_writes} of {tried} kills hit the write phase"
