"""Injected faults: transient ones are absorbed (zero failed items), permanent ones reported."""

from __future__ import annotations

import json

import pytest

from ptsync.testing import FakePeerTube
from tests.reliability.scenario import build, problems, run_apply


@pytest.fixture
def mixed(tmp_path):
    with FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=0.05) as fake:
        yield build(tmp_path, fake)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ten_percent_transient_faults_converge_with_zero_failures(mixed, seed, tmp_path):
    faults = mixed.fake.faults
    faults.seed = seed
    faults.error_rate = 0.04  # + 2 % each of 429, slow past the timeout, dropped: 10 %
    faults.error_statuses = (500, 502, 503)
    faults.rate_limited_rate = 0.02
    faults.retry_after = 1
    faults.slow_rate = 0.02
    faults.slow_seconds = 3.0
    faults.drop_rate = 0.02
    report = tmp_path / "report.json"
    result = run_apply(mixed, "--timeout", "1", "--report", str(report))
    injected = sum(1 for r in mixed.fake.requests if r.fault)
    print(f"\nseed {seed}: {len(mixed.fake.requests)} requests, {injected} faults injected")
    assert injected > 0
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(report.read_text())
    assert doc["summary"]["failed"] == 0
    faults.clear()
    assert problems(mixed.fake) == []
    assert "No changes." in run_apply(mixed).stdout


def test_permanent_4xx_fails_only_that_item_with_a_clear_report(mixed, tmp_path):
    mixed.fake.faults.inject(400, method="POST", path="/api/v1/videos/imports", times=1)
    report = tmp_path / "report.json"
    result = run_apply(mixed, "--report", str(report))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    doc = json.loads(report.read_text())
    failed = [r for r in doc["results"] if not r["success"]]
    assert len(failed) == 1 and failed[0]["action"] == "create"
    assert "POST /api/v1/videos/imports: 400" in failed[0]["error"]
    assert doc["summary"]["failed"] == 1 and doc["summary"]["total"] > 5
    assert "1 failed" in result.stdout
    rerun = run_apply(mixed)
    assert rerun.returncode == 0 and problems(mixed.fake) == []
