"""A mixed desired state (URL imports, chunked uploads, updates, prune deletes) on a fake
PeerTube, and a check that the server holds exactly that state.

Shared by the crash, fault and concurrency tests. ``Scenario.problems()`` lists every way the
server differs from the manifest; an empty list means converged.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ptsync import clock as clocks
from ptsync.cli.app import main
from ptsync.marker import Marker, compose_description, parse_description
from ptsync.plan.match import parse_upload_filename
from ptsync.testing import FakePeerTube

SYSTEM = "nisv"
USER, PASSWORD = "alice", "alice-secret-pw"
IMPORTS = ("imp-1", "imp-2", "imp-3", "imp-4")
UPLOADS = ("up-1", "up-2")
UPDATES = ("old-1", "old-2", "old-3")  # exist with this system's marker and stale fields
DELETES = ("gone-1", "gone-2")  # exist with this system's marker, absent from the manifest
OUTSIDERS = ("Not ours", "Other system")  # must survive every prune untouched
UPLOAD_BYTES = 2_300_000  # three chunks of --chunk-size 1 (MiB, the CLI's smallest)
WANTED = IMPORTS + UPLOADS + UPDATES
PRIVATE_PUBLIC = 1


def import_url(ext_id: str) -> str:
    return f"https://archive.example.org/{ext_id}.mp4"


def desired_name(ext_id: str) -> str:
    return f"Video {ext_id}"


def desired_tags(ext_id: str) -> list[str]:
    return ["reliability", ext_id]


def new_fake(
    latency: float = 0.0,
    *,
    version: str = "6.3",
    create_delay: float | None = None,
    clock: clocks.Clock | None = None,
) -> FakePeerTube:
    """``create_delay``: the server finishes import POSTs (and the last upload chunk) that late,
    whether the client is still there or not, as real PeerTube does. ``clock``: the fake's
    (default the real one: real processes talk to it); runs in this process share it."""
    fake = FakePeerTube(
        rate_limit=None,
        login_rate_limit=None,
        import_duration=0.05,
        version=version,
        create_delay=create_delay,
        clock=clock,
    )
    fake.faults.latency = latency
    return fake


@dataclass
class Scenario:
    fake: FakePeerTube
    folder: Path
    manifest: Path
    env: dict[str, str]
    outsiders: dict[str, str] = field(default_factory=dict)  # name -> description

    # ---------------------------------------------------------------------- running ptsync

    def command(self, *extra: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "ptsync",
            "apply",
            str(self.manifest),
            "--auto-approve",
            "--no-wait",
            "--prune",
            "--force",
            "--chunk-size",
            "1",
            *extra,
        ]

    def popen(self, *extra: str, env: dict[str, str] | None = None, **kwargs: Any):
        return subprocess.Popen(self.command(*extra), env=env or self.env, **kwargs)

    def run(self, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``ptsync apply`` as a real subprocess."""
        return subprocess.run(
            self.command(*extra), env=self.env, capture_output=True, text=True, timeout=timeout
        )

    @contextlib.contextmanager
    def environment(self) -> Iterator[None]:
        """This scenario's PEERTUBE_* and cache dir in os.environ, for in-process runs."""
        with pytest.MonkeyPatch.context() as mp:
            for key in ("PEERTUBE_URL", "PEERTUBE_USERNAME", "PEERTUBE_PASSWORD", "NO_COLOR"):
                mp.setenv(key, self.env[key])
            mp.setenv("PTSYNC_CACHE_DIR", self.env["PTSYNC_CACHE_DIR"])
            mp.delenv("PEERTUBE_TOKEN", raising=False)
            yield

    def main(self, *argv: str) -> int:
        """The CLI in this process (no interpreter start-up: ten times faster), on the fake's
        clock."""
        with self.environment(), clocks.using(self.fake.clock):
            return main(list(argv))

    def apply_in_process(self, *extra: str) -> int:
        return self.main(*self.command(*extra)[3:])

    def plan_is_clean(self) -> bool:
        """A fresh plan (no cache) says "no changes" (exit 0 with --detailed-exitcode)."""
        code = self.main("plan", str(self.manifest), "--prune", "--no-cache", "--detailed-exitcode")
        return code == 0

    # ---------------------------------------------------------------------- checking

    def marked(self) -> dict[str, list[dict[str, Any]]]:
        """Videos whose description starts with this system's marker, by external id."""
        found: dict[str, list[dict[str, Any]]] = {}
        for video in self.fake.videos():
            parsed = parse_description(video.get("description"))
            if parsed.marker and parsed.marker.system == SYSTEM and parsed.at_start:
                found.setdefault(parsed.marker.external_id, []).append(video)
        return found

    def problems(self, *, created_once: bool = True) -> list[str]:
        """Every difference between the server and the desired state (empty: converged).

        ``created_once``: also require that no import or upload was ever made twice (true for
        sequential runs: a retried or re-run create must find the first one; two concurrent
        runs may both create and then delete the younger copy).
        """
        out: list[str] = []
        marked = self.marked()
        for ext_id in WANTED:
            videos = marked.pop(ext_id, [])
            if len(videos) != 1:
                out.append(f"{ext_id}: {len(videos)} videos carry its marker")
                continue
            video = videos[0]
            if video["name"] != desired_name(ext_id):
                out.append(f"{ext_id}: name {video['name']!r}")
            if video["privacy"]["id"] != PRIVATE_PUBLIC:
                out.append(f"{ext_id}: privacy {video['privacy']['label']}")
            if sorted(video["tags"]) != sorted(desired_tags(ext_id)):
                out.append(f"{ext_id}: tags {video['tags']}")
            text = parse_description(video["description"]).text
            if text != f"Text of {ext_id}.":
                out.append(f"{ext_id}: description text {text!r}")
        out += [
            f"{ext_id}: should have been pruned ({len(v)} left)" for ext_id, v in marked.items()
        ]
        others = {
            v["name"]: v["description"]
            for v in self.fake.videos()
            if not (
                (p := parse_description(v.get("description"))).at_start
                and p.marker is not None
                and p.marker.system == SYSTEM
            )
        }
        if others != self.outsiders:
            out.append(f"videos without this system's marker: {sorted(others)}")
        if created_once:
            out += self._upload_problems() + self._duplicate_creates()
        return out

    def _upload_problems(self) -> list[str]:
        """A finished upload session must be one of the surviving videos."""
        live_ids = {v["id"] for v in self.fake.videos()}
        out = []
        for session in self.fake.upload_sessions.values():
            owner = parse_upload_filename(session["filename"])
            if session["completed"] and session["video_id"] not in live_ids:
                out.append(f"finished upload {owner} became video {session['video_id']}, gone")
        return out

    def _duplicate_creates(self) -> list[str]:
        imports = Counter(row["targetUrl"] for row in self.fake.imports())
        uploads = Counter(
            parse_upload_filename(s["filename"])
            for s in self.fake.upload_sessions.values()
            if s["completed"]
        )
        out = [f"{url} imported {n} times" for url, n in imports.items() if n > 1]
        out += [f"{key} uploaded {n} times" for key, n in uploads.items() if n > 1]
        return out

    def pending_upload_sessions(self) -> int:
        return sum(1 for s in self.fake.upload_sessions.values() if not s["completed"])


