"""A mixed desired state (imports, uploads, updates, deletes) and a check that the server
holds exactly it: shared by the crash, fault and concurrency tests."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ptsync.marker import Marker, compose_description, parse_description
from ptsync.testing import FakePeerTube

SYSTEM = "nisv"
USER, PASSWORD = "alice", "alice-secret-pw"
IMPORTS = ["imp-1", "imp-2", "imp-3", "imp-4"]
UPLOADS = ["up-1", "up-2"]
UPDATES = ["old-1", "old-2", "old-3"]  # exist with stale names
DELETES = ["gone-1", "gone-2"]  # owned, not in the manifest: pruned


@dataclass
class Mixed:
    fake: FakePeerTube
    folder: Path
    manifest: Path
    env: dict[str, str]


def build(folder: Path, fake: FakePeerTube) -> Mixed:
    fake.add_user(USER, PASSWORD)
    (folder / "manifests" / "media").mkdir(parents=True)
    for name in UPLOADS:
        data = b"\x00\x00\x00\x18ftypmp42" + secrets.token_bytes(2_300_000)
        (folder / "manifests" / "media" / f"{name}.mp4").write_bytes(data)
    for ext_id in UPDATES + DELETES:
        description = compose_description(Marker(SYSTEM, ext_id), f"Text of {ext_id}.")
        fake.add_video(USER, name=f"Stale {ext_id}", description=description)
    fake.add_video(USER, name="Not ours", description="Unmanaged video.")
    lines = [f"apiVersion: ptsync/v1\nsystem: {SYSTEM}\ndefaults: {{privacy: Public}}\nvideos:\n"]
    for ext_id in IMPORTS:
        url = f"https://archive.example.org/{ext_id}.mp4"
        lines.append(f"  - {{id: {ext_id}, source: {{url: '{url}'}}, name: Video {ext_id}}}\n")
    for ext_id in UPLOADS:
        lines.append(
            f"  - {{id: {ext_id}, source: {{file: media/{ext_id}.mp4}}, name: Video {ext_id}}}\n"
        )
    for ext_id in UPDATES:
        lines.append(
            f"  - {{id: {ext_id}, source: {{url: 'https://archive.example.org/{ext_id}.mp4'}},"
            f" name: Video {ext_id}}}\n"
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
    return Mixed(fake, folder, manifest, env)


APPLY = ["apply", "--auto-approve", "--no-wait", "--prune", "--force", "--chunk-size", "1"]


def apply_command(mixed: Mixed, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ptsync", *APPLY, *extra, str(mixed.manifest)]


def run_apply(mixed: Mixed, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        apply_command(mixed, *extra), env=mixed.env, capture_output=True, text=True, timeout=120
    )


def problems(fake: FakePeerTube) -> list[str]:
    """How the server differs from the desired state (empty: converged)."""
    found: dict[str, list[dict]] = {}
    unmarked = []
    for video in fake.videos():
        parsed = parse_description(video.get("description"))
        if parsed.marker and parsed.marker.system == SYSTEM and parsed.at_start:
            found.setdefault(parsed.marker.external_id, []).append(video)
        else:
            unmarked.append(video["name"])
    out = []
    for ext_id in IMPORTS + UPLOADS + UPDATES:
        videos = found.pop(ext_id, [])
        if len(videos) != 1:
            out.append(f"{ext_id}: {len(videos)} videos")
        elif videos[0]["name"] != f"Video {ext_id}":
            out.append(f"{ext_id}: name {videos[0]['name']!r}")
        elif videos[0]["privacy"]["id"] != 1:
            out.append(f"{ext_id}: privacy {videos[0]['privacy']}")
    out += [f"{ext_id}: should be deleted" for ext_id in found]
    if unmarked != ["Not ours"]:
        out.append(f"unmarked videos: {unmarked}")
    return out
