"""Two ``ptsync apply`` processes of one manifest at once (two CI pipelines, or a pipeline and
a person) never leave a video twice, and a third plan afterwards says "no changes".

Each create looks for the entry's marker right before creating and again right after; when an
older video carries the same marker, the run that made the younger copy deletes it. So both
runs may create at the same moment, but only one video per id survives.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.reliability.figures import add
from tests.reliability.scenario import IMPORTS, UPLOADS, WANTED, build, new_fake

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize(
    ("latency", "shared_cache", "version"),
    [(0.0, False, "6.3"), (0.02, False, "8.0"), (0.0, True, "8.3")],
    ids=["two-machines-6.3", "two-machines-20ms-8.0", "one-machine-shared-cache-8.0"],
)
def test_two_simultaneous_applies_leave_one_video_per_id(tmp_path, latency, shared_cache, version):
    fake = new_fake(latency, version=version).start()
    try:
        scenario = build(tmp_path, fake)
        runs = [
            scenario.popen(
                # the fake has no rate limit: ptsync's own (50 per 10 s, real time in a real
                # process) would hold a run's 51st request until the window ends
                "--rate-limit",
                "off",
                env={
                    **scenario.env,
                    "PTSYNC_CACHE_DIR": str(tmp_path / ("cache" if shared_cache else f"c{i}")),
                },
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(2)
        ]
        outputs = [run.communicate(timeout=90) for run in runs]
        codes = [run.returncode for run in runs]
        assert codes == [0, 0], outputs

        imports = fake.count("POST", "/api/v1/videos/imports")
        uploads = sum(1 for s in fake.upload_sessions.values() if s["completed"])
        raced = sum(err.count("created by a concurrent run") for _, err in outputs)
        print(
            f"\n{latency * 1000:.0f} ms, shared cache {shared_cache}: {imports} import POSTs and"
            f" {uploads} finished uploads for {len(IMPORTS)} + {len(UPLOADS)} new videos;"
            f" {raced} younger copies deleted by the run that made them"
        )
        add("concurrent apply pairs")
        add("concurrent duplicate creates cleaned up", imports + uploads - len(IMPORTS + UPLOADS))

        marked = scenario.marked()
        assert {ext_id: len(marked.get(ext_id, [])) for ext_id in WANTED} == dict.fromkeys(
            WANTED, 1
        )
        assert scenario.problems(created_once=False) == []
        assert scenario.plan_is_clean()
    finally:
        fake.stop()