def build(folder: Path, fake: FakePeerTube, *, media: Path | None = None) -> Scenario:
    """Seed ``fake`` (started) and write the manifest and media under ``folder``."""
    fake.add_user(USER, PASSWORD)
    media_dir = folder / "manifests" / "media"
    media_dir.mkdir(parents=True)
    for ext_id in UPLOADS:
        target = media_dir / f"{ext_id}.mp4"
        if media is not None:
            os.link(media / f"{ext_id}.mp4", target)
        else:
            target.write_bytes(b"\x00\x00\x00\x18ftypmp42" + secrets.token_bytes(UPLOAD_BYTES))
    for ext_id in UPDATES + DELETES:
        fake.add_video(
            USER,
            name=f"Stale {ext_id}",
            description=compose_description(Marker(SYSTEM, ext_id), f"Text of {ext_id}."),
            privacy=2,
            tags=["stale"],
        )
    outsiders = {
        "Not ours": "Unmanaged video.",
        "Other system": compose_description(Marker("other", "gone-1"), "Someone else's."),
    }
    for name, description in outsiders.items():
        fake.add_video(USER, name=name, description=description)
    lines = [f"apiVersion: ptsync/v1\nsystem: {SYSTEM}\ndefaults: {{privacy: Public}}\nvideos:\n"]
    for ext_id in WANTED:
        source = (
            f"{{file: media/{ext_id}.mp4}}"
            if ext_id in UPLOADS
            else f"{{url: '{import_url(ext_id)}'}}"
        )
        lines.append(
            f"  - id: {ext_id}\n    source: {source}\n    name: {desired_name(ext_id)}\n"
            f"    description: Text of {ext_id}.\n    tags: [{', '.join(desired_tags(ext_id))}]\n"
        )
    manifest = folder / "manifests" / "mixed.yaml"
    manifest.write_text("".join(lines))
    env = {
        **os.environ,
        "PEERTUBE_URL": fake.url,
        "PEERTUBE_USERNAME": USER,
        "PEERTUBE_PASSWORD": PASSWORD,
        "PTSYNC_CACHE_DIR": str(folder / "cache"),
        "NO_COLOR": "1",
    }
    env.pop("PEERTUBE_TOKEN", None)
    return Scenario(fake, folder, manifest, env, outsiders)
