"""``ptsync demo``: the whole loop against the bundled fake PeerTube, nothing to set up.

Plans the example manifest, applies it, plans again ("No changes."), then edits a video the way
a person would in the web UI (a new name, one word of its description) and shows that the next
plan reports the drift. Runs in a throw-away cache folder so it never touches the user's real
token or detail caches.

The demo is one story, told in order on stdout: each step's title, the plan or the apply's
results under it (ptsync's own progress lines included), and what to do next. Videos are named
as the plans name them: by external id, with their name. Only a demo that does not converge
says so on stderr.

The example (manifest, media file, caption, thumbnail) ships inside the package
(``ptsync/cli/demo_data/``, the same files as the repository's ``manifests/``), so the demo
works from any folder after ``pip install``. ``--keep DIR`` copies it to ``DIR/manifests/``
(with ``DIR/schema/ptsync.schema.json``, which the manifest's first line names for editors)
and runs the demo on that copy; files already there are kept, so edit and run it again.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from ptsync.cli.console import err, out, plural, print_result
from ptsync.cli.flow import render
from ptsync.errors import EXIT_ERROR, EXIT_OK, ConfigError
from ptsync.marker import parse_description
from ptsync.options import Options
from ptsync.planner import PlannedGroup
from ptsync.session import Hooks, Run
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
    """The manifest to demo and how the step titles name it."""
    if manifest is not None:
        if not manifest.is_file():
            raise ConfigError(f"{manifest}: not found")
        yield manifest, str(manifest)
        return
    if keep is not None:
        written = copy_example(keep)
        _say(f"Copied the example to {keep} ({plural(len(written), 'new file')}; existing kept).")
        yield keep / EXAMPLE, str(keep / EXAMPLE)
        return
    with tempfile.TemporaryDirectory(prefix="ptsync-example-") as folder:
        copy_example(Path(folder))
        yield Path(folder) / EXAMPLE, "example.yaml"


def _say(line: str = "") -> None:
    out(line + "\n")


def _step(title: str, why: str, *, output: bool = True) -> None:
    """A step's title (the command a user would type, or what happens) and one line on why;
    a blank line before the ``output`` that follows."""
    _say()
    _say(f"=== {title}")
    _say(why)
    if output:
        _say()


def _show(planned: list[PlannedGroup]) -> None:
    out(render(planned))


def run_demo(manifest: Path | None = None, *, keep: Path | None = None) -> int:
    with _example(manifest, keep) as (path, name), _scratch_cache():
        code = _run(path, name, bundled=manifest is None)
    if code == EXIT_OK:
        _next_steps(keep if manifest is None else None)
    return code


def _run(manifest: Path, name: str, *, bundled: bool) -> int:
    with FakePeerTube(import_duration=0.3) as fake:
        fake.add_user(DEMO_USER, DEMO_PASSWORD)
        options = Options(env=_env(fake.url), wait=True, poll_interval=0.2)
        paths = [str(manifest)]
        what = "the bundled example, manifests/example.yaml" if bundled else name
        _say(f"ptsync demo, against a fake PeerTube {fake.version} at {fake.url}")
        _say("(on this machine: nothing is sent anywhere else).")
        _say(f"The manifest: {what}.")
        with redirect_stderr(sys.stdout):  # one story, in order: results go with the plans
            with Run(paths, options) as run:
                _step(
                    f"1. ptsync plan {name}",
                    "What would change? The PeerTube is empty: everything is new.",
                )
                planned = run.plan()
                _show(planned)
                _step(
                    f"2. ptsync apply {name} --auto-approve",
                    "Make it so (URL imports are followed until PeerTube has fetched them).",
                )
                for report in run.apply(planned, Hooks(on_result=print_result)):
                    _say(report.summary_line())
            with Run(paths, options) as run:
                _step(f"3. ptsync plan {name}", "Plan again: nothing is left to do.")
                again = run.plan()
                _show(again)
            _drift(fake, paths, options, name)
    if any(g.plan.has_changes for g in again):
        err("The second plan still has changes: the demo did not converge (please report it).")
        return EXIT_ERROR
    return EXIT_OK


def _next_steps(folder: Path | None) -> None:
    _say()
    _say("That is the loop ptsync runs in CI: plan on a pull request, apply on merge.")
    _say("A later plan shows what someone changed by hand.")
    if folder is None:
        _say("Next: ptsync demo --keep DIR copies the example to DIR, to edit and demo again.")
        return
    _say(f"Next: edit {folder / EXAMPLE}, then run the demo on it again:")
    _say(f"  ptsync demo --keep {folder}")
    _say("or try it against a fake PeerTube of your own:")
    _say("  python -m ptsync.testing.server --port 9000 --user alice:secret")
    _say(f"  cd {folder}")
    _say("  PEERTUBE_URL=http://127.0.0.1:9000 PEERTUBE_USERNAME=alice PEERTUBE_PASSWORD=secret \\")
    _say("    ptsync plan")


def _env(url: str) -> Mapping[str, str]:
    return {
        **os.environ,
        "PEERTUBE_URL": url,
        "PEERTUBE_USERNAME": DEMO_USER,
        "PEERTUBE_PASSWORD": DEMO_PASSWORD,
    }


def _drift(fake: FakePeerTube, paths: list[str], options: Options, name: str) -> None:
    """Rename a managed video and add to its description, as a person would in the web UI;
    the next plan shows both (the text as a word diff) and would put them back."""
    managed = [(parse_description(v.get("description")), v) for v in fake.videos()]
    managed = [(p, v) for p, v in managed if p.marker is not None]
    if not managed:
        return
    parsed, video = min(managed, key=lambda pv: (not pv[0].text, str(pv[0].marker)))
    assert parsed.marker is not None
    edits = {"name": f"{video['name']} (renamed in the web UI)"}
    what = "They rename it."
    if parsed.text:
        first, sep, rest = parsed.text.partition("\n")
        edited = f"{first} (edited online){sep}{rest}"
        edits["description"] = video["description"].replace(parsed.text, edited, 1)
        what = "They rename it and add two words to its description."
    fake.edit_video(video["uuid"], **edits)
    ext_id = parsed.marker.external_id
    _step(f'4. Someone edits {ext_id} ("{video["name"]}") in the web UI', what, output=False)
    _step(
        f"5. ptsync plan {name}",
        "The plan shows the drift, and would put the manifest's values back.",
    )
    with Run(paths, options) as run:
        _show(run.plan())
