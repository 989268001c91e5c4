"""Replaying the shared cassettes of ptsync's own client against real PeerTube 6.3, 7.3, 8.0.1.

``../shared/peertube/cassettes/<version>/<step>.yaml`` (beside the repository, never copied
into it) hold one scenario, step by step: cold plan, apply --wait, warm plan, drift, repair,
status (their README). ``replaying`` plays one step's recorded answers to whatever the code
under test sends, through vcrpy (which patches urllib3 under requests), and ``Replay.problems``
says afterwards how the requests differed from the recorded ones.

Matching is on method and path, as the cassettes' README advises, and each (method, path)
plays its recordings in the recorded order, every one exactly once. vcrpy's
``allow_playback_repeats`` is not used: it answers every repeat with the *first* recording of
that path, so an import poll would never see the import finish and a search after a create
would never find the video; playing in order serves the real sequence of answers instead, and
a client that asks more often than the recorded one did fails the test rather than reading a
stale answer. On top of method and path, every request is compared afterwards with the one
it was answered for: query, JSON or form body, and the headers that carry meaning here.

The client has learnt things since the recording day (2026-12-01): ``SUPPLEMENTS`` lists each
request it now makes that the recorded client did not, answered by a real answer of the same
release (the recordings beside the cassettes, or another cassette of the same server). Any
other request the cassette does not hold fails the test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import vcr
from vcr.cassette import Cassette
from vcr.persisters.filesystem import FilesystemPersister
from vcr.request import Request
from vcr.serializers import yamlserializer

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "peertube"
CASSETTES = SHARED / "cassettes"
VERSIONS = ("6.3", "7.3", "8.0")
RECORDINGS = {"6.3": "recordings", "7.3": "recordings-7.3", "8.0": "recordings-8.0"}
STEPS = (
    "01-cold-plan",
    "02-apply-wait",
    "03-warm-plan",
    "04-plan-drift",
    "05-apply-repair",
    "06-status",
)
# Request headers whose value is part of what the client means (media types compared without
# parameters): what PeerTube reads to tell JSON from a form, and the resumable upload's framing.
COMPARED_HEADERS = (
    "Content-Type",
    "Content-Range",
    "X-Upload-Content-Length",
    "X-Upload-Content-Type",
)

skip_without_cassettes = pytest.mark.skipif(
    not CASSETTES.is_dir(),
    reason=(
        f"the real PeerTube cassettes are not here: they live in {CASSETTES}, beside the "
        "repository, as in the project's own workspace and CI; a clone on its own has none"
    ),
)


# ----------------------------------------------------------------------------- recorded data


@dataclass(frozen=True)
class Interaction:
    """One recorded request and its answer, in plain terms."""

    method: str
    uri: str
    body: Any  # what was sent: str, bytes, or None
    headers: dict[str, str]  # the answer's, first value of each
    text: str

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.uri).query))

    @property
    def base_url(self) -> str:
        parts = urlsplit(self.uri)
        return f"{parts.scheme}://{parts.netloc}"

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None

    def sent_json(self) -> Any:
        return _json_body(self.body)


def _load(version: str, step: str) -> tuple[list[Request], list[dict[str, Any]]]:
    """A step's interactions as vcrpy holds them, supplements appended."""
    path = CASSETTES / version / f"{step}.yaml"
    requests, responses = FilesystemPersister.load_cassette(str(path), yamlserializer)
    for supplement in SUPPLEMENTS:
        if version in supplement.versions and step in supplement.steps:
            request, response = supplement.answer(version, requests[0])
            requests.append(request)
            responses.append(response)
    return list(requests), list(responses)


def recorded(version: str, step: str) -> list[Interaction]:
    """A step's interactions (with the supplements), in the recorded order."""
    requests, responses = _load(version, step)
    return [
        _interaction(request, response)
        for request, response in zip(requests, responses, strict=True)
    ]


