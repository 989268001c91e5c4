"""Kill `ptsync apply` (SIGKILL, a real process) at random moments; the next apply converges.

Default: PTSYNC_CRASH_POINTS=8 kill points in the normal suite; the full run is
`PTSYNC_CRASH_POINTS=60 pytest -m slow tests/reliability` (figures in tests/README.md).
"""

from __future__ import annotations

import os
import random
import subprocess
import time

import pytest

from ptsync.testing import FakePeerTube
from tests.reliability.scenario import apply_command, build, problems, run_apply

POINTS = int(os.environ.get("PTSYNC_CRASH_POINTS", "8"))
LATENCY = 0.01


def _fresh(tmp_path, i):
    folder = tmp_path / f"run{i}"
    folder.mkdir()
    fake = FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=0.05)
    fake.start()
    fake.faults.latency = LATENCY
    return fake, build(folder, fake)


@pytest.mark.slow
@pytest.mark.timeout(60 + 15 * POINTS)
def test_apply_killed_at_random_points_always_converges(tmp_path):
    fake, mixed = _fresh(tmp_path, "reference")
    started = time.monotonic()
    assert run_apply(mixed).returncode == 0
    duration = time.monotonic() - started
    assert problems(fake) == []
    fake.stop()
    rng = random.Random(20261123)
    outcomes = []
    for i in range(POINTS):
        fake, mixed = _fresh(tmp_path, i)
        try:
            delay = rng.uniform(0.2, 0.85 * duration)
            proc = subprocess.Popen(
                apply_command(mixed),
                env=mixed.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(delay)
            killed = proc.poll() is None
            proc.kill()
            proc.wait()
            rerun = run_apply(mixed)
            assert rerun.returncode == 0, rerun.stdout + rerun.stderr
            again = run_apply(mixed)
            assert "No changes." in again.stdout, again.stdout
            assert problems(fake) == [], (delay, problems(fake))
            outcomes.append((round(delay, 2), killed))
        finally:
            fake.stop()
    killed = sum(1 for _, k in outcomes if k)
    print(f"\ncrash points tried: {len(outcomes)}, killed mid-run: {killed}, all converged")
    assert killed >= len(outcomes) // 3  # most kills must land mid-run to mean anything
