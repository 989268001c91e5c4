"""Issue 13 items 5 and 8: ``--detailed-exitcode`` exits 2 for anything that needs a person,
not only for changes; a plan without --prune counts the owned videos the manifest dropped; a
refused prune (exit 4) still shows the plan."""

from __future__ import annotations

import pytest

from tests.cli.conftest import import_entries
from tests.integration.conftest import marked_videos


def test_converged_plan_exits_0(fake, manifest, cli):
    path = manifest(import_entries(2))
    assert cli("apply", str(path), "--auto-approve", "--no-wait").code == 0
    result = cli("plan", str(path), "--detailed-exitcode")
    assert result.code == 0 and "No changes. 2 videos match the manifest." in result.out


def test_a_blocked_possible_duplicate_exits_2_without_changes(fake, manifest, cli):
    fake.add_video("alice", name="Old interview")
    path = manifest(
        """\
        videos:
          - id: interview-1
            source: {url: "https://archive.example.org/i1.mp4"}
            name: Old interview
        """
    )
    result = cli("plan", str(path), "--detailed-exitcode")
    assert result.code == 2, result.text
    assert "has the same name" in result.out
    assert "No changes. 0 videos match the manifest. 1 notice needs attention" in result.out
    assert "Exit 2: 1 notice needs a person (possible-duplicate)" in result.err
    assert cli("plan", str(path)).code == 0  # without the flag: 0, as before


def test_a_video_owned_by_another_entry_exits_2(fake, manifest, cli):
    theirs = fake.add_video("alice", name="Theirs", description="<!-- ptsync:other/x1 -->\n\nText")
    path = manifest(
        f"""\
        videos:
          - id: mine
            uuid: {theirs["uuid"]}
            name: Mine now
        """
    )
    result = cli("plan", str(path), "--detailed-exitcode")
    assert result.code == 2, result.text
    assert "not taking over" in result.out and "No changes." in result.out


def test_owned_videos_missing_from_the_manifest_are_counted_and_exit_2(fake, manifest, cli):
    path = manifest(import_entries(3))
    assert cli("apply", str(path), "--auto-approve", "--no-wait").code == 0
    path.write_text(path.read_text().split("  - id: v01")[0])  # keep v00 only
    result = cli("plan", str(path), "--detailed-exitcode")
    assert result.code == 2, result.text
    assert (
        "2 videos carry the nisv marker but are not in the manifest (v01, v02); "
        "--prune deletes them" in result.out
    )
    assert "No changes. 1 video matches the manifest." in result.out
    pruned = cli("plan", str(path), "--prune", "--detailed-exitcode")
    assert pruned.code == 2 and "- delete v01" in pruned.out and "--prune deletes" not in pruned.out
    markdown = cli("plan", str(path), "--format", "markdown")
    assert "2 videos carry the nisv marker" in markdown.out


@pytest.fixture
def twelve_managed(fake, manifest, cli):
    path = manifest(import_entries(12))
    assert cli("apply", str(path), "--auto-approve", "--no-wait").code == 0
    path.write_text(path.read_text().split("  - id: v01")[0])  # 11 of 12 dropped
    return path


def test_a_refused_prune_still_shows_the_plan(fake, twelve_managed, cli):
    result = cli("plan", str(twelve_managed), "--prune")
    assert result.code == 4, result.text
    assert "- delete v01" in result.out and "- delete v11" in result.out
    assert "Plan: 0 to create, 0 to update, 11 to delete" in result.out
    assert "--force" in result.err


def test_a_refused_prune_on_apply_shows_the_plan_and_deletes_nothing(fake, twelve_managed, cli):
    result = cli("apply", str(twelve_managed), "--prune", "--auto-approve")
    assert result.code == 4, result.text
    assert "- delete v05" in result.out
    assert len(marked_videos(fake)) == 12 and fake.count("DELETE") == 0


def test_a_server_that_cannot_be_reached_is_one_line(manifest, cli, monkeypatch, tmp_path):
    monkeypatch.setenv("PEERTUBE_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("PEERTUBE_USERNAME", "alice")
    monkeypatch.setenv("PEERTUBE_PASSWORD", "pw-alice-1")
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    result = cli("plan", str(manifest(import_entries(1))))
    assert result.code == 1 and result.out == ""
    assert result.err.startswith("Error: ") and result.err.count("\n") == 1, result.err
    assert "127.0.0.1:9" in result.err
