"""Issue 15 over HTTP, on the 6.3 and 8.3 fakes: chapters, scheduled publishing, video
passwords and letting a video go, each from create to "No changes", with request counts."""

from __future__ import annotations

import secrets
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from ptsync.clock import FakeClock
from ptsync.marker import parse_description
from ptsync.testing import FakePeerTube
from tests.fakeenv import cli_runner
from tests.integration.conftest import marked_videos

pytestmark = pytest.mark.timeout(90)
PASSWORD = "alice-secret-pw"
LONG = "https://archive.example.org/lecture.mp4"  # a 2-hour video on the fake
FAR = "2031-06-01T10:00:00+02:00"  # 08:00 UTC
FAR_Z = "2031-06-01T08:00:00.000Z"


@pytest.fixture(params=["6.3", "8.3"])
def server(request, tmp_path, monkeypatch) -> Iterator[FakePeerTube]:
    with FakePeerTube(
        rate_limit=None, login_rate_limit=None, import_duration=0.05, version=request.param
    ) as fake:
        fake.add_user("alice", PASSWORD)
        fake.set_import_target(LONG, size=26000 * 7200)
        monkeypatch.setenv("PEERTUBE_URL", fake.url)
        monkeypatch.setenv("PEERTUBE_USERNAME", "alice")
        monkeypatch.setenv("PEERTUBE_PASSWORD", PASSWORD)
        monkeypatch.delenv("PEERTUBE_TOKEN", raising=False)
        monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("NO_COLOR", "1")
        yield fake


