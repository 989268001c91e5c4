"""Scenarios from the issue, each over HTTP against the fake PeerTube (and live when enabled)."""

from __future__ import annotations

import json

import pytest

from ptsync import clock as clocks
from ptsync.clock import FakeClock
from ptsync.testing import FakePeerTube
from tests.integration.conftest import marked_videos

pytestmark = pytest.mark.timeout(60)


def need_fake(backend):
    if not backend.is_fake:
        pytest.skip("seeds server state the API cannot create")
    return backend.fake


def three_videos(write_manifest, keep=("a", "b", "c")):
    entries = "".join(
        f"  - id: {k}\n    source: {{{{url: https://archive.example.org/{k}.mp4}}}}\n    name: Video {k}\n"
        for k in keep
    )
    return write_manifest("defaults:\n  channel: {channel}\n  privacy: Public\nvideos:\n" + entries)


def test_rules_update_unlisted_videos_without_touching_their_description(
    backend, cli, write_manifest
):
    fake = need_fake(backend)
    outsider = fake.add_video("alice", name="Old lecture", privacy=2, description="Not managed.")
    listed = fake.add_video("alice", name="Listed", category=3)
    path = write_manifest(
        """
        rules:
          - match: {{channel: {channel}}}
            set: {{category: Science & Technology, licence: 7}}
        videos:
          - id: listed
            uuid: {uuid}
            category: Films
        """,
        uuid=listed["uuid"],
    )
    result = cli("apply", str(path), "--auto-approve")
    assert result.code == 0, result.err
    unlisted = fake.video(outsider["uuid"])
    assert (unlisted["category"]["id"], unlisted["licence"]["id"]) == (15, 7)
    assert unlisted["description"] == "Not managed." and unlisted["privacy"]["id"] == 2
    adopted = fake.video(listed["uuid"])
    assert adopted["category"]["id"] == 2 and adopted["licence"]["id"] == 7
    assert cli("plan", str(path), "--detailed-exitcode").code == 0


def test_adoption_by_uuid_writes_marker_and_keeps_the_text(backend, cli, write_manifest):
    fake = need_fake(backend)
    legacy = fake.add_video("alice", name="Legacy", description="Their **own** words.")
    path = write_manifest(
        "videos:\n  - id: legacy-42\n    uuid: {uuid}\n    nsfw: true\n", uuid=legacy["uuid"]
    )
    plan = cli("plan", str(path))
    assert 'marker: (none) → "nisv/legacy-42"' in plan.out and "nsfw: false → true" in plan.out
    assert cli("apply", str(path), "--auto-approve").code == 0
    video = marked_videos(fake)["legacy-42"]
    assert video["uuid"] == legacy["uuid"]
    assert video["description"].endswith("\n\nTheir **own** words.")
    assert cli("plan", str(path), "--detailed-exitcode").code == 0


def test_marker_removed_in_web_ui_is_restored_not_duplicated(backend, cli, write_manifest):
    fake = need_fake(backend)
    path = three_videos(write_manifest, keep=("a",))
    assert cli("apply", str(path), "--auto-approve", "--wait").code == 0
    video = marked_videos(fake)["a"]
    fake.edit_video(video["uuid"], description="Someone rewrote this.")
    plan = cli("plan", str(path))
    assert "+ create" not in plan.out and "matched by import" in plan.out
    assert cli("apply", str(path), "--auto-approve").code == 0
    assert marked_videos(fake)["a"]["uuid"] == video["uuid"] and len(fake.videos()) == 1


def test_prune_deletes_only_owned_and_is_refused_above_threshold(backend, cli, write_manifest):
    path = three_videos(write_manifest)
    assert cli("apply", str(path), "--auto-approve", "--wait").code == 0
    if backend.is_fake:
        outsider = backend.fake.add_video("alice", name="Not ours")
    smaller = three_videos(write_manifest, keep=("a",))
    refused = cli("apply", str(smaller), "--prune", "--auto-approve", "--safety-min-existing", "3")
    assert refused.code == 4 and "refusing to delete 2 of 3 managed videos" in refused.err
    assert "- delete b" in refused.out and "- delete c" in refused.out  # the plan is still shown
    without = cli("plan", str(smaller), "--detailed-exitcode")
    # deletes only with --prune; without, the owned videos missing from the manifest need a person
    assert without.code == 2 and "- delete" not in without.out and "2 videos carry" in without.out
    forced = cli("apply", str(smaller), "--prune", "--force", "--auto-approve")
    assert forced.code == 0 and "0 created, 0 updated, 2 deleted, 0 failed" in forced.out
    if backend.is_fake:
        assert set(marked_videos(backend.fake)) == {"a"}
        assert backend.fake.video(outsider["uuid"]) is not None


