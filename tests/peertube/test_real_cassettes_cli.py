"""The whole CLI replays the recorded scenario on real PeerTube 6.3, 7.3 and 8.0.1.

The six steps of the shared cassettes (``real_cassettes``) run one after the other, in this
process, sharing one cache folder as they did when recorded (the token from the cold plan, the
vocabularies, the detail cache, the in-flight records), against the manifest the README
describes, rebuilt in ``tmp_path``. Every step must send exactly the recorded requests (same
query and body: the create and update bodies the CLI builds today equal the recorded ones) and
its parsed output (plan and status JSON, the apply report) must say what the recorded answers
imply: the warm plan on 6.3 and 7.3 imports the failed URL again (on 8.0, which keeps its
video, it retries it in place), the drift plan takes name and tags back to the manifest's.
Skipped when the cassettes are not beside the repository.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ptsync.clock import FakeClock
from tests.fakeenv import Result, cli_runner
from tests.peertube.real_cassettes import (
    IMP_BAD_IMPORT_8_0,
    VERSIONS,
    Interaction,
    recorded,
    replaying,
    skip_without_cassettes,
    write_scenario,
)

pytestmark = skip_without_cassettes

FFPROBE = "ffprobe exited with code 1"  # the first line of the failed import's error
MANIFEST_FIELDS = {
    "channel": "alice_videos",
    "privacy": 1,  # Public
    "licence": 1,  # Attribution
    "language": "en",
    "category": 15,  # Science & Technology, by the rule on the channel
}
# imp-bad's (state, import state) in what 06-status's recorded answers show; up-1 and imp-ok
# are published everywhere.
IMP_BAD_STATUS = {
    "6.3": ("importing", "processing"),  # the import made again by 05 is being processed
    "7.3": ("failed", "failed"),  # it had failed already (and 7.3 deleted its video)
    "8.0": ("failed", "failed"),  # the video of the failed import stays; never retried then
}


@dataclass(frozen=True)
class Recorded:
    """The facts of one version's scenario the CLI's output must agree with."""

    creates: dict[str, Interaction]  # external id -> the create that made it (02)
    upload_answer: Interaction  # the answer to the upload's last chunk (02)
    again: Interaction | None  # 05's import of imp-bad, made again (6.3, 7.3)

    @classmethod
    def of(cls, version: str) -> Recorded:
        apply = recorded(version, "02-apply-wait")
        creates = {
            marker_id(i.sent_json()["description"]): i
            for i in apply
            if i.method == "POST" and i.path.endswith(("/imports", "/upload-resumable"))
        }
        (chunk,) = [i for i in apply if i.method == "PUT" and i.path.endswith("-resumable")]
        repair = recorded(version, "05-apply-repair")
        again = [i for i in repair if i.method == "POST" and i.path.endswith("/videos/imports")]
        return cls(creates, chunk, again[0] if again else None)

    def marker(self, external_id: str) -> str:
        return str(self.creates[external_id].sent_json()["description"]).split("\n")[0]

    def uuid(self, external_id: str) -> str:
        answer = self.upload_answer if external_id == "up-1" else self.creates[external_id]
        return str(answer.json()["video"]["uuid"])

    def import_id(self, external_id: str) -> int:
        return int(self.creates[external_id].json()["id"])


def marker_id(description: str) -> str:
    return description.split("ptsync:cassette/", 1)[1].split()[0]


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PEERTUBE_USERNAME", "alice")
    monkeypatch.setenv("PEERTUBE_PASSWORD", "PASSWORD")  # the cassettes' placeholder
    for name in ("PEERTUBE_URL", "PEERTUBE_TOKEN", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    return cli_runner(capsys, FakeClock())  # apply --wait's polling pauses cost no time


def step(version: str, name: str, cli: Any, *args: str) -> Result:
    """Run ``ptsync ARGS`` under the step's cassette; the requests must be the recorded ones."""
    with replaying(version, name) as replay:
        result = cli(*args)
    replay.check()
    return result


def changes(result: Result) -> dict[str, dict[str, Any]]:
    (plan,) = json.loads(result.out)["plans"]
    assert plan["notices"] == [], plan["notices"]
    return {change["external_id"]: change for change in plan["changes"]}


def summary(result: Result) -> dict[str, int]:
    return dict(json.loads(result.out)["summary"])


def report(path: Path) -> dict[str, dict[str, Any]]:
    return {r["external_id"]: r for r in json.loads(path.read_text())["results"]}


def check_retry_planned(version: str, found: dict[str, Any], facts: Recorded) -> None:
    """imp-bad's import failed in the background: planned again, as the version allows."""
    if version == "8.0":  # the video stays (state 12): the import is retried in place
        assert found["action"] == "update" and found["uuid"] == facts.uuid("imp-bad")
        assert found["retry_import"] == facts.import_id("imp-bad") == IMP_BAD_IMPORT_8_0
        assert found["changes"] == [
            {"field": "import", "old": f"failed: {FFPROBE}", "new": "retry"}
        ]
    else:  # 6.x and 7.x delete the video: imported again
        assert found["action"] == "create" and found["method"] == "import"
        assert found["marker"] == facts.marker("imp-bad")
        assert found["reason"] == f"retry: import #{facts.import_id('imp-bad')} failed: {FFPROBE}"


