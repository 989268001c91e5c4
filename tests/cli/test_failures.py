"""Issue 20 item 4: failures are named. An import that fails on the server after its create
succeeded is shown as a failure with PeerTube's reason while apply follows it, and the summary
names every failed item; a create that finds its video already made by another run is not
counted as created (two concurrent applies once said 40 created for 20 videos)."""

from __future__ import annotations

import json
import textwrap

import pytest

from ptsync.marker import Marker, compose_description
from ptsync.session import Options, Run
from ptsync.testing import FakePeerTube
from tests.fakeenv import PASSWORD, USER, point_at

BAD = "https://archive.example.org/bad.mp4"
FFPROBE = "ffprobe exited with code 1"


@pytest.fixture(params=["6.3", "8.3"])
def server(request, tmp_path, monkeypatch):
    with FakePeerTube(
        rate_limit=None, login_rate_limit=None, import_duration=0.05, version=request.param
    ) as fake:
        fake.add_user(USER, PASSWORD)
        fake.set_import_target(BAD, "not-a-video")
        point_at(monkeypatch, fake, tmp_path / "cache")
        monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
        yield fake


def _manifest(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            apiVersion: ptsync/v1
            system: nisv
            videos:
              - id: bad
                source: {{url: '{BAD}'}}
                name: Bad video
                channel: alice_channel
              - id: good
                source: {{url: 'https://archive.example.org/good.mp4'}}
                name: Good video
                channel: alice_channel
            """
        )
    )
    return path


def test_a_failed_import_is_named_with_peertubes_reason(server, cli, tmp_path):
    report = tmp_path / "report.json"
    args = ["apply", str(_manifest(tmp_path)), "--auto-approve", "--wait", "--report", str(report)]
    result = cli(*args)
    assert result.code == 1, result.text
    err = result.err.splitlines()
    assert "  ✓ create bad (import pending)" in err  # the create itself, not the import
    assert f"  ✗ create bad: import failed: {FFPROBE}" in err  # once the job failed
    assert not any(line.startswith("  ✓ create bad") and "pending" not in line for line in err)
    out = result.out.splitlines()
    summary = out.index("Apply complete: 1 created, 0 updated, 0 deleted, 1 failed")
    assert out[summary + 1 :] == [f"  ✗ create bad: import failed: {FFPROBE}"]
    doc = json.loads(report.read_text())
    failed = [r for r in doc["results"] if not r["success"]]
    assert [(r["external_id"], r["error"]) for r in failed] == [
        ("bad", f"import failed: {FFPROBE}")
    ]


def test_quiet_still_names_the_failure(server, cli, tmp_path):
    result = cli("apply", str(_manifest(tmp_path)), "--auto-approve", "--wait", "-q")
    assert result.code == 1
    assert result.err.splitlines()[0] == f"  ✗ create bad: import failed: {FFPROBE}"
    assert "✓" not in result.err


def test_a_video_another_run_created_meanwhile_is_not_counted_as_created(server, tmp_path):
    path = _manifest(tmp_path)
    path.write_text(path.read_text().replace(BAD, "https://archive.example.org/fine.mp4"))
    options = Options(rate_limit=None)
    with Run([str(path)], options) as run:
        planned = run.plan()
        assert planned[0].plan.summary.create == 2
        server.add_video(  # what a concurrent run's create left, after this plan was made
            USER, name="Bad video", description=compose_description(Marker("nisv", "bad"), "")
        )
        (report,) = run.apply(planned)
    assert report.summary_line() == (
        "Apply complete: 1 created, 0 updated, 0 deleted, 0 failed; "
        "1 already created by another run"
    )
    summary = report.to_dict()["summary"]
    assert (summary["created"], summary["already_created"], summary["total"]) == (1, 1, 2)
    assert len(server.videos(USER)) == 2