@pytest.fixture
def manifest(tmp_path):
    folder = tmp_path / "manifests"
    (folder / "media").mkdir(parents=True)
    (folder / "media" / "clip.mp4").write_bytes(
        b"\x00\x00\x00\x18ftypmp42" + secrets.token_bytes(4096)
    )
    (folder / "thumb.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"j" * 200)
    path = folder / "videos.yaml"

    def write(body: str) -> Path:
        head = "apiVersion: ptsync/v1\nsystem: nisv\ndefaults: {channel: alice_channel}\n"
        path.write_text(head + textwrap.dedent(body))
        return path

    return write


def converged(cli, path: Path) -> None:
    again = cli("plan", str(path), "--detailed-exitcode")
    assert again.code == 0 and "No changes." in again.out, again.out + again.err


def apply(cli, path: Path, *extra: str):
    done = cli("apply", str(path), "--auto-approve", "--wait", *extra)
    assert done.code == 0, done.out + done.err
    return done


def requests(fake: FakePeerTube, method: str, suffix: str) -> list[str]:
    return [r.path for r in fake.requests if r.method == method and r.path.endswith(suffix)]


# ------------------------------------------------------------------------------- chapters

CHAPTERED = """\
videos:
  - id: lec
    source: {{url: {url}}}
    name: Lecture with chapters
    privacy: Public
    chapters:
{chapters}
  - id: plain
    source: {{url: {url}}}
    name: Lecture without
    privacy: Public
"""


def chapters_yaml(*items: tuple[str, str]) -> str:
    return (
        "\n".join(f'      - {{at: "{at}", title: "{title}"}}' for at, title in items) or "      []"
    )


def test_chapters_from_create_to_no_changes_fetching_only_where_set(server, cli, manifest):
    first = [("00:00", "Intro"), ("12:30", "Q&A"), ("1:02:03", "Wrap-up")]
    path = manifest(CHAPTERED.format(url=LONG, chapters=chapters_yaml(*first)))
    created = apply(cli, path)
    assert "chapters = [00:00 Intro, 12:30 Q&A, 1:02:03 Wrap-up]" in created.out
    lec = marked_videos(server)["lec"]["uuid"]
    assert server.chapters(lec) == [
        {"timecode": 0, "title": "Intro"},
        {"timecode": 750, "title": "Q&A"},
        {"timecode": 3723, "title": "Wrap-up"},
    ]
    server.clear_requests()
    converged(cli, path)
    assert requests(server, "GET", "/chapters") == [f"/api/v1/videos/{lec}/chapters"]  # one video

    second = [("00:00", "Intro"), ("12:30", "Questions"), ("20:00", "Demo")]
    path = manifest(CHAPTERED.format(url=LONG, chapters=chapters_yaml(*second)))
    planned = cli("plan", str(path))
    assert "      chapters:\n        ~ 12:30 Q&A → Questions\n        + 20:00 Demo\n" in planned.out
    assert "        - 1:02:03 Wrap-up\n" in planned.out and "00:00 Intro" not in planned.out
    server.clear_requests()
    apply(cli, path)
    assert requests(server, "PUT", "/chapters") == [f"/api/v1/videos/{lec}/chapters"]
    assert [r for r in server.requests if r.method == "PUT" and r.path.endswith(lec)] == []
    assert [c["title"] for c in server.chapters(lec)] == ["Intro", "Questions", "Demo"]
    converged(cli, path)

    path = manifest(CHAPTERED.format(url=LONG, chapters=chapters_yaml()))
    assert "chapters: all removed" in apply(cli, path).out
    assert server.chapters(lec) == []
    converged(cli, path)


def test_chapters_stay_the_manifests_when_peertube_derives_them_from_a_description(
    server, cli, manifest
):
    """PeerTube makes chapters out of description timestamps on create and, when they came
    from the old description, on every description change."""
    body = """\
    videos:
      - id: lec
        source: {{url: {url}}}
        name: Derived chapters
        description: "{description}"
        chapters: [{{at: "00:00", title: Start}}, {{at: "05:00", title: Middle}}]
    """
    path = manifest(body.format(url=LONG, description="00:00 Start\\n05:00 Middle"))
    apply(cli, path)  # the description derives exactly these: no chapter PUT needed
    lec = marked_videos(server)["lec"]["uuid"]
    assert [c["title"] for c in server.chapters(lec)] == ["Start", "Middle"]
    converged(cli, path)
    path = manifest(body.format(url=LONG, description="00:00 Opening\\n09:00 Other"))
    server.clear_requests()
    apply(cli, path)  # PeerTube re-derives from the new text; ptsync puts its own back after
    assert requests(server, "PUT", "/chapters") == [f"/api/v1/videos/{lec}/chapters"]
    assert [c["title"] for c in server.chapters(lec)] == ["Start", "Middle"]
    converged(cli, path)


def test_a_chapter_after_the_end_of_the_video_fails_the_plan(server, cli, manifest):
    server.set_import_target(LONG, size=26000 * 60)  # one minute
    path = manifest(CHAPTERED.format(url=LONG, chapters=chapters_yaml(("00:00", "A"))))
    apply(cli, path)
    path = manifest(
        CHAPTERED.format(url=LONG, chapters=chapters_yaml(("00:00", "A"), ("12:30", "B")))
    )
    refused = cli("plan", str(path))
    assert (
        refused.code == 1
        and "chapters at 12:30 start after the end of the video (01:00)" in refused.err
    )


# ------------------------------------------------------------------------------- schedule

SCHEDULED = """\
videos:
  - id: lec
    source: {{url: {url}}}
    name: Scheduled lecture
    {extra}
"""


def test_schedule_create_move_and_cancel(server, cli, manifest):
    path = manifest(SCHEDULED.format(url=LONG, extra=f"publishAt: {FAR}"))
    created = apply(cli, path)
    assert f"publishAt = {FAR_Z}" in created.out and "privacy = Private" in created.out
    video = marked_videos(server)["lec"]
    assert video["scheduledUpdate"] == {"updateAt": FAR_Z, "privacy": 1}
    assert video["privacy"]["id"] == 3
    assert parse_description(video["description"]).marker.annotations["pub"] == "1938067200"
    converged(cli, path)  # +02:00 in the manifest, Z on the server: one instant

    path = manifest(
        SCHEDULED.format(
            url=LONG, extra="publishAt: 2031-06-02T08:00:00Z\n    publishPrivacy: Unlisted"
        )
    )
    moved = apply(cli, path)
    assert f'publishAt: "{FAR_Z}" → "2031-06-02T08:00:00.000Z"' in moved.out
    assert "publishPrivacy: Public (1) → Unlisted (2)" in moved.out
    uuid = marked_videos(server)["lec"]["uuid"]
    assert server.video(uuid)["scheduledUpdate"] == {
        "updateAt": "2031-06-02T08:00:00.000Z",
        "privacy": 2,
    }
    converged(cli, path)

    path = manifest(SCHEDULED.format(url=LONG, extra="privacy: Private"))
    apply(cli, path)  # ptsync set it (pub= in the marker): removing publishAt cancels it
    video = server.video(uuid)
    assert "scheduledUpdate" not in video and video["privacy"]["id"] == 3
    assert "pub" not in parse_description(video["description"]).marker.annotations
    converged(cli, path)

    server.edit_video(uuid, scheduleUpdate={"updateAt": "2031-07-01T08:00:00Z", "privacy": 1})
    converged(cli, path)  # a person's schedule is theirs: left alone
    assert server.video(uuid)["scheduledUpdate"]["updateAt"] == "2031-07-01T08:00:00.000Z"


def test_thumbnail_and_schedule_go_in_separate_requests(server, cli, manifest):
    path = manifest(SCHEDULED.format(url=LONG, extra="privacy: Private"))
    apply(cli, path)
    path = manifest(
        SCHEDULED.format(
            url=LONG, extra=f"privacy: Private\n    thumbnail: thumb.jpg\n    publishAt: {FAR}"
        )
    )
    apply(cli, path)
    uuid = marked_videos(server)["lec"]["uuid"]
    assert server.thumbnail(uuid) and server.video(uuid)["scheduledUpdate"]["updateAt"] == FAR_Z
    assert server.multipart_schedules == 0  # never a scheduleUpdate in a multipart body (#7552)
    converged(cli, path)


def test_a_past_publish_at_fails_a_create_and_is_a_notice_once_published(server, cli, manifest):
    path = manifest(SCHEDULED.format(url=LONG, extra="publishAt: 2020-01-01T00:00:00Z"))
    refused = cli("plan", str(path))
    assert refused.code == 1 and "publishAt 2020-01-01T00:00:00Z is in the past" in refused.err
    server.add_video(
        "alice", name="Published", privacy=1, description="<!-- ptsync:nisv/old pub=1577836800 -->"
    )
    uuid = server.videos()[0]["uuid"]
    path = manifest(
        f"videos:\n  - {{id: old, uuid: {uuid}, privacy: Private, publishAt: 2020-01-01T00:00:00Z}}\n"
    )
    planned = cli("plan", str(path), "--detailed-exitcode")
    assert planned.code == 0, planned.out + planned.err
    assert "published as planned" in planned.out and "No changes." in planned.out


# ------------------------------------------------------------------------------- passwords

PROTECTED = """\
videos:
  - id: sec
    source: {{file: media/clip.mp4}}
    name: {name}
    privacy: {privacy}
    {extra}
"""


def test_passwords_from_the_environment_create_change_and_privacy_both_ways(
    server, cli, manifest, monkeypatch
):
    monkeypatch.setenv("LECTURE_PASSWORDS", "first-secret-1\nsecond-secret-2")
    with_passwords = "passwords: {env: LECTURE_PASSWORDS}"
    path = manifest(
        PROTECTED.format(name="Protected", privacy="Password protected", extra=with_passwords)
    )
    created = apply(cli, path)
    assert "passwords = from $LECTURE_PASSWORDS (not shown)" in created.out
    uuid = marked_videos(server)["sec"]["uuid"]
    assert sorted(server.passwords(uuid)) == ["first-secret-1", "second-secret-2"]
    server.clear_requests()
    converged(cli, path)
    assert requests(server, "GET", "/passwords") == [f"/api/v1/videos/{uuid}/passwords"]

    monkeypatch.setenv("LECTURE_PASSWORDS", "third-secret-3, first-secret-1")
    planned = cli("plan", str(path), "--format", "json")
    assert '"new": "changed"' in planned.out and "third-secret" not in planned.out
    text = cli("plan", str(path))
    assert "passwords: changed (not shown)" in text.out
    server.clear_requests()
    changed = apply(cli, path)
    assert "secret" not in changed.out.replace("(not shown)", "") + changed.err
    assert sorted(server.passwords(uuid)) == ["first-secret-1", "third-secret-3"]
    assert requests(server, "PUT", "/passwords") == [f"/api/v1/videos/{uuid}/passwords"]
    assert requests(server, "PUT", uuid) == []  # passwords alone: their own endpoint
    converged(cli, path)

    path = manifest(
        PROTECTED.format(
            name="Protected, renamed", privacy="Password protected", extra=with_passwords
        )
    )
    apply(cli, path)  # a PUT of a protected video must carry its passwords: it does
    assert server.video(uuid)["name"] == "Protected, renamed"
    assert sorted(server.passwords(uuid)) == ["first-secret-1", "third-secret-3"]

    path = manifest(PROTECTED.format(name="Protected, renamed", privacy="Public", extra=""))
    apply(cli, path)
    assert server.video(uuid)["privacy"]["id"] == 1 and server.passwords(uuid) == []
    converged(cli, path)
    path = manifest(
        PROTECTED.format(
            name="Protected, renamed", privacy="Password protected", extra=with_passwords
        )
    )
    back = apply(cli, path)
    assert "passwords: set (not shown)" in back.out
    assert server.video(uuid)["privacy"]["id"] == 5
    assert sorted(server.passwords(uuid)) == ["first-secret-1", "third-secret-3"]
    converged(cli, path)


def test_a_protected_upload_with_thumbnail_chapters_and_schedule_in_one_apply(
    server, cli, manifest, monkeypatch
):
    """The PUT after the create (thumbnail, marker hashes) needs the passwords too."""
    monkeypatch.setenv("LECTURE_PASSWORDS", "only-one-secret")
    extra = (
        "passwords: {env: LECTURE_PASSWORDS}\n    thumbnail: thumb.jpg\n"
        '    chapters: [{at: "00:00", title: Only}]\n'
        f"    publishAt: {FAR}\n    publishPrivacy: Public"
    )
    path = manifest(PROTECTED.format(name="All at once", privacy="Password protected", extra=extra))
    apply(cli, path)
    uuid = marked_videos(server)["sec"]["uuid"]
    video = server.video(uuid)
    assert video["privacy"]["id"] == 5 and video["scheduledUpdate"]["updateAt"] == FAR_Z
    assert server.thumbnail(uuid) and server.chapters(uuid) == [{"timecode": 0, "title": "Only"}]
    assert server.passwords(uuid) == ["only-one-secret"] and server.multipart_schedules == 0
    converged(cli, path)


def test_a_missing_password_variable_fails_the_plan_naming_it(server, cli, manifest, monkeypatch):
    monkeypatch.delenv("LECTURE_PASSWORDS", raising=False)
    path = manifest(
        PROTECTED.format(
            name="Protected",
            privacy="Password protected",
            extra="passwords: {env: LECTURE_PASSWORDS}",
        )
    )
    refused = cli("plan", str(path))
    assert refused.code == 1 and "environment variable LECTURE_PASSWORDS is not set" in refused.err
    assert "videos.yaml:" in refused.err and "passwords.env" in refused.err
    assert server.count("POST") <= 1  # the login, nothing else
    status = cli("status", str(path))  # needs no passwords
    assert status.code == 0 and "sec" in status.out, status.out + status.err


# ------------------------------------------------------------------------------- release

TWO = """\
videos:
  - id: keep
    source: {{url: {url}}}
    name: Kept
  - id: letgo
    source: {{url: {url}}}
    name: {name}
    category: 15
    description: Their words stay.
{extra}
"""


def test_forget_then_apply_removes_the_marker_and_nothing_else(server, cli, manifest):
    path = manifest(TWO.format(url=LONG, name="Let go", extra=""))
    apply(cli, path)
    uuid = marked_videos(server)["letgo"]["uuid"]
    before = server.video(uuid)
    forgot = cli("forget", "letgo", "--manifest", str(path))
    assert forgot.code == 0 and "Marked 1 entry unmanaged" in forgot.err
    assert yaml.safe_load(path.read_text())["videos"][1]["lifecycle"] == "unmanaged"
    planned = cli("plan", str(path), "--prune")
    assert f'  ~ release letgo  "Let go" ({uuid})' in planned.out
    assert '      marker: "nisv/letgo" → (none)' in planned.out
    apply(cli, path, "--prune")
    after = server.video(uuid)
    assert after["description"] == "Their words stay."  # the marker line is gone
    assert (after["name"], after["category"], after["privacy"]) == (
        before["name"],
        before["category"],
        before["privacy"],
    )
    path = manifest(
        TWO.format(url=LONG, name="Renamed in the manifest", extra="    lifecycle: unmanaged")
    )
    planned = cli("plan", str(path), "--prune", "--detailed-exitcode")
    assert planned.code == 0 and "No changes. 1 video matches the manifest." in planned.out
    assert server.video(uuid)["name"] == "Let go"  # ignored, and never pruned


def test_releasing_a_protected_video_keeps_its_passwords(server, cli, manifest):
    seeded = server.add_video(
        "alice", name="Protected", description="<!-- ptsync:nisv/p -->\n\nText.", password="kept-pw"
    )
    path = manifest("videos:\n  - {id: p, lifecycle: unmanaged}\n")
    apply(cli, path)  # the PUT that removes the marker carries the live passwords
    video = server.video(seeded["uuid"])
    assert video["description"] == "Text." and server.passwords(seeded["uuid"]) == ["kept-pw"]
    converged(cli, path)


def test_takeover_true_re_marks_a_video_owned_by_another_system(server, cli, manifest):
    owned = server.add_video("alice", name="Theirs", description="<!-- ptsync:other/x -->\n\nText.")
    body = f"videos:\n  - id: mine\n    uuid: {owned['uuid']}\n    name: Mine\n{{extra}}"
    path = manifest(body.format(extra=""))
    left = cli("plan", str(path))
    assert "owned by other/x (set takeover: true)" in left.out and "No changes." in left.out
    path = manifest(body.format(extra="    takeover: true\n"))
    taken = apply(cli, path)
    assert 'marker: "other/x" → "nisv/mine"' in taken.out
    video = server.video(owned["uuid"])
    assert video["name"] == "Mine" and video["description"].startswith("<!-- ptsync:nisv/mine")
    converged(cli, path)


# ------------------------------------------------------------------------------- export


def test_export_writes_chapters_schedules_and_a_password_placeholder(server, cli, tmp_path):
    server.add_video(
        "alice",
        name="Chaptered and scheduled",
        privacy=3,
        size=26000 * 900,
        chapters=[(0, "Intro"), (300, "Part 1")],
        publish_at="2031-06-01T08:00:00Z",
        publish_privacy=2,
    )
    server.add_video("alice", name="Protected one", password="only-secret")
    target = tmp_path / "exported.yaml"
    done = cli("export", "--system", "nisv", "-o", str(target))
    assert done.code == 0, done.err
    text = target.read_text()
    assert '      - at: "05:00"\n        title: Part 1\n' in text
    assert f"publishAt: '{FAR_Z}'" in text or f"publishAt: {FAR_Z}" in text
    assert "publishPrivacy: Unlisted" in text
    assert "# passwords: {env: PTSYNC_PASSWORDS_" in text and "only-secret" not in text
    converged(cli, target)


def test_now_is_the_injected_clocks(tmp_path, monkeypatch, capsys, manifest):
    """The plan's "now" (a schedule in the past, mirrors' windows) is the run's clock, not the
    wall clock: on a clock in 2100, a publishAt of 2099 is in the past."""
    clock = FakeClock(start=datetime(2100, 1, 1, tzinfo=UTC).timestamp())
    with FakePeerTube(rate_limit=None, login_rate_limit=None, clock=clock) as fake:
        fake.add_user("alice", PASSWORD)
        fake.set_import_target(LONG, size=1000)
        monkeypatch.setenv("PEERTUBE_URL", fake.url)
        monkeypatch.setenv("PEERTUBE_USERNAME", "alice")
        monkeypatch.setenv("PEERTUBE_PASSWORD", PASSWORD)
        monkeypatch.delenv("PEERTUBE_TOKEN", raising=False)
        monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
        cli = cli_runner(capsys, clock)
        past = manifest(SCHEDULED.format(url=LONG, extra="publishAt: 2099-06-01T08:00:00Z"))
        refused = cli("plan", str(past))
        assert refused.code != 0 and "is in the past" in refused.err, refused.text
        later = manifest(SCHEDULED.format(url=LONG, extra="publishAt: 2100-06-01T08:00:00Z"))
        assert cli("plan", str(later)).code == 0