def test_possible_duplicate_is_refused_unless_allowed(backend, cli, write_manifest):
    fake = need_fake(backend)
    fake.add_video("alice", name="Same name")
    body = """
    videos:
      - id: dup
        source: {{url: https://archive.example.org/dup.mp4}}
        name: Same name
        channel: {channel}{extra}
    """
    path = write_manifest(body, extra="")
    result = cli("apply", str(path), "--auto-approve")
    assert result.code == 0 and "has the same name and no nisv marker" in result.out
    assert len(fake.videos()) == 1
    path = write_manifest(body, extra="\n    allow_duplicate: true")
    assert "1 created" in cli("apply", str(path), "--auto-approve").out
    assert len(fake.videos()) == 2


def test_rate_limit_429_is_waited_out(tmp_path, monkeypatch, cli):
    clock = FakeClock()  # the fake's windows and the CLI's waits: virtual
    with (
        FakePeerTube(
            rate_limit=(8, 0.5), login_rate_limit=None, import_duration=0.01, clock=clock
        ) as fake,
        clocks.using(clock),
    ):
        fake.add_user("alice", "alice-secret-pw")
        for i in range(30):
            fake.add_video("alice", name=f"Video {i:02d}", category=1)
        monkeypatch.setenv("PEERTUBE_URL", fake.url)
        monkeypatch.setenv("PEERTUBE_USERNAME", "alice")
        monkeypatch.setenv("PEERTUBE_PASSWORD", "alice-secret-pw")
        monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
        manifest = tmp_path / "rules.yaml"
        manifest.write_text(
            "apiVersion: ptsync/v1\nsystem: nisv\nrules:\n  - match: {all: true}\n    set: {category: 2}\n"
        )
        args = ("apply", str(manifest), "--auto-approve", "--rate-limit", "off")
        refused = cli(*args)  # a rule rewriting all 30 videos it matches needs --force
        assert refused.code == 4 and "update 30 of 30 videos the rules match" in refused.err
        fake.clear_requests()
        result = cli(*args, "--force")
        assert result.code == 0, result.err
        assert "30 updated, 0 deleted, 0 failed" in result.out
        assert sum(1 for r in fake.requests if r.status == 429) > 0
        assert {v["category"]["id"] for v in fake.videos()} == {2}


def test_bad_manifest_fails_with_location_and_sends_nothing(backend, cli, write_manifest):
    path = write_manifest(
        """
        videos:
          - id: x
            name: ab
            tags: [a, b, c, d, e, f]
        """
    )
    if backend.is_fake:
        backend.fake.clear_requests()
    result = cli("plan", str(path))
    assert result.code == 1
    assert "Traceback" not in result.err
    assert f"{path}:" in result.err and "videos[0]" in result.err
    if backend.is_fake:
        assert backend.fake.requests == []


def test_saved_plan_applies_exactly_and_refuses_when_stale(backend, cli, write_manifest, tmp_path):
    fake = need_fake(backend)
    path = three_videos(write_manifest, keep=("a",))
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(path), "--out", str(plan_file)).code == 0
    assert json.loads(plan_file.read_text())["kind"] == "ptsync-plan"
    assert cli("apply", str(plan_file)).code == 0
    assert set(marked_videos(fake)) == {"a"}
    edited = path.read_text().replace("name: Video a", "name: Video A")
    path.write_text(edited)
    assert cli("plan", str(path), "--out", str(plan_file)).code == 0
    fake.edit_video(marked_videos(fake)["a"]["uuid"], nsfw=True)  # someone edits meanwhile
    stale = cli("apply", str(plan_file))
    assert stale.code == 4 and "changed since the plan" in stale.err
    assert marked_videos(fake)["a"]["name"] == "Video a"


def test_drift_from_web_ui_shows_as_update_of_managed_fields_only(backend, cli, write_manifest):
    fake = need_fake(backend)
    path = three_videos(write_manifest, keep=("a",))
    assert cli("apply", str(path), "--auto-approve", "--wait").code == 0
    uuid = marked_videos(fake)["a"]["uuid"]
    fake.edit_video(uuid, name="Renamed by hand", support="Unmanaged support text")
    plan = cli("plan", str(path), "--detailed-exitcode")
    assert plan.code == 2
    assert 'name: "Renamed by hand" → "Video a"' in plan.out and "support" not in plan.out


