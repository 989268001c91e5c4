"""Issue 14 item 5: ``ptsync --help`` and ``ptsync validate`` start fast because nothing heavy
is imported before a command needs it. Checked by the modules a fresh interpreter loads (not
by timing: figures are in the README's performance section)."""

from __future__ import annotations

import re
import subprocess

import pytest

from ptsync.cli import app as cli_app
from ptsync.plan import safety
from tests.cli.conftest import PYTHON, ROOT

HEAVY = ("requests", "urllib3", "ptsync.session", "ruamel", "ptsync.testing", "werkzeug", "rich")
RESOLVING = (
    "ptsync.state",
    "ptsync.chapters",
    "ptsync.manifest.resolve",
    "ptsync.cachefiles",
    "ptsync.marker",
    "platformdirs",
    "json",
)
LIBRARY = ("pydantic", "ptsync.manifest", "ptsync.plan", "ptsync.peertube", "yaml", "jsonschema")


def _imported(*args: str, cwd=ROOT) -> set[str]:
    """Top-level names of every module ``python -X importtime ARGS`` loaded."""
    done = subprocess.run(
        [PYTHON, "-X", "importtime", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", done.stderr, re.M)
    return set(found)


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_importing_the_cli_loads_nothing_heavy():
    modules = _imported("-c", "import ptsync.cli.app")
    assert _loaded(modules, HEAVY + LIBRARY + RESOLVING) == []


def test_help_loads_nothing_heavy():
    modules = _imported("-m", "ptsync", "--help")
    assert _loaded(modules, HEAVY + LIBRARY + RESOLVING) == []


def test_validate_loads_the_manifest_models_only(tmp_path):
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "m.yaml").write_text(
        "apiVersion: ptsync/v1\nsystem: nisv\nvideos:\n"
        "  - {id: a, source: {url: 'https://x.example/a.mp4'}, name: A video}\n"
    )
    modules = _imported("-m", "ptsync", "validate", cwd=tmp_path)
    assert "ptsync.manifest" in modules
    assert _loaded(modules, HEAVY) == []
    # nor what only plans need: the desired state's types (through ptsync.chapters when no
    # entry has chapters), the resolver, the cache folder (platformdirs), markers, json
    assert _loaded(modules, RESOLVING) == []


@pytest.mark.parametrize(
    ("shown", "real"),
    [
        (cli_app.DEFAULT_MAX_FRACTION, safety.DEFAULT_MAX_FRACTION),
        (cli_app.DEFAULT_MIN_EXISTING, safety.DEFAULT_MIN_EXISTING),
    ],
)
def test_the_cli_shows_the_planner_s_safety_defaults(shown, real):
    assert shown == real


def test_the_cli_shows_the_library_s_defaults():
    """Help states defaults in words; an option not given leaves the library's own default."""
    from ptsync.cli import shared
    from ptsync.cli.options import parse_rate
    from ptsync.session import Options

    library = Options()
    assert library.parallelism == shared.DEFAULT_PARALLELISM
    assert library.timeout == shared.DEFAULT_TIMEOUT
    assert parse_rate(shared.DEFAULT_RATE) == library.rate_limit
    assert (library.max_update_fraction, library.max_delete_fraction) == (
        shared.DEFAULT_MAX_FRACTION,
        shared.DEFAULT_MAX_FRACTION,
    )
    assert library.safety_min_existing == shared.DEFAULT_MIN_EXISTING
