"""Issue 13 item 2: ``ptsync demo`` works from any folder (its example ships in the package),
and ``--keep DIR`` copies the example there to edit."""

from __future__ import annotations

from pathlib import Path

import pytest

from ptsync.cli.demo import demo_data
from tests.cli.conftest import ROOT

EXAMPLE_FILES = sorted(p.relative_to(ROOT) for p in (ROOT / "manifests").rglob("*") if p.is_file())


def test_the_packaged_example_is_the_repository_example_byte_for_byte():
    """Users copy manifests/example.yaml from the repository; the demo runs the packaged one."""
    assert Path("manifests/example.yaml") in EXAMPLE_FILES
    for relative in EXAMPLE_FILES:
        packaged = demo_data().joinpath(*relative.parts)
        assert packaged.is_file(), f"{relative} is missing from ptsync/cli/demo_data/"
        assert packaged.read_bytes() == (ROOT / relative).read_bytes(), f"{relative} drifted"


def test_package_data_ships_every_demo_file():
    """pyproject's package-data glob covers the demo files (so `pip install .` ships them)."""
    text = (ROOT / "pyproject.toml").read_text()
    assert '"cli/demo_data/**/*"' in text


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    folder = tmp_path / "somewhere-else"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for key in ("PEERTUBE_URL", "PEERTUBE_USERNAME", "PEERTUBE_PASSWORD", "PEERTUBE_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    return folder


def test_demo_runs_from_a_folder_without_manifests(elsewhere, cli):
    result = cli("demo")
    assert result.code == 0, result.text
    assert "Apply complete: 4 created" in result.out
    assert "No changes. 3 videos match the manifest." in result.out
    assert "renamed in the web UI" in result.out
    assert list(elsewhere.iterdir()) == []  # nothing left behind in the user's folder


def test_demo_keep_copies_the_example_to_edit_and_runs_on_the_copy(elsewhere, cli, tmp_path):
    target = tmp_path / "my-example"
    result = cli("demo", "--keep", str(target))
    assert result.code == 0, result.text
    for relative in EXAMPLE_FILES:
        assert (target / relative).read_bytes() == (ROOT / relative).read_bytes()
    schema = target / "schema" / "ptsync.schema.json"
    assert schema.is_file()  # what the manifest's `$schema=../schema/ptsync.schema.json` names
    first = (target / "manifests" / "example.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/ptsync.schema.json"
    assert f"ptsync demo --keep {target}" in result.err

    edited = (
        (target / "manifests" / "example.yaml")
        .read_text()
        .replace("name: Lecture 7 - Orbital mechanics", "name: Lecture 7 - Edited")
    )
    (target / "manifests" / "example.yaml").write_text(edited)
    again = cli("demo", "--keep", str(target))
    assert again.code == 0, again.text
    assert '"Lecture 7 - Edited"' in again.out  # the copy is kept and demoed as edited