def _interaction(request: Request, response: dict[str, Any]) -> Interaction:
    body = response["body"]["string"]
    text = body.decode() if isinstance(body, bytes) else str(body or "")
    raw = request.body.getvalue() if hasattr(request.body, "getvalue") else request.body
    return Interaction(
        request.method,
        request.uri,
        raw,
        {k: _first(v) for k, v in response["headers"].items()},
        text,
    )


def _first(value: Any) -> str:
    return str(value[0]) if isinstance(value, list | tuple) else str(value)


def upload_bytes(version: str) -> bytes:
    """The test video the scenario uploaded (its bytes are kept in the apply cassette)."""
    for found in recorded(version, "02-apply-wait"):
        if found.method == "PUT" and found.path.endswith("/upload-resumable"):
            return bytes(found.body)
    raise AssertionError(f"{version}: no upload chunk in 02-apply-wait")


# ----------------------------------------------------------------------------- supplements


def _answer(status: int, headers: dict[str, str], body: Any) -> dict[str, Any]:
    text = b"" if body in (None, "") else json.dumps(body).encode()
    return {
        "status": {"code": status, "message": ""},
        "headers": {k: [v] for k, v in headers.items()},
        "body": {"string": text},
    }


def _from_recordings(name: str, path: str | None = None) -> Callable[[str, Request], Any]:
    """An answer from ``../shared/peertube/recordings*/NAME.json`` of the same release."""

    def answer(version: str, first: Request) -> tuple[Request, dict[str, Any]]:
        found = json.loads((SHARED / RECORDINGS[version] / f"{name}.json").read_text())
        wanted = path or found["request"]["path"]
        request = Request(found["request"]["method"], _origin(first) + wanted, None, {})
        return request, _answer(found["status"], found["headers"], found["body"])

    return answer


def _from_step(step: str, method: str, path: str) -> Callable[[str, Request], Any]:
    """The first answer to METHOD PATH in another step of the same server's scenario."""

    def answer(version: str, first: Request) -> tuple[Request, dict[str, Any]]:
        source = str(CASSETTES / version / f"{step}.yaml")
        requests, responses = FilesystemPersister.load_cassette(source, yamlserializer)
        for request, response in zip(requests, responses, strict=True):
            if request.method == method and request.path == path:
                return request, response
        raise AssertionError(f"{version}/{step}: no {method} {path} to supplement with")

    return answer


def _origin(request: Request) -> str:
    parts = urlsplit(request.uri)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class Supplement:
    versions: tuple[str, ...]
    steps: tuple[str, ...]
    why: str
    answer: Callable[[str, Request], tuple[Request, dict[str, Any]]]


# The id of the import of ``imp-bad`` that failed in 02-apply-wait on 8.0.1 (its POST answer).
IMP_BAD_IMPORT_8_0 = 17

PLAYLISTS_PAGE = (
    "/api/v1/accounts/alice/video-playlists?start=0&count=100&playlistType=1&sort=createdAt"
)

SUPPLEMENTS: tuple[Supplement, ...] = (
    Supplement(
        VERSIONS,
        ("01-cold-plan", "02-apply-wait", "03-warm-plan", "04-plan-drift", "05-apply-repair"),
        "every plan reads the account's playlists (owned ones missing from the manifest are "
        "noticed); answered by the same release's recorded listing of alice's playlists "
        "(another lab's: they carry another system's markers, so the plan leaves them alone)",
        _from_recordings("accounts-alice-video-playlists", PLAYLISTS_PAGE),
    ),
    Supplement(
        VERSIONS,
        STEPS,
        "the server's version is read from /config on every plan, warm ones included "
        "(ptsync.peertube.versions picks behaviour by it, and cached vocabularies are used only "
        "for that same version); the recording client did not ask",
        _from_recordings("config"),
    ),
    Supplement(
        ("8.0",),
        ("03-warm-plan", "04-plan-drift", "05-apply-repair"),
        "8.0 keeps the video of a failed import (state 12): the plan reads the import list to "
        "retry it in place. Imports did not change after 02 on 8.0 (the recording client "
        "retried nothing), so 06-status's answer of the same server is the list at 03-05",
        _from_step("06-status", "GET", "/api/v1/users/me/videos/imports"),
    ),
    Supplement(
        ("8.0",),
        ("05-apply-repair",),
        "apply retries that import in place (POST /videos/imports/{id}/retry, 8.x); answered "
        "as real 8.0.1 answers a retry of a failed import (204)",
        _from_recordings(
            "videos-imports-retry", f"/api/v1/videos/imports/{IMP_BAD_IMPORT_8_0}/retry"
        ),
    ),
)


