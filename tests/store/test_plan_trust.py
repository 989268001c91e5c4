"""A saved plan is not trusted as written. Edited the way an attacker would edit it: aimed at
another system's video (uuid and updated_at changed, the digest recomputed), a value changed
without fixing the digest, a rule update or a delete aimed elsewhere, an upload pointed at
another file. apply refuses each with exit 4 and one line naming the item, before any change.
Over HTTP against the fake, 6.3 and 8.3."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ptsync import clock as clocks
from ptsync.cli.app import main
from ptsync.clock import FakeClock
from ptsync.errors import UntrustedPlan
from ptsync.store import planfile
from ptsync.testing import FakePeerTube
from tests.fakeenv import PASSWORD, USER, point_at
from tests.integration.conftest import marked_videos

ALPHA = """apiVersion: ptsync/v1
system: alpha
videos:
  - {id: a1, source: {url: "https://archive.example.org/a1.mp4"}, name: Alpha one}
"""
BETA = """apiVersion: ptsync/v1
system: beta
rules:
  - match: {{name: "Loose *"}}
    set: {{nsfw: true}}
videos:
  - {{id: b1, source: {{url: "https://archive.example.org/b1.mp4"}}, name: {name}}}
  - {{id: b2, source: {{file: media/b2.mp4}}, name: Beta two}}
"""


@pytest.fixture(params=["6.3", "8.3"])
def fake(request, monkeypatch, tmp_path) -> Iterator[FakePeerTube]:
    clock = FakeClock()  # the fake's and (as the default) the in-process CLI's
    with (
        FakePeerTube(
            rate_limit=None,
            login_rate_limit=None,
            import_duration=0.05,
            version=request.param,
            clock=clock,
        ) as server,
        clocks.using(clock),
    ):
        server.add_user(USER, PASSWORD)
        point_at(monkeypatch, server, tmp_path / "cache")
        yield server


def run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def world(fake, tmp_path, capsys) -> dict[str, Any]:
    """alpha's a1 and beta's b1, b2 applied; an unowned "Loose end" video for beta's rule."""
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "b2.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"v" * 2048)
    (tmp_path / "secret.mp4").write_bytes(b"not for upload")
    alpha, beta = tmp_path / "alpha.yaml", tmp_path / "beta.yaml"
    alpha.write_text(ALPHA)
    beta.write_text(BETA.format(name="Beta one"))
    for path in (alpha, beta):
        code, _, err = run(capsys, "apply", str(path), "--auto-approve", "--wait")
        assert code == 0, err
    loose = fake.add_video(USER, name="Loose end")
    a1 = marked_videos(fake, "alpha")["a1"]
    return {"beta": beta, "a1": a1, "loose": loose, "tmp": tmp_path}


def saved_plan(capsys, manifest: Path, plan_file: Path, *options: str) -> dict[str, Any]:
    code, _, err = run(capsys, "plan", str(manifest), "--out", str(plan_file), *options)
    assert code == 0, err
    return json.loads(plan_file.read_text())


def forge(plan_file: Path, edit: Callable[[dict[str, Any]], None], *, fix_digest: bool) -> None:
    doc = json.loads(plan_file.read_text())
    edit(doc["groups"][0]["plan"])
    if fix_digest:  # the attacker knows the format: sha256 over the canonical JSON
        doc["digest"] = f"sha256:{planfile.contents_digest(doc)}"
    plan_file.write_text(json.dumps(doc, indent=2))


def refused(capsys, fake: FakePeerTube, plan_file: Path) -> str:
    fake.clear_requests()
    code, out, err = run(capsys, "apply", str(plan_file), "--no-wait")
    assert code == 4, out + err
    (line,) = err.strip().splitlines()
    writes = [r for r in fake.requests if r.method in ("PUT", "POST", "DELETE")]
    assert [r.path for r in writes if r.path != "/api/v1/users/token"] == []
    return line


def aim_at(video: dict[str, Any], action: str, key: str | None) -> Callable[[dict], None]:
    """Point the change ``action`` of ``key`` (external id; None: a rule's) at ``video``."""

    def edit(plan: dict[str, Any]) -> None:
        (change,) = [
            c for c in plan["changes"] if c["action"] == action and c["external_id"] == key
        ]
        change["uuid"], change["updated_at"] = video["uuid"], video["updatedAt"]

    return edit


def test_an_update_aimed_at_another_systems_video_is_refused(fake, world, capsys):
    beta, a1, plan_file = world["beta"], world["a1"], world["tmp"] / "plan.json"
    beta.write_text(BETA.format(name="Beta renamed"))
    saved_plan(capsys, beta, plan_file)
    forge(plan_file, aim_at(fake.video(a1["uuid"]), "update", "b1"), fix_digest=True)
    line = refused(capsys, fake, plan_file)
    assert f"update b1: video {a1['uuid']} ('Alpha one') carries alpha/a1" in line
    assert fake.video(a1["uuid"])["name"] == "Alpha one"
    saved_plan(capsys, beta, plan_file)
    forge(plan_file, aim_at(fake.video(a1["uuid"]), "update", "b1"), fix_digest=False)
    line = refused(capsys, fake, plan_file)
    assert "plan file that was changed after ptsync wrote it" in line


