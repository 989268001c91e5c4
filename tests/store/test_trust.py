"""The saved-plan ownership check as a pure function: every honest plan passes it, every change
aimed at something the plan could not have touched is named."""

from __future__ import annotations

import dataclasses

import pytest

from ptsync.errors import UntrustedPlan
from ptsync.marker import Marker
from ptsync.plan.changes import DeletePlaylist, UpdateChannel, UpdateVideo
from ptsync.plan.match import match
from ptsync.plan.resources import LivePlaylist
from ptsync.plan.videos import PlanOptions
from ptsync.state import DesiredState, Lifecycle, LiveImport, LiveState
from ptsync.store.trust import check_trusted
from tests.plan.factories import build_plan, desired_state, desired_video, live_video

URL = "https://archive.example.org/a.mp4"


def checked(desired: DesiredState, live: LiveState, plan, playlists=None) -> None:
    check_trusted(plan, desired, live.videos, match(desired, live), playlists)


def honest(desired: DesiredState, live: LiveState):
    plan = build_plan(desired, match(desired, live), PlanOptions(prune=True))
    checked(desired, live, plan)
    return plan


def retarget(plan, video, **more):
    (change,) = plan.changes
    forged = dataclasses.replace(change, uuid=video.uuid, updated_at=video.updated_at, **more)
    return dataclasses.replace(plan, changes=(forged,))


def test_an_update_found_by_import_url_or_taken_over_is_trusted():
    lost = live_video(name="Old")  # its marker was deleted in the web UI
    row = LiveImport(1, URL, 2, "Success", None, lost.uuid, "t", "t")
    live = LiveState((lost,), imports=(row,))
    plan = honest(desired_state(desired_video("a", url=URL, name="New")), live)
    assert plan.of(UpdateVideo)[0].matched_by == "import"
    theirs = live_video(external_id="x", system="pr")
    taken = desired_state(desired_video("a", uuid=theirs.uuid, takeover=True, name="Mine"))
    assert honest(taken, LiveState((theirs,))).changes


def test_a_release_aimed_at_another_video_is_refused():
    mine = live_video(external_id="old", text="Text")
    theirs = live_video(external_id="x", system="pr", text="Theirs")
    desired = desired_state(
        dataclasses.replace(desired_video("old", name="Old"), lifecycle=Lifecycle.UNMANAGED)
    )
    live = LiveState((mine, theirs))
    plan = honest(desired, live)
    with pytest.raises(UntrustedPlan, match=f"release old: video {theirs.uuid} .* carries pr/x"):
        checked(desired, live, retarget(plan, theirs))


def test_an_update_writing_another_marker_or_retrying_another_import_is_refused():
    mine = live_video(external_id="a", name="Old")
    desired = desired_state(desired_video("a", name="New"))
    live = LiveState((mine,))
    plan = honest(desired, live)
    (update,) = plan.changes
    other = dataclasses.replace(update, marker=Marker("nisv", "b"))
    with pytest.raises(UntrustedPlan, match="would write the marker nisv/b"):
        checked(desired, live, dataclasses.replace(plan, changes=(other,)))
    retry = dataclasses.replace(update, retry_import=99)
    with pytest.raises(UntrustedPlan, match="import 99 is not this video's failed import"):
        checked(desired, live, dataclasses.replace(plan, changes=(retry,)))


def test_an_update_of_a_released_or_unknown_entry_is_refused():
    mine = live_video(external_id="a", name="Old")
    live = LiveState((mine,))
    plan = honest(desired_state(desired_video("a", name="New")), live)
    with pytest.raises(UntrustedPlan, match="update a: no manifest entry has this id"):
        checked(desired_state(), live, plan)
    let_go = desired_state(
        dataclasses.replace(desired_video("a", name="New"), lifecycle=Lifecycle.UNMANAGED)
    )
    with pytest.raises(UntrustedPlan, match="the entry is released"):
        checked(let_go, live, plan)


def test_resources_must_be_declared_and_owned():
    desired = desired_state()
    theirs = LivePlaylist(7, "u7", "Theirs", None, Marker("pr", "best"), 1, None)
    gone = DeletePlaylist("best", "u7")
    plan = build_plan(desired, match(desired, LiveState(())), PlanOptions())
    forged = dataclasses.replace(plan, changes=(gone, UpdateChannel("other_channel", ())))
    with pytest.raises(UntrustedPlan) as caught:
        checked(desired, LiveState(()), forged, [theirs])
    assert "delete playlist best: playlist u7 ('Theirs') carries pr/best" in str(caught.value)
    assert "update channel other_channel: the manifests do not declare it" in str(caught.value)
    mine = dataclasses.replace(theirs, marker=Marker("nisv", "best"))
    checked(desired, LiveState(()), dataclasses.replace(plan, changes=(gone,)), [mine])
