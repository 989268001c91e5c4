"""``PeerTubeClient`` reads real PeerTube 6.3, 7.3 and 8.0.1 answers as they were recorded.

Every step of every shared cassette (``real_cassettes``) is replayed by driving the client
calls the CLI makes for it, in the recorded order: login, vocabularies, ``/users/me``, list
pages, searches, details, import lists, creates (import and resumable upload), updates. Each
parsed value (``LiveVideo``, markers, ``LiveImport``, ``Vocabularies``, the server's version,
the rate-limit counters the limiter took from the answers) is compared with what the recorded
answer says, read here independently of ``ptsync.peertube.parse``; and every request the
client sent must be one the cassette holds, with the recorded query and body, and every
recorded request must have been sent. Skipped when the cassettes are not beside the repository.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ptsync.peertube import ClientSettings, Credentials, PeerTubeClient
from ptsync.state import LiveImport, LiveVideo, Vocabularies
from tests.peertube.real_cassettes import (
    STEPS,
    VERSIONS,
    Interaction,
    differences,
    recorded,
    replaying,
    skip_without_cassettes,
    upload_bytes,
)

pytestmark = skip_without_cassettes

MARKER = re.compile(r"<!-- ptsync:([^/ ]+)/(\S+?)((?: [^ =]+=\S+)*) -->")
TOKEN_PATH = "/api/v1/users/token"
VIDEO = re.compile(r"/api/v1/videos/[0-9a-f-]{36}")
LANGUAGES = "/api/v1/videos/languages"
VOCABULARY_PATHS = (
    LANGUAGES,
    "/api/v1/config",
    "/api/v1/videos/categories",
    "/api/v1/videos/licences",
    "/api/v1/videos/privacies",
    "/api/v1/users/me",
    "/api/v1/video-playlists/privacies",
)


# ------------------------------------------------------- what the recorded answers say


def expected_video(raw: dict[str, Any], *, detailed: bool) -> dict[str, Any]:
    """A video object as ptsync means to read it: ids and values, the marker on line one."""
    description = raw.get("description") or ""
    found = MARKER.match(description)
    marker = None
    if found:
        annotations = dict(pair.split("=", 1) for pair in found[3].split())
        marker = (found[1], found[2], annotations)
    text = (description[found.end() :] if found else description).strip() or None
    assert not raw.get("scheduledUpdate"), "no schedules in this scenario"
    assert len(description) < 250, "no description long enough for lists to cut it"
    fields: dict[str, Any] = {
        "name": raw["name"],
        "channel": raw["channel"]["name"],
        "privacy": raw["privacy"]["id"],
        "category": raw["category"]["id"],
        "licence": raw["licence"]["id"],
        "language": raw["language"]["id"],
        "nsfw": raw["nsfw"],
        "waitTranscoding": raw.get("waitTranscoding"),
        "originallyPublishedAt": raw["originallyPublishedAt"],
        "description": text,  # short descriptions: lists do not cut them
    }
    if detailed:
        policy = raw.get("commentsPolicy")
        fields["tags"] = tuple(sorted(raw["tags"]))  # PeerTube reorders tags: a sorted tuple
        fields["support"] = raw["support"]
        fields["commentsPolicy"] = policy["id"] if policy else (1 if raw["commentsEnabled"] else 2)
        fields["downloadEnabled"] = raw["downloadEnabled"]
    return {
        "id": raw["id"],
        "uuid": raw["uuid"],
        "short_uuid": raw["shortUUID"],
        "url": raw["url"],
        "name": raw["name"],
        "channel": raw["channel"]["name"],
        "updated_at": raw["updatedAt"],
        "state": raw["state"]["id"],
        "state_label": raw["state"]["label"],
        "marker": marker,
        "marker_at_start": found is not None,
        "fields": fields,
        "detailed": detailed,
        "is_live": raw.get("isLive") is True,
        "duration": raw["duration"],
        "schedule": None,
    }


def seen_video(video: LiveVideo) -> dict[str, Any]:
    marker = video.marker
    return {
        **{key: getattr(video, key) for key in _VIDEO_ATTRIBUTES},
        "marker": (marker.system, marker.external_id, dict(marker.annotations)) if marker else None,
        "fields": dict(video.fields),
    }


_VIDEO_ATTRIBUTES = (
    *("id", "uuid", "short_uuid", "url", "name", "channel", "updated_at", "state"),
    *("state_label", "marker_at_start", "detailed", "is_live", "duration", "schedule"),
)


def expected_import(raw: dict[str, Any]) -> dict[str, Any]:
    video = raw.get("video")
    return {
        "id": raw["id"],
        "target_url": raw["targetUrl"],
        "state": raw["state"]["id"],
        "state_label": raw["state"]["label"],
        "error": raw["error"],
        "video_uuid": video["uuid"] if video else None,
        "created_at": raw["createdAt"],
        "updated_at": raw["updatedAt"],
        "finished": raw["state"]["id"] in (2, 3, 4, 5),  # Success, Failed, Rejected, Cancelled
        "failed": raw["state"]["id"] in (3, 4, 5),
    }


def seen_import(row: LiveImport) -> dict[str, Any]:
    keys = "id target_url state state_label error video_uuid created_at updated_at"
    return {
        **{key: getattr(row, key) for key in keys.split()},
        "finished": row.finished,
        "failed": row.failed,
    }


def expected_vocabularies(answers: dict[str, Interaction]) -> dict[str, Any]:
    def ints(path: str) -> dict[int, str]:
        return {int(k): v for k, v in answers[path].json().items()}

    me = answers["/api/v1/users/me"].json()
    return {
        "categories": ints("/api/v1/videos/categories"),
        "licences": ints("/api/v1/videos/licences"),
        "languages": answers["/api/v1/videos/languages"].json(),
        "privacies": ints("/api/v1/videos/privacies"),
        "channels": {c["name"]: c["id"] for c in me["videoChannels"]},
        "playlist_privacies": ints("/api/v1/video-playlists/privacies"),
        "server_version": answers["/api/v1/config"].json()["serverVersion"],
    }


def seen_vocabularies(vocab: Vocabularies) -> dict[str, Any]:
    keys = "categories licences languages privacies channels playlist_privacies"
    found: dict[str, Any] = {key: dict(getattr(vocab, key)) for key in keys.split()}
    return {**found, "server_version": vocab.server_version}


def expected_counters(played: list[Interaction]) -> tuple[int, int, float]:
    """The server's window as its answers announced it: the latest ``X-RateLimit-Reset``, and
    the lowest ``Remaining`` answered in that window (answers may come out of order). The
    login's own window (15 per 5 minutes) is not the API's and is not counted."""
    counted = [i for i in played if "X-RateLimit-Remaining" in i.headers and i.path != TOKEN_PATH]
    reset = max(float(i.headers["X-RateLimit-Reset"]) for i in counted)
    window = [i for i in counted if float(i.headers["X-RateLimit-Reset"]) == reset]
    remaining = min(int(i.headers["X-RateLimit-Remaining"]) for i in window)
    return int(window[-1].headers["X-RateLimit-Limit"]), remaining, reset


def observed_counters(limiter: Any) -> tuple[int | None, int | None, float | None]:
    """What the client's limiter took from those headers. ``RateLimiter`` offers no public
    view of them, so they are read here, in one place (``ptsync.peertube.ratelimit``)."""
    return limiter._limit, limiter._left, limiter._epoch


# ------------------------------------------------------- driving the client like the CLI


class Driver:
    """Walk a step's recorded requests in order and make, for each, the client call that
    sends it, comparing what the client parsed with what the answer says."""

    def __init__(self, client: PeerTubeClient, interactions: list[Interaction], video: Path):
        self.client = client
        self.interactions = interactions
        self.video = video
        self.done: set[int] = set()
        self.compared: list[tuple[str, Any, Any]] = []  # (what, parsed, expected)

    def run(self) -> None:
        for index, step in enumerate(self.interactions):
            if index not in self.done:
                self.call(index, step)
                self.done.add(index)

    def call(self, index: int, it: Interaction) -> None:
        client, path, what = self.client, it.path, f"{it.method} {it.uri}"
        if it.method == "GET" and path == "/api/v1/oauth-clients/local":
            self.take(index + 1, "POST", TOKEN_PATH)  # the next call logs in with both
        elif it.method == "GET" and path == "/api/v1/config" and not self.pending(LANGUAGES):
            # a warm step reads only the version (its vocabularies come from the cache)
            self.compared.append((what, client.server_version().text, it.json()["serverVersion"]))
        elif it.method == "GET" and path in VOCABULARY_PATHS and path != "/api/v1/users/me":
            answers = {p: self.interactions[self.take(index, "GET", p)] for p in VOCABULARY_PATHS}
            parsed = seen_vocabularies(client.vocabularies())
            self.compared.append((what, parsed, expected_vocabularies(answers)))
        elif it.method == "GET" and path == "/api/v1/users/me":
            me = it.json()
            self.compared.append((what, client.username(), me["username"]))
            self.compared.append(
                (what, client.channels(), {c["name"]: c["id"] for c in me["videoChannels"]})
            )
        elif it.method == "GET" and path == "/api/v1/users/me/video-quota-used":
            self.compared.append((what, client.quota_used(), it.json()))
        elif it.method == "GET" and path == "/api/v1/users/me/videos":
            search = it.query.get("search")
            videos = client.search_my_videos(search) if search else list(client.iter_my_videos())
            expected = [expected_video(v, detailed=False) for v in it.json()["data"]]
            self.compared.append((what, [seen_video(v) for v in videos], expected))
        elif it.method == "GET" and path == "/api/v1/users/me/videos/imports":
            newest = it.query["sort"].startswith("-")
            rows = list(client.iter_my_imports(newest_first=newest))
            expected = [expected_import(row) for row in it.json()["data"]]
            self.compared.append((what, [seen_import(r) for r in rows], expected))
        elif it.method == "GET" and VIDEO.fullmatch(path):
            video = client.get_video(path.rsplit("/", 1)[1])
            self.compared.append(
                (what, seen_video(video), expected_video(it.json(), detailed=True))
            )
        elif it.method == "POST" and path == "/api/v1/videos/imports":
            answer = client.create_import(it.sent_json())
            recorded_answer = it.json()
            self.compared.append((what, answer["id"], recorded_answer["id"]))
            self.compared.append((what, answer["video"]["uuid"], recorded_answer["video"]["uuid"]))
            self.compared.append((what, answer["video"]["url"], recorded_answer["video"]["url"]))
        elif it.method == "POST" and path == "/api/v1/videos/upload-resumable":
            last = self.interactions[self.take(index + 1, "PUT", path)].json()["video"]
            video = client.upload(self.video, it.sent_json())
            expected = {**last, "url": f"{it.base_url}/w/{last['shortUUID']}"}
            self.compared.append((what, video, expected))
        elif it.method == "PUT" and VIDEO.fullmatch(path):  # 204: the replay checks the body
            client.update_video(path.rsplit("/", 1)[1], it.sent_json())
        elif it.method == "GET" and re.fullmatch(r"/api/v1/accounts/[^/]+/video-playlists", path):
            found = client.my_playlists(path.split("/")[4])
            recorded_uuids = [p["uuid"] for p in it.json()["data"]]
            self.compared.append((what, [p["uuid"] for p in found], recorded_uuids))
        elif it.method == "POST" and re.fullmatch(r"/api/v1/videos/imports/\d+/retry", path):
            client.retry_import(int(path.split("/")[-2]))  # 204
        else:
            raise AssertionError(f"no client call known for {what}")

    def pending(self, path: str) -> bool:
        """A GET of PATH is recorded and not handled yet."""
        return any(
            i not in self.done and it.method == "GET" and it.path == path
            for i, it in enumerate(self.interactions)
        )

    def take(self, start: int, method: str, path: str) -> int:
        """The first not yet handled recording of METHOD PATH from ``start`` on."""
        for index in range(start, len(self.interactions)):
            found = self.interactions[index]
            if index not in self.done and found.method == method and found.path == path:
                self.done.add(index)
                return index
        raise AssertionError(f"the recording has no {method} {path} where the client sends it")


def mismatches(compared: list[tuple[str, Any, Any]]) -> list[str]:
    return [f"{what}: {line}" for what, p, e in compared for line in differences(p, e, "parsed")]


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("version", VERSIONS)
def test_the_client_reads_every_recorded_answer(version, step, tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    interactions = recorded(version, step)
    video = tmp_path / "small.mp4"
    video.write_bytes(upload_bytes(version))
    logs_in = any(i.path == TOKEN_PATH for i in interactions)
    credentials = Credentials("alice", "PASSWORD") if logs_in else Credentials(token="ACCESS_TOKEN")
    settings = ClientSettings(use_token_cache=False)
    client = PeerTubeClient(interactions[0].base_url, credentials, settings)
    with replaying(version, step) as replay, client:
        driver = Driver(client, interactions, video)
        driver.run()
        counters = observed_counters(client.limiter)
    replay.check()
    assert len(driver.compared) >= 1
    problems = mismatches(driver.compared)
    assert not problems, f"{version}/{step}: parsed values differ from the recording:\n" + (
        "\n".join(problems)
    )
    assert counters == expected_counters(interactions), "rate-limit counters"


def test_the_scenario_covers_what_the_client_parses():
    """The replays above compare real values, not empty lists: every version's cassettes hold
    managed videos (marker first, also after a rename), a detail answer, a failed and a
    finished import, both kinds of create and an update."""
    for version in VERSIONS:
        answers = [i for step in STEPS for i in recorded(version, step)]
        videos = [
            v
            for i in answers
            if i.method == "GET" and i.path == "/api/v1/users/me/videos"
            for v in i.json()["data"]
        ]
        markers = {expected_video(v, detailed=False)["marker"][1] for v in videos}
        assert markers == {"up-1", "imp-ok", "imp-bad"}, version
        assert "Renamed in the web UI" in {v["name"] for v in videos}, version
        states = {
            row["state"]["label"]
            for i in answers
            if i.path == "/api/v1/users/me/videos/imports"
            for row in i.json()["data"]
        }
        assert {"Success", "Failed"} <= states, version
        kinds = {(i.method, i.path.rsplit("/", 1)[-1]) for i in answers if i.method != "GET"}
        assert {("POST", "imports"), ("POST", "upload-resumable"), ("POST", "token")} <= kinds
        assert any(i.method == "PUT" and VIDEO.fullmatch(i.path) for i in answers), version
