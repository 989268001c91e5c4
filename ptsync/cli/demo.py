"""``ptsync demo``: the whole loop against the bundled fake PeerTube, nothing to set up.

Plans the example manifest, applies it, plans again ("No changes."), then edits a video the way
a person would in the web UI and shows that the next plan reports the drift. Runs in a
throw-away cache folder so it never touches the user's real token or detail caches.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from ptsync.cli.console import color_enabled, err, out, print_result
from ptsync.errors import EXIT_ERROR, EXIT_OK, ConfigError
from ptsync.live.fetch import PlannedGroup
from ptsync.render import Format, render_plans
from ptsync.session import Hooks, Options, Run
from ptsync.testing import FakePeerTube

DEMO_USER, DEMO_PASSWORD = "alice", "demo-password"


@contextmanager
def _scratch_cache() -> Iterator[None]:
    previous = os.environ.get("PTSYNC_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="ptsync-demo-") as folder:
        os.environ["PTSYNC_CACHE_DIR"] = folder
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("PTSYNC_CACHE_DIR", None)
            else:
                os.environ["PTSYNC_CACHE_DIR"] = previous


def _step(title: str) -> None:
    err("")
    err(f"=== {title}")


def _show(planned: list[PlannedGroup]) -> None:
    out(render_plans([g.plan for g in planned], Format.text, color=color_enabled(sys.stdout)))


def run_demo(manifest: Path) -> int:
    if not manifest.exists():
        raise ConfigError(f"{manifest}: not found (run the demo from the repository folder)")
    with _scratch_cache(), FakePeerTube(import_duration=0.3) as fake:
        fake.add_user(DEMO_USER, DEMO_PASSWORD)
        options = Options(env=_env(fake.url), wait=True, poll_interval=0.2)
        paths = [str(manifest)]
        err(f"Fake PeerTube 6.3 running at {fake.url} (user {DEMO_USER})")
        _step(f"1. ptsync plan {manifest}")
        with Run(paths, options) as run:
            planned = run.plan()
            _show(planned)
            _step(f"2. ptsync apply {manifest} --auto-approve")
            for report in run.apply(planned, Hooks(on_result=print_result)):
                out(report.summary_line())
        _step(f"3. ptsync plan {manifest}   (nothing left to do)")
        with Run(paths, options) as run:
            again = run.plan()
            _show(again)
        _drift(fake, paths, options)
    return EXIT_OK if not any(g.plan.has_changes for g in again) else EXIT_ERROR


def _env(url: str) -> Mapping[str, str]:
    return {
        **os.environ,
        "PEERTUBE_URL": url,
        "PEERTUBE_USERNAME": DEMO_USER,
        "PEERTUBE_PASSWORD": DEMO_PASSWORD,
    }


def _drift(fake: FakePeerTube, paths: list[str], options: Options) -> None:
    managed = [v for v in fake.videos() if "ptsync:" in (v.get("description") or "")]
    if not managed:
        return
    video = managed[0]
    fake.edit_video(video["uuid"], name=f"{video['name']} (renamed in the web UI)")
    _step(f"4. someone renames video {video['shortUUID']} in the web UI: the next plan shows it")
    with Run(paths, options) as run:
        _show(run.plan())
