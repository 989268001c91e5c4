import json
import threading
import typing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ptsync.apply.follow import follow_imports, record_outcomes
from ptsync.marker import Marker
from ptsync.peertube import webhook
from ptsync.plan.changes import CreateMethod, CreateVideo, Plan
from ptsync.plan.quota import quota_notices
from ptsync.report import notify
from ptsync.report.results import ApplyReport, ItemResult
from ptsync.report.status import totals, video_statuses
from ptsync.state import LiveImport, LiveState
from tests.plan.factories import desired_state, desired_video, live_video, ref


def row(id_, state, error=None, url="https://x.org/a.mp4", uuid=None):
    labels = {1: "Pending", 2: "Success", 3: "Failed", 6: "Processing"}
    return LiveImport(id_, url, state, labels[state], error, uuid, "", "")


class ScriptedImports:
    """Answers each listing with the next snapshot; counts listings."""

    def __init__(self, snapshots):
        self.snapshots = snapshots
        self.calls = 0

    def iter_my_imports(self, target_url=None, *, newest_first=False):
        snapshot = self.snapshots[min(self.calls, len(self.snapshots) - 1)]
        self.calls += 1
        yield from snapshot


def test_follow_polls_one_listing_per_interval_until_final():
    client = ScriptedImports(
        [
            [row(2, 1), row(1, 6)],
            [row(2, 6), row(1, 2)],
            [row(2, 3, "ffprobe exited with code 1\nnoise"), row(1, 2)],
        ]
    )
    updates = []
    progress = follow_imports(
        client, [1, 2], interval=0, on_update=lambda p: updates.append(p.finished)
    )
    assert client.calls == 3
    assert updates == [0, 1, 2]
    assert (progress.completed, progress.failed, progress.progress_percent) == (1, 1, 100.0)


def test_failed_import_becomes_a_failed_item_with_peertube_error():
    report = ApplyReport("https://v.example.org", "nisv")
    report.results = [ItemResult("create", "a", "A", True, import_id=2, import_state="pending")]
    progress = follow_imports(
        ScriptedImports([[row(2, 3, "ffprobe exited with code 1\nx")]]), [2], interval=0
    )
    record_outcomes(report, progress)
    item = report.results[0]
    assert (item.success, item.import_state) == (False, "failed")
    assert item.error == "import failed: ffprobe exited with code 1"
    assert report.summary_line() == "Apply complete: 0 created, 0 updated, 0 deleted, 1 failed"


def test_status_states_and_totals():
    published = live_video(external_id="pub")
    importing = live_video(external_id="imp")
    importing = type(importing)(**{**importing.__dict__, "state": 3, "state_label": "To import"})
    desired = desired_state(
        desired_video("pub"),
        desired_video("imp", url="https://x.org/imp.mp4"),
        desired_video("bad", url="https://x.org/bad.mp4"),
        desired_video("new", url="https://x.org/new.mp4"),
    )
    imports = (
        row(1, 6, url="https://x.org/imp.mp4", uuid=importing.uuid),
        row(2, 3, "boom", url="https://x.org/bad.mp4"),
    )
    statuses = video_statuses(desired, LiveState((published, importing), imports=imports))
    assert [(s.external_id, s.state, s.detail) for s in statuses] == [
        ("pub", "published", None),
        ("imp", "importing", "import processing"),
        ("bad", "failed", "boom"),
        ("new", "not created", None),
    ]
    assert totals(statuses) == {"total": 4, "completed": 1, "failed": 1, "progress_percent": 50.0}


def test_quota_warning_counts_uploads_against_total_and_daily():
    create = CreateVideo(
        "a",
        CreateMethod.UPLOAD,
        "a.mp4",
        "0" * 10,
        {"name": "A"},
        Marker("nisv", "a"),
        ref(),
        source_size=600,
    )
    plan = Plan("https://v.example.org", "nisv", (create,))
    notices = quota_notices(
        plan.changes,
        {"videoQuota": 1000, "videoQuotaDaily": -1},
        {"videoQuotaUsed": 500, "videoQuotaUsedDaily": 500},
    )
    assert [n.kind for n in notices] == ["quota"]
    assert "exceed your storage quota" in notices[0].message
    assert quota_notices(plan.changes, {"videoQuota": -1, "videoQuotaDaily": -1}, {}) == []


class _Hook(BaseHTTPRequestHandler):
    received: typing.ClassVar[list] = []
    fail_first = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _Hook.fail_first:
            _Hook.fail_first -= 1
            self.send_response(503)
        else:
            _Hook.received.append(json.loads(body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_retries_then_delivers_context_unchanged():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    try:
        _Hook.received, _Hook.fail_first = [], 1
        report = ApplyReport("https://v.example.org", "nisv")
        report.results = [ItemResult("create", "a", "A", True, uuid="u1")]
        body = notify.payload([report], {"batch": {"id": 7, "by": "ci"}})
        url = f"http://127.0.0.1:{server.server_port}/hook"
        assert webhook.send(url, body, backoff=0.01) is None
        (got,) = _Hook.received
        assert got["context"] == {"batch": {"id": 7, "by": "ci"}}
        assert got["summary"]["created"] == 1 and got["results"][0]["uuid"] == "u1"
        _Hook.fail_first = 5
        problem = webhook.send(url, body, attempts=2, backoff=0.01)
        assert problem is not None and "failed after 2 attempts" in problem
        refused = webhook.send("http://hooks.example.org/x", body, attempts=1)
        assert refused is not None and "refusing plain http" in refused
    finally:
        server.shutdown()