# ----------------------------------------------------------------------------- replaying


class _SharedPersister:
    """Loads the shared cassette plus the step's supplements; never writes anything."""

    @staticmethod
    def load_cassette(cassette_path: str, serializer: Any) -> tuple[list, list]:
        path = Path(cassette_path)
        return _load(path.parent.name, path.stem)

    @staticmethod
    def save_cassette(cassette_path: str, cassette_dict: Any, serializer: Any) -> None:
        raise AssertionError(f"a replay must never write a cassette ({cassette_path})")


@dataclass
class Replay:
    """What happened while one step was replayed."""

    version: str
    step: str
    cassette: Cassette
    # (what the client sent, the recorded request whose answer it got)
    played: list[tuple[Request, Request]] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Every way the client's requests differed from the recorded ones, one line each."""
        found = [f"not in the recording: {line}" for line in self.unrecorded]
        for index, (stored, _) in enumerate(self.cassette.data):
            if not self.cassette.play_counts[index]:
                found.append(f"recorded but never sent: {_show(stored)}")
        for sent, stored in self.played:
            found += [f"{_show(stored)}: {d}" for d in request_differences(sent, stored)]
        return found

    def check(self) -> None:
        problems = self.problems()
        assert not problems, f"{self.version}/{self.step}: the client's requests drifted:\n" + (
            "\n".join(f"  {p}" for p in problems)
        )


def _show(request: Request) -> str:
    query = f"?{urlsplit(request.uri).query}" if urlsplit(request.uri).query else ""
    return f"{request.method} {request.path}{query}"


def request_differences(sent: Request, stored: Request) -> list[str]:
    found = []
    if dict(sent.query) != dict(stored.query):
        found.append(f"query {dict(sent.query)} sent, recorded {dict(stored.query)}")
    found += differences(_meaning(sent), _meaning(stored), "sent", "body")
    for name in COMPARED_HEADERS:
        mine, theirs = _header(sent, name), _header(stored, name)
        if mine != theirs:
            found.append(f"{name} {mine!r} sent, recorded {theirs!r}")
    return found


def differences(mine: Any, recorded: Any, seen: str, where: str = "") -> list[str]:
    """Where two values differ, one line per differing leaf (``[0].fields.category``)."""
    if isinstance(mine, dict) and isinstance(recorded, dict):
        keys = list(recorded) + [k for k in mine if k not in recorded]
        absent = "<absent>"
        return [
            line
            for key in keys
            for line in differences(
                mine.get(key, absent), recorded.get(key, absent), seen, f"{where}.{key}"
            )
        ]
    if isinstance(mine, list) and isinstance(recorded, list) and len(mine) == len(recorded):
        return [
            line
            for index, pair in enumerate(zip(mine, recorded, strict=True))
            for line in differences(*pair, seen, f"{where}[{index}]")
        ]
    if mine == recorded:
        return []
    return [f"{where.lstrip('.') or 'value'}: {seen} {_short(mine)}, recorded {_short(recorded)}"]


def _short(value: Any, limit: int = 120) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _header(request: Request, name: str) -> str | None:
    for key, value in request.headers.items():
        if key.lower() == name.lower():
            text = _first(value)
            return text.split(";")[0].strip() if name == "Content-Type" else text
    return None


