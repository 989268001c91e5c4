"""Two applies of one manifest at once (two CI pipelines) never leave a video twice.

How: each run looks for the entry's marker right before creating, and looks again right after:
if an older video carries the same marker, the run that made the newer copy deletes it.
"""

from __future__ import annotations

import subprocess

import pytest

from ptsync.testing import FakePeerTube
from tests.reliability.scenario import apply_command, build, problems, run_apply


@pytest.mark.parametrize("latency", [0.0, 0.02])
def test_two_simultaneous_applies_create_each_video_once(tmp_path, latency):
    with FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=0.05) as fake:
        mixed = build(tmp_path, fake)
        fake.faults.latency = latency
        runs = [  # two machines: separate caches, one instance
            subprocess.Popen(
                apply_command(mixed),
                env={**mixed.env, "PTSYNC_CACHE_DIR": str(tmp_path / f"cache-{i}")},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(2)
        ]
        outputs = [run.communicate(timeout=120) for run in runs]
        assert all(run.returncode == 0 for run in runs), outputs
        raced = sum((out + err).count("concurrent run") for out, err in outputs)
        creates = fake.count("POST", "/api/v1/videos/imports")
        print(f"\nlatency {latency}: {creates} import POSTs, {raced} copies deleted by the loser")
        assert problems(fake) == [], outputs
        assert "No changes." in run_apply(mixed).stdout
