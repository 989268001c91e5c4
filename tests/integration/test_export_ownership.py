"""export never hands one system's videos to another: they are listed, commented out."""

from __future__ import annotations

from ptsync.marker import Marker, compose_description


def test_export_keeps_own_ids_and_lists_other_systems_videos_commented_out(
    backend, cli, tmp_path
):
    fake = backend.fake
    assert fake is not None
    mine = fake.add_video("alice", name="Archive piece", description=compose_description(
        Marker("archive", "a1"), "Ours."))  # fmt: skip
    theirs = fake.add_video("alice", name="PR piece", description=compose_description(
        Marker("pr", "p0"), "Theirs."))  # fmt: skip
    plain = fake.add_video("alice", name="Plain piece")
    out = tmp_path / "exported.yaml"
    result = cli("export", "--system", "archive", "-o", str(out))
    assert result.code == 0, result.err
    text = out.read_text()
    assert "id: a1" in text and f"uuid: {mine['uuid']}" in text
    assert f"#   - uuid: {theirs['uuid']}" in text and "owned by pr/p0" in text
    assert f"uuid: {plain['uuid']}" in text
    entries = [line for line in text.splitlines() if line.lstrip().startswith("- id:")]
    assert len(entries) == 2  # the other system's video is not an entry
    plan = cli("plan", str(out), "--detailed-exitcode")
    assert plan.code == 0, plan.out + plan.err
    assert "pr/p0" not in plan.out  # nothing re-marked
