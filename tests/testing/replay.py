"""Replaying a real server's recorded request against a fresh fake of the same release.

A recording names objects of the server it was made on (uuids, playlist and import ids, upload
ids, channel ids). ``Lab`` is a fresh fake with the recordings' cast (``alice``, a user, and
``root``, an administrator) and the generic means to create what a request needs (seeding or
HTTP); ``Call`` is the request, re-pointed at those objects. ``setups`` says, per recording,
what to create.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import requests

from ptsync.testing import FakePeerTube
from tests.testing.conftest import Api

PASSWORD = "secret-password"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SHORT_UUID = re.compile(r"(?<=/videos/)[1-9A-HJ-NP-Za-km-z]{22}$")
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"v" * 4000
PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 200
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello\n"
MULTIPART_VALUES = {
    "description": "A playlist",
    "displayName": "Highlights",
    "privacy": "1",
}


@dataclass(frozen=True)
class Recording:
    folder: str
    name: str
    note: str
    request: dict[str, Any]
    status: int
    headers: dict[str, str]
    body: Any


def load(folder: Path) -> list[Recording]:
    recordings = []
    for file in sorted(folder.glob("*.json")):
        raw = json.loads(file.read_text())
        recordings.append(
            Recording(
                folder.name,
                raw["name"],
                raw.get("note", ""),
                raw["request"],
                raw["status"],
                raw.get("headers", {}),
                raw["body"],
            )
        )
    return recordings


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class Call:
    """One HTTP request to send; ``user`` is alice, root, None (anonymous) or "bad-token"."""

    method: str
    path: str
    user: str | None = "alice"
    params: dict[str, Any] | None = None
    json: Any = None
    form: dict[str, Any] | None = None
    files: list[tuple[str, Any]] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    data: bytes | None = None

    def on_video(self, video: dict[str, Any]) -> Call:
        path = UUID.sub(video["uuid"], self.path)
        return replace(self, path=SHORT_UUID.sub(video["shortUUID"], path))

    def on(self, pattern: str, value: object) -> Call:
        return replace(self, path=re.sub(pattern, str(value), self.path))

    def with_fields(self, **fields: Any) -> Call:
        if self.json is not None:
            return replace(self, json={**self.json, **fields})
        return replace(self, form={**(self.form or {}), **fields})


class Lab:
    """A fresh fake of one profile, seeded with the recordings' cast."""

    def __init__(
        self,
        version: str,
        *,
        quota: int = -1,
        rate_limit: tuple[int, float] | None = None,
        create_delay: float | None = None,
        channel_sync_enabled: bool = False,
    ) -> None:
        self.fake = FakePeerTube(
            version=version,
            rate_limit=rate_limit,
            login_rate_limit=None,
            import_duration=None,
            allow_private_import_targets=True,
            create_delay=create_delay,
            channel_sync_enabled=channel_sync_enabled,
        ).start()
        alice = self.fake.add_user("alice", PASSWORD, channels=["alice_videos"], video_quota=quota)
        self.fake.add_user("root", PASSWORD, role="admin")
        self.channel = int(alice["channels"]["alice_videos"])
        self._apis: dict[str, Api] = {}
        self._videos = 0

    def close(self) -> None:
        self.fake.stop()

    def api(self, user: str = "alice") -> Api:
        if user not in self._apis:
            self._apis[user] = Api(self.fake.url).login(user, PASSWORD)
        return self._apis[user]

    # --- things a request may need ---------------------------------------------------------

    def video(self, **fields: Any) -> dict[str, Any]:
        self._videos += 1
        seeded = {
            "name": f"Seeded video {self._videos}",
            "description": f"<!-- ptsync:rec/v{self._videos} -->\n\nText.",
            "privacy": 1,
            "tags": ("archive", "science"),
            "category": 15,
            "licence": 1,
            "language": "en",
            "support": "Support text",
            "input_filename": f"seed-{self._videos}.mp4",
            **fields,
        }
        return self.fake.add_video("alice", channel="alice_videos", **seeded)

    def import_(self, target: str, *, complete: bool = True) -> dict[str, Any]:
        self._target(target)
        body = {
            "channelId": self.channel,
            "targetUrl": target,
            "name": "Lab import",
            "privacy": 1,
            "tags": ["imported"],
        }
        response = self.api().post("/api/v1/videos/imports", json=body)
        assert response.status_code == 200, response.text
        if complete:
            self.fake.complete_imports()
        return dict(response.json())

    def caption(self, video: dict[str, Any]) -> None:
        files = {"captionfile": ("en.vtt", VTT, "text/vtt")}
        path = f"/api/v1/videos/{video['uuid']}/captions/en"
        assert self.api().put(path, files=files).status_code == 204

    def playlist(self, *videos: dict[str, Any]) -> dict[str, Any]:
        fields = {
            "displayName": "Lab playlist",
            "privacy": "1",
            "videoChannelId": str(self.channel),
        }
        parts = [(key, (None, value)) for key, value in fields.items()]
        response = self.api().post("/api/v1/video-playlists", files=parts)
        assert response.status_code == 200, response.text
        created = dict(response.json()["videoPlaylist"])
        for video in videos:
            path = f"/api/v1/video-playlists/{created['id']}/videos"
            assert self.api().post(path, json={"videoId": video["id"]}).status_code == 200
        return created

    def upload_session(self, size: int) -> str:
        headers = {"X-Upload-Content-Length": str(size), "X-Upload-Content-Type": "video/mp4"}
        body = {"channelId": self.channel, "name": "Lab upload", "filename": "lab.mp4"}
        response = self.api().post("/api/v1/videos/upload-resumable", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return response.headers["Location"].split("upload_id=")[1]

    def chunk(self, upload_id: str, start: int, end: int, size: int) -> requests.Response:
        headers = {"Content-Range": f"bytes {start}-{end}/{size}"}
        path = f"/api/v1/videos/upload-resumable?upload_id={upload_id}"
        return self.api().put(path, data=_bytes(end - start + 1), headers=headers)

    def _target(self, url: str) -> None:
        name = url.rsplit("/", 1)[-1]
        if name.startswith("bad."):
            self.fake.set_import_target(url, "not-a-video")
        elif name.startswith(("missing.", "page.")):
            self.fake.set_import_target(url, "unreachable")

    # --- sending ---------------------------------------------------------------------------

    def call_for(self, recording: Recording) -> Call:
        """The recorded request as it must be sent here (placeholders and channel ids mapped)."""
        request = recording.request
        user = "alice" if request.get("authenticated") else None
        json_body = self._mapped(request["json"]) if "json" in request else None
        form = self._mapped(request["form"]) if "form" in request else None
        files = [_part(name, self.channel) for name in request.get("files", ())] or None
        headers = {k: v for k, v in request.get("headers", {}).items() if k != "Content-Length"}
        length = int(request.get("headers", {}).get("Content-Length", 0))
        data = _bytes(length) if length and not (json_body or form or files) else None
        for body in (json_body, form):
            if body and "targetUrl" in body:
                self._target(body["targetUrl"])
        return Call(
            request["method"],
            request["path"],
            user,
            request.get("params"),
            json_body,
            form,
            files,
            headers,
            data,
        )

    def _mapped(self, body: dict[str, Any]) -> dict[str, Any]:
        values = {
            "CLIENT_ID": self.fake.state.client_id,
            "CLIENT_SECRET": self.fake.state.client_secret,
            "PASSWORD": PASSWORD,
        }
        mapped = {
            key: values.get(value, value) if isinstance(value, str) else value
            for key, value in body.items()
        }
        for key in ("channelId", "videoChannelId"):
            if key in mapped:
                mapped[key] = self.channel
        return mapped

    def send(self, call: Call) -> Answer:
        headers = dict(call.headers)
        if call.user == "bad-token":
            headers["Authorization"] = "Bearer not-a-token"
        elif call.user is not None:
            headers["Authorization"] = f"Bearer {self.api(call.user).token}"
        response = requests.request(
            call.method,
            self.fake.url + call.path,
            params=call.params,
            json=call.json,
            data=call.form if call.form is not None else call.data,
            files=call.files,
            headers=headers,
            timeout=10,
        )
        return Answer(response.status_code, dict(response.headers), _body(response))


def _bytes(count: int) -> bytes:
    return (MP4 * (count // len(MP4) + 1))[:count]


def _part(name: str, channel: int) -> tuple[str, Any]:
    generated = {
        "videofile": ("clip.mp4", MP4, "video/mp4"),
        "thumbnailfile": ("thumb.png", PNG, "image/png"),
        "previewfile": ("preview.png", PNG, "image/png"),
        "captionfile": ("en.vtt", VTT, "text/vtt"),
    }
    if name in generated:
        return name, generated[name]
    value = str(channel) if name == "videoChannelId" else MULTIPART_VALUES.get(name, "value")
    return name, (None, value)


def _body(response: requests.Response) -> Any:
    if not response.content:
        return ""
    try:
        return response.json()
    except ValueError:
        return response.text