def test_a_value_edited_without_the_digest_is_refused(fake, world, capsys):
    beta, plan_file = world["beta"], world["tmp"] / "plan.json"
    beta.write_text(BETA.format(name="Beta renamed"))
    saved_plan(capsys, beta, plan_file)

    def rename(plan: dict[str, Any]) -> None:
        plan["changes"][0]["changes"][-1]["new"] = "Hacked"

    forge(plan_file, rename, fix_digest=False)
    line = refused(capsys, fake, plan_file)
    assert line.endswith(
        "plan.json: refusing a plan file that was changed after ptsync wrote it (its digest "
        "does not match its contents); re-run plan"
    )
    assert "Hacked" not in {v["name"] for v in fake.videos()}
    reindented = json.loads(plan_file.read_text())
    with pytest.raises(UntrustedPlan):
        planfile.load(plan_file)
    forge(plan_file, lambda plan: None, fix_digest=True)  # a re-indented honest file loads
    assert planfile.load(plan_file).groups[0].plan.changes
    assert json.loads(plan_file.read_text())["groups"] == reindented["groups"]


def test_a_rule_update_aimed_at_another_systems_video_is_refused(fake, world, capsys):
    beta, a1, loose = world["beta"], world["a1"], world["loose"]
    plan_file = world["tmp"] / "plan.json"
    doc = saved_plan(capsys, beta, plan_file)
    (change,) = doc["groups"][0]["plan"]["changes"]
    assert (change["uuid"], change["matched_by"]) == (loose["uuid"], "rule")
    forge(plan_file, aim_at(fake.video(a1["uuid"]), "update", None), fix_digest=True)
    line = refused(capsys, fake, plan_file)
    assert f"rule update of {a1['uuid']} ('Alpha one'): owned by alpha/a1" in line
    assert fake.video(a1["uuid"])["nsfw"] is False


def test_a_delete_aimed_at_another_video_is_refused(fake, world, capsys):
    beta, a1, plan_file = world["beta"], world["a1"], world["tmp"] / "plan.json"
    beta.write_text(BETA.format(name="Beta one").split("  - {id: b2")[0])  # b2 pruned
    saved_plan(capsys, beta, plan_file, "--prune", "--force")
    forge(plan_file, aim_at(fake.video(a1["uuid"]), "delete", "b2"), fix_digest=True)
    line = refused(capsys, fake, plan_file)
    assert f"delete b2: video {a1['uuid']} ('Alpha one') carries alpha/a1" in line
    assert fake.video(a1["uuid"]) is not None


def test_an_upload_pointed_at_another_file_is_refused(fake, world, capsys):
    beta, tmp, plan_file = world["beta"], world["tmp"], world["tmp"] / "plan.json"
    beta.write_text(
        BETA.format(name="Beta one")
        + "  - {id: b3, source: {file: media/b2.mp4}, name: Beta three}\n"
    )
    saved_plan(capsys, beta, plan_file)

    def elsewhere(plan: dict[str, Any]) -> None:
        (create,) = [c for c in plan["changes"] if c["action"] == "create"]
        create["source"] = "./secret.mp4"

    forge(plan_file, elsewhere, fix_digest=True)
    line = refused(capsys, fake, plan_file)
    assert f"create b3: it sends {tmp / 'secret.mp4'}, which no manifest names" in line


def test_an_honest_saved_plan_still_applies(fake, world, capsys):
    beta, plan_file = world["beta"], world["tmp"] / "plan.json"
    beta.write_text(BETA.format(name="Beta renamed"))
    saved_plan(capsys, beta, plan_file)
    fake.clear_requests()
    code, _, err = run(capsys, "apply", str(plan_file), "--no-wait")
    assert code == 0, err
    assert fake.count("GET", "/api/v1/users/me/videos/imports") == 0  # the listing sufficed
    assert marked_videos(fake, "beta")["b1"]["name"] == "Beta renamed"
    assert world["loose"]["uuid"] in {v["uuid"] for v in fake.videos() if v["nsfw"]}


def test_saved_plans_that_need_the_import_rows_still_apply(fake, tmp_path, capsys):
    """An update of a video found by its import URL (its marker deleted by hand), and on 8.0
    the retry of a failed import: justified by the import rows, listed only for them."""
    manifest, plan_file = tmp_path / "m.yaml", tmp_path / "plan.json"
    url = "https://archive.example.org/flaky.mp4"
    fake.set_import_target(url, "fail-once")
    manifest.write_text(
        "apiVersion: ptsync/v1\nsystem: beta\nvideos:\n"
        f"  - {{id: f1, source: {{url: '{url}'}}, name: Flaky one}}\n"
        "  - {id: s1, source: {url: 'https://archive.example.org/s1.mp4'}, name: Steady one}\n"
    )
    code, _, err = run(capsys, "apply", str(manifest), "--auto-approve", "--wait")
    assert code == 1, err  # the flaky import failed once
    steady = marked_videos(fake, "beta")["s1"]
    fake.edit_video(steady["uuid"], description="Text without the marker.")
    doc = saved_plan(capsys, manifest, plan_file)
    how = {
        c["external_id"]: (c["action"], c.get("retry_import"))
        for c in doc["groups"][0]["plan"]["changes"]
    }
    assert how["s1"] == ("update", None)
    if fake.profile.failed_import_kept:  # 8.0: retried in place
        assert how["f1"][0] == "update" and how["f1"][1] is not None
    else:
        assert how["f1"] == ("create", None)
    fake.clear_requests()
    code, _, err = run(capsys, "apply", str(plan_file), "--no-wait")
    assert code == 0, err
    assert fake.count("GET", "/api/v1/users/me/videos/imports") == 1  # for the check
    assert set(marked_videos(fake, "beta")) == {"f1", "s1"}
    code, out, _ = run(capsys, "plan", str(manifest), "--detailed-exitcode")
    assert code == 0 and "No changes." in out