def test_failed_import_is_reported_then_retried_without_duplicate(
    backend, cli, write_manifest, tmp_path
):
    fake = need_fake(backend)
    url = "https://archive.example.org/broken.mp4"
    fake.set_import_target(url, "not-a-video")
    path = write_manifest(
        "videos:\n  - id: br\n    source: {{url: {url}}}\n    name: Broken at first\n", url=url
    )
    report = tmp_path / "report.json"
    first = cli("apply", str(path), "--auto-approve", "--wait", "--report", str(report))
    assert first.code == 1
    (item,) = json.loads(report.read_text())["results"]
    assert item["import_state"] == "failed" and "ffprobe" in item["error"]
    fake.set_import_target(url, "ok")
    plan = cli("plan", str(path))
    if fake.profile.failed_import_kept:  # 8.x: the same video, retried in place
        assert "~ retry import br" in plan.out and "ffprobe" in plan.out
    else:  # 6.x/7.x destroyed the video: imported again
        assert "retry: import #" in plan.out
    assert cli("apply", str(path), "--auto-approve", "--wait").code == 0
    assert list(marked_videos(fake)) == ["br"] and len(fake.videos()) == 1
    assert cli("status", str(path)).code == 0


def test_unreachable_url_fails_at_once_with_peertube_message(backend, cli, write_manifest):
    fake = need_fake(backend)
    url = "https://archive.example.org/missing.mp4"
    fake.set_import_target(url, "unreachable")
    path = write_manifest(
        "videos:\n  - id: m\n    source: {{url: {url}}}\n    name: Missing\n", url=url
    )
    result = cli("apply", str(path), "--auto-approve", "--no-wait")
    assert result.code == 1 and "Cannot fetch information from import for URL" in result.err
    assert fake.videos() == []


def test_manifest_safety_settings_set_the_thresholds(backend, cli, write_manifest):
    fake = need_fake(backend)
    for i in range(4):
        fake.add_video("alice", name=f"Video v{i}", description=f"<!-- ptsync:nisv/v{i} -->\n\nx")
    entries = "".join(
        f"  - id: v{i}\n    source: {{{{url: 'https://x.org/{i}.mp4'}}}}\n    name: Video v{i}\n"
        for i in range(2)
    )
    strict = write_manifest(
        "safety: {{minExisting: 4, maxDeleteFraction: 0.25}}\nvideos:\n" + entries,
        name="strict.yaml",
    )
    refused = cli("plan", str(strict), "--prune")
    assert (
        refused.code == 4 and "refusing to delete 2 of 4 managed videos (50% > 25%)" in refused.err
    )
    assert cli("plan", str(strict), "--prune", "--max-delete-fraction", "0.5").code == 0
    assert cli("plan", str(strict), "--prune", "--force").code == 0


def test_a_typed_threshold_wins_over_the_manifest_even_at_its_default(backend, cli, write_manifest):
    """The README's promise: an option given on the command line wins over ``safety:``, also
    when the value typed is the default (0.3 and 10 here)."""
    fake = need_fake(backend)
    for i in range(10):
        fake.add_video("alice", name=f"Video v{i}", description=f"<!-- ptsync:nisv/v{i} -->\n\nx")
    entries = "".join(
        f"  - id: v{i}\n    source: {{{{url: 'https://x.org/{i}.mp4'}}}}\n    name: Video v{i}\n"
        for i in range(6)
    )
    lenient = write_manifest(
        "safety: {{minExisting: 50, maxDeleteFraction: 0.9}}\nvideos:\n" + entries,
        name="lenient.yaml",
    )
    assert cli("plan", str(lenient), "--prune").code == 0  # the manifest's own thresholds
    typed = cli("plan", str(lenient), "--prune", "--max-delete-fraction", "0.3")
    assert typed.code == 0  # minExisting 50 still holds: 10 videos are too few to check
    both = cli(
        "plan",
        str(lenient),
        "--prune",
        "--max-delete-fraction",
        "0.3",
        "--safety-min-existing",
        "10",
    )
    assert both.code == 4 and "refusing to delete 4 of 10 managed videos (40% > 30%)" in both.err
