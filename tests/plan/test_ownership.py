"""Ownership is absolute: a video carrying another entry's marker is never re-marked, updated or
deleted through any identity path unless the entry says ``takeover: true``."""

import pytest

from ptsync.errors import ManifestError
from ptsync.plan.changes import DeleteVideo, UpdateVideo
from ptsync.plan.match import match, upload_filename
from ptsync.plan.videos import PlanOptions
from ptsync.state import LiveImport, LiveState
from tests.plan.factories import build_plan, desired_state, desired_video, live_video
from tests.plan.test_plan import plan_for

URL = "https://archive.example.org/p0.mp4"


def _import_row(video, url=URL):
    return LiveImport(7, url, 2, "Success", None, video.uuid, "t", "t")


def _paths(owned):
    """(entry, live videos, imports, upload filenames) that reach ``owned`` by each path."""
    return {
        "pinned uuid": (desired_video("p0", uuid=owned.uuid, name="Mine"), None, {}),
        "import URL": (desired_video("p0", url=URL, name="Mine"), (_import_row(owned),), {}),
        "upload filename": (
            desired_video("p0", file="media/p0.mp4", name=owned.name),
            None,
            {owned.uuid: upload_filename("nisv", "p0", "p0.mp4")},
        ),
    }


@pytest.mark.parametrize("path", ["pinned uuid", "import URL", "upload filename"])
def test_same_system_other_id_is_never_touched(path):
    owned = live_video(external_id="other", name="Theirs")
    entry, imports, filenames = _paths(owned)[path]
    desired = desired_state(entry)
    live = LiveState((owned,), imports=imports, upload_filenames=filenames)
    try:
        plan = build_plan(desired, match(desired, live), PlanOptions())
    except ManifestError as exc:  # a pinned uuid of another id of this system: refused outright
        assert "already carries marker nisv/other" in str(exc)
        return
    assert all(getattr(c, "uuid", None) != owned.uuid for c in plan.changes)


@pytest.mark.parametrize("path", ["pinned uuid", "import URL", "upload filename"])
@pytest.mark.parametrize(("system", "ext_id"), [("pr", "p0"), ("pin", "124def")])
def test_no_silent_takeover_through_any_identity_path(path, system, ext_id):
    owned = live_video(external_id=ext_id, system=system, name="Theirs")
    entry, imports, filenames = _paths(owned)[path]
    desired = desired_state(entry)
    live = LiveState((owned,), imports=imports, upload_filenames=filenames)
    plan = build_plan(desired, match(desired, live), PlanOptions())
    assert plan.changes == (), f"{path}: {plan.changes}"  # not re-marked, nor created
    (notice,) = [n for n in plan.notices if n.kind == "not-taking-over"]
    assert f"owned by {system}/{ext_id} (set takeover: true)" in notice.message


def test_takeover_true_re_marks_the_pinned_video():
    owned = live_video(external_id="124def", system="demo", name="Theirs")
    desired = desired_state(desired_video("other", uuid=owned.uuid, takeover=True, name="Mine"))
    plan = plan_for(desired, owned)
    (update,) = plan.of(UpdateVideo)
    assert update.changes[0].field == "marker"
    assert (update.changes[0].old, update.changes[0].new) == ("demo/124def", "nisv/other")


def test_prune_never_deletes_another_systems_video():
    theirs = live_video(external_id="p0", system="pr")
    plan = plan_for(desired_state(), theirs, prune=True)
    assert plan.of(DeleteVideo) == []
