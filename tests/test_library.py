"""The public library (DESIGN.md, "Code we admire" 5): ``ptsync.plan(...)``, ``ptsync.apply(...)``,
``ptsync.Options`` and the error tree, usable from Python against a server over HTTP, and
exported lazily: ``import ptsync`` loads nothing else."""

from __future__ import annotations

import subprocess
import sys

import pytest

import ptsync
from ptsync.testing import FakePeerTube

MANIFEST = """\
apiVersion: ptsync/v1
system: lib
videos:
  - {id: a1, source: {url: "https://archive.example.org/a1.mp4"}, name: First}
  - {id: b2, source: {url: "https://archive.example.org/b2.mp4"}, name: Second}
"""


@pytest.fixture
def options(tmp_path):
    with FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=0.05) as fake:
        fake.add_user("alice", "alice-secret-pw")
        env = {
            "PEERTUBE_URL": fake.url,
            "PEERTUBE_USERNAME": "alice",
            "PEERTUBE_PASSWORD": "alice-secret-pw",
            "PTSYNC_CACHE_DIR": str(tmp_path / "cache"),
        }
        yield fake, ptsync.Options(env=env, rate_limit=None)


def test_plan_and_apply_from_python(options, tmp_path):
    fake, opts = options
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST)
    (plan,) = ptsync.plan([str(path)], opts)
    assert plan.system == "lib" and sorted(c.key for c in plan.changes) == ["a1", "b2"]
    assert fake.videos() == []  # planning changes nothing
    (report,) = ptsync.apply([str(path)], opts)
    assert report.summary_line().startswith("Apply complete: 2 created")
    assert sorted(v["name"] for v in fake.videos()) == ["First", "Second"]
    (again,) = ptsync.plan([str(path)], opts)
    assert not again.has_changes
    assert ptsync.apply([str(path)], opts) == []  # nothing to do: nothing applied


def test_the_error_tree_is_what_the_library_raises(options, tmp_path):
    _, opts = options
    path = tmp_path / "bad.yaml"
    path.write_text("apiVersion: ptsync/v1\nsystem: lib\nvideos:\n  - {id: a1, name: 5}\n")
    with pytest.raises(ptsync.ManifestError) as caught:
        ptsync.plan([str(path)], opts)
    assert isinstance(caught.value, ptsync.PtsyncError)
    assert caught.value.problems[0].ref.line == 4


def test_the_plan_and_apply_packages_stay_packages():
    """``ptsync.plan`` is also the package of the pure planner: importing from it works."""
    import ptsync.apply.executor as executor
    import ptsync.plan.changes as changes

    assert ptsync.plan.changes is changes and ptsync.apply.executor is executor
    assert callable(ptsync.plan) and callable(ptsync.apply)


def test_importing_ptsync_loads_nothing_else():
    script = (
        "import sys, ptsync\n"
        "assert ptsync.__version__\n"
        "print(sorted(m for m in sys.modules if m.startswith('ptsync')))\n"
        "ptsync.Options\n"
        "print(sorted(m for m in sys.modules if m.startswith('ptsync')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    first, then = done.stdout.splitlines()
    assert first == "['ptsync']", done.stderr
    assert then == "['ptsync', 'ptsync.options']"