def _json_body(body: Any) -> Any:
    if body is None or body in (b"", ""):
        return None
    raw = body.decode() if isinstance(body, bytes) else body
    return json.loads(raw) if isinstance(raw, str) else raw


def _meaning(request: Request) -> Any:
    """JSON and form bodies as values (key order and encoding do not matter); file bytes by
    size only (the upload comes from the same bytes; its framing headers are compared)."""
    body = request.body
    if hasattr(body, "getvalue"):
        body = body.getvalue()
    if isinstance(body, list):
        body = b"".join(body)
    if body in (None, b"", ""):
        return None
    kind = (_header(request, "Content-Type") or "").lower()
    if kind == "application/json":
        return _json_body(body)
    if kind == "application/x-www-form-urlencoded":
        text = body.decode() if isinstance(body, bytes) else str(body)
        return sorted(parse_qsl(text, keep_blank_values=True))
    return f"<{len(body)} bytes>"


@contextmanager
def replaying(version: str, step: str) -> Iterator[Replay]:
    """Serve the step's recorded answers; nothing reaches the network (record mode none)."""
    recorder = vcr.VCR(record_mode="none", match_on=("method", "path"))
    recorder.register_persister(_SharedPersister)
    with recorder.use_cassette(str(CASSETTES / version / f"{step}.yaml")) as cassette:
        replay = Replay(version, step, cassette)
        _observe(replay)
        yield replay


def _observe(replay: Replay) -> None:
    """Note each request the client sends with the recording it was answered from, and each
    one the cassette cannot answer (vcrpy raises for those, but the code under test may
    swallow the error: an apply records it as a failed item)."""
    cassette = replay.cassette
    can_play, play = cassette.can_play_response_for, cassette.play_response

    def can_play_response_for(request: Request) -> bool:
        answerable = bool(can_play(request))
        if not answerable:
            replay.unrecorded.append(_show(request))
        return answerable

    def play_response(request: Request) -> Any:
        before = dict(cassette.play_counts)
        response = play(request)
        after = cassette.play_counts
        index = next(i for i in range(len(cassette.data)) if after[i] > before.get(i, 0))
        replay.played.append((request, cassette.data[index][0]))
        return response

    cassette.can_play_response_for = can_play_response_for  # type: ignore[method-assign]
    cassette.play_response = play_response  # type: ignore[method-assign]


# ----------------------------------------------------------------------------- the scenario


def write_scenario(version: str, folder: Path) -> Path:
    """The manifest the cassettes were recorded with (their README), and its upload.

    System ``cassette``, alice's channel ``alice_videos``; defaults privacy Public, licence
    Attribution, language en; a rule setting category Science & Technology on the channel; an
    upload ``up-1`` (tags [zeta, alpha], a one-line description) and two URL imports, of which
    ``imp-bad``'s URL serves text. The instance URL is the recorded one, so the upload session's
    ``Location`` (same host only) and the answers' URLs fit."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "small.mp4").write_bytes(upload_bytes(version))
    base = recorded(version, "01-cold-plan")[0].base_url
    manifest = folder / "cassette.yaml"
    manifest.write_text(
        f"""\
apiVersion: ptsync/v1
instance:
  url: {base}
system: cassette
defaults:
  channel: alice_videos
  privacy: Public
  licence: Attribution
  language: en
rules:
  - match: {{channel: alice_videos}}
    set: {{category: Science & Technology}}
videos:
  - id: up-1
    source: {{file: small.mp4}}
    name: Cassette upload
    tags: [zeta, alpha]
    description: Recorded against a real PeerTube.
  - id: imp-ok
    source: {{url: "http://127.0.0.1:8765/small.mp4?cassette=1"}}
    name: Cassette import
  - id: imp-bad
    source: {{url: "http://127.0.0.1:8765/bad.mp4?cassette=1"}}
    name: Cassette import that fails later
"""
    )
    return manifest
