"""``ptsync demo``: the whole loop against the bundled fake PeerTube, nothing to set up.

Plans the example manifest, applies it, plans again ("No changes."), then edits a video the way
a person would in the web UI and shows that the next plan reports the drift. Runs in a
throw-away cache folder so it never touches the user's real token or detail caches.

The example (manifest, media file, caption, thumbnail) ships inside the package
(``ptsync/cli/demo_data/``, the same files as the repository's ``manifests/``), so the demo
works from any folder after ``pip install``. ``--keep DIR`` copies it to ``DIR/manifests/``
(with ``DIR/schema/ptsync.schema.json``, which the manifest's first line names for editors)
and runs the demo on that copy; files already there are kept, so edit and run it again.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from ptsync.cli.app import render
from ptsync.cli.console import err, info, out, print_result
from ptsync.errors import EXIT_ERROR, EXIT_OK, ConfigError
from ptsync.live.fetch import PlannedGroup
from ptsync.session import Hooks, Options, Run
from ptsync.testing import FakePeerTube

DEMO_USER, DEMO_PASSWORD = "alice", "demo-password"
EXAMPLE = "manifests/example.yaml"  # inside the demo data, and inside a --keep folder


def demo_data() -> Traversable:
    """The packaged example: ``manifests/example.yaml`` and the files it references."""
    return files("ptsync.cli") / "demo_data"


def copy_example(folder: Path) -> list[Path]:
    """Copy the example into ``folder`` (files already there are left alone); the new files."""
    written: list[Path] = []

    def copy(node: Traversable, target: Path) -> None:
        if node.is_dir():
            for child in node.iterdir():
                copy(child, target / child.name)
        elif not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(node.read_bytes())
            written.append(target)

    copy(demo_data(), folder)
    schema = folder / "schema" / "ptsync.schema.json"
    if not schema.exists():
        from ptsync.manifest import json_schema

        schema.parent.mkdir(parents=True, exist_ok=True)
        schema.write_text(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")
        written.append(schema)
    return written


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


@contextmanager
def _example(manifest: Path | None, keep: Path | None) -> Iterator[tuple[Path, str]]:
    """The manifest to demo and how to name it in the step titles."""
    if manifest is not None:
        if not manifest.is_file():
            raise ConfigError(f"{manifest}: not found")
        yield manifest, str(manifest)
        return
    if keep is not None:
        written = copy_example(keep)
        info(f"Copied the example to {keep} ({len(written)} new file(s); existing ones kept)")
        yield keep / EXAMPLE, str(keep / EXAMPLE)
        return
    with tempfile.TemporaryDirectory(prefix="ptsync-example-") as folder:
        copy_example(Path(folder))
        info("The bundled example manifest (ptsync demo --keep DIR copies it, to edit):")
        yield Path(folder) / EXAMPLE, "example.yaml"


def _step(title: str) -> None:
    info("")
    info(f"=== {title}")


def _show(planned: list[PlannedGroup]) -> None:
    out(render(planned))


def run_demo(manifest: Path | None = None, *, keep: Path | None = None) -> int:
    with _example(manifest, keep) as (path, name), _scratch_cache():
        code = _run(path, name)
    if keep is not None and manifest is None:
        _next_steps(keep)
    return code


def _run(manifest: Path, name: str) -> int:
    with FakePeerTube(import_duration=0.3) as fake:
        fake.add_user(DEMO_USER, DEMO_PASSWORD)
        options = Options(env=_env(fake.url), wait=True, poll_interval=0.2)
        paths = [str(manifest)]
        info(f"Fake PeerTube {fake.version} running at {fake.url} (user {DEMO_USER})")
        _step(f"1. ptsync plan {name}")
        with Run(paths, options) as run:
            planned = run.plan()
            _show(planned)
            _step(f"2. ptsync apply {name} --auto-approve")
            for report in run.apply(planned, Hooks(on_result=print_result)):
                out(report.summary_line())
        _step(f"3. ptsync plan {name}   (nothing left to do)")
        with Run(paths, options) as run:
            again = run.plan()
            _show(again)
        _drift(fake, paths, options)
    if any(g.plan.has_changes for g in again):
        err("The second plan still has changes: the demo did not converge (please report it).")
        return EXIT_ERROR
    return EXIT_OK


def _next_steps(folder: Path) -> None:
    info("")
    info(f"Edit {folder / EXAMPLE}, then try it against a fake PeerTube of your own:")
    info("  python -m ptsync.testing.server --port 9000 --user alice:secret")
    info(
        f"  cd {folder} && PEERTUBE_URL=http://127.0.0.1:9000 PEERTUBE_USERNAME=alice "
        "PEERTUBE_PASSWORD=secret ptsync plan"
    )
    info(f"or run this demo on your copy again: ptsync demo --keep {folder}")


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