@pytest.mark.parametrize("version", VERSIONS)
def test_the_cli_replays_the_recorded_scenario(version, tmp_path, cli):
    facts = Recorded.of(version)
    folder = write_scenario(version, tmp_path / "manifests").parent
    parallel = ("--parallelism", "1")  # as recorded: one request at a time, in order
    plan = ("plan", *parallel, "--detailed-exitcode", "-f", "json")

    # 01: a cold plan logs in, reads the vocabularies and plans three creates
    cold = step(version, "01-cold-plan", cli, "plan", *parallel, "-f", "json", str(folder))
    assert cold.code == 0, cold.text
    planned = changes(cold)
    assert summary(cold) == {"create": 3, "update": 0, "delete": 0, "unchanged": 0}
    assert {k: (c["action"], c["method"]) for k, c in planned.items()} == {
        "up-1": ("create", "upload"),
        "imp-ok": ("create", "import"),
        "imp-bad": ("create", "import"),
    }
    for external_id, change in planned.items():
        assert change["marker"] == facts.marker(external_id)
        assert {k: change["fields"][k] for k in MANIFEST_FIELDS} == MANIFEST_FIELDS
    assert planned["up-1"]["fields"]["tags"] == ["zeta", "alpha"]
    (labels,) = [p["labels"] for p in json.loads(cold.out)["plans"]]
    assert labels["category"] == {"15": "Science & Technology"}

    # 02: apply --wait creates them (bodies as recorded) and follows the imports to the end
    results = tmp_path / "apply.json"
    wait = ("--auto-approve", "--wait", "--report", str(results))
    applied = step(version, "02-apply-wait", cli, "apply", *parallel, *wait, str(folder))
    assert applied.code == 1, applied.text  # one import failed in the background
    done = report(results)
    assert {k: (r["action"], r["success"]) for k, r in done.items()} == {
        "up-1": ("create", True),
        "imp-ok": ("create", True),
        "imp-bad": ("create", False),
    }
    assert {k: r["uuid"] for k, r in done.items() if r["success"]} == {
        "up-1": facts.uuid("up-1"),
        "imp-ok": facts.uuid("imp-ok"),
    }
    assert done["imp-ok"]["import_state"] == "success"
    assert done["imp-bad"]["import_state"] == "failed"
    assert done["imp-bad"]["error"] == f"import failed: {FFPROBE}"

    # 03: the warm plan changes nothing but the failed import (exit 2: changes)
    warm = step(version, "03-warm-plan", cli, *plan, str(folder))
    assert warm.code == 2, warm.text
    planned = changes(warm)
    assert set(planned) == {"imp-bad"}
    check_retry_planned(version, planned["imp-bad"], facts)
    assert summary(warm)["unchanged"] == 2

    # 04: after a rename and retag by hand, the plan takes them back to the manifest's
    drift = step(version, "04-plan-drift", cli, *plan, str(folder))
    assert drift.code == 2, drift.text
    planned = changes(drift)
    assert set(planned) == {"imp-bad", "up-1"}
    check_retry_planned(version, planned["imp-bad"], facts)
    update = planned["up-1"]
    assert (update["action"], update["uuid"], update["name"]) == (
        "update",
        facts.uuid("up-1"),
        "Renamed in the web UI",
    )
    assert update["changes"] == [
        {"field": "name", "old": "Renamed in the web UI", "new": "Cassette upload"},
        {"field": "tags", "old": ["hand"], "new": ["alpha", "zeta"]},
    ]
    assert summary(drift)["unchanged"] == 1

    # 05: apply repairs both (the PUT body is the recorded one)
    repaired_report = tmp_path / "repair.json"
    repair = ("--auto-approve", "--report", str(repaired_report))
    repaired = step(version, "05-apply-repair", cli, "apply", *parallel, *repair, str(folder))
    assert repaired.code == 0, repaired.text
    done = report(repaired_report)
    assert (done["up-1"]["action"], done["up-1"]["fields"]) == ("update", ["name", "tags"])
    assert all(r["success"] for r in done.values())
    if version == "8.0":
        assert (done["imp-bad"]["action"], done["imp-bad"]["import_id"]) == (
            "update",
            IMP_BAD_IMPORT_8_0,
        )
    else:
        assert facts.again is not None
        assert done["imp-bad"]["action"] == "create"
        assert done["imp-bad"]["uuid"] == facts.again.json()["video"]["uuid"]

    # 06: status reads the states the servers answered
    status = step(version, "06-status", cli, "status", "--format", "json", str(folder))
    (group,) = json.loads(status.out)["groups"]
    seen = {v["external_id"]: (v["state"], v["import_state"]) for v in group["videos"]}
    assert seen == {
        "up-1": ("published", None),
        "imp-ok": ("published", "success"),
        "imp-bad": IMP_BAD_STATUS[version],
    }
    assert status.code == (1 if group["failed"] else 0) == (0 if version == "6.3" else 1)
    uuids = {v["external_id"]: v["uuid"] for v in group["videos"]}
    assert (uuids["up-1"], uuids["imp-ok"]) == (facts.uuid("up-1"), facts.uuid("imp-ok"))
