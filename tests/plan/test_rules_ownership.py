"""Rules hold ownership too: a video another system owns, or one this manifest let go, is left
alone (and counted in an informational notice) unless a rule's match says ``owner: any``."""

from __future__ import annotations

import dataclasses

import pytest

from ptsync.plan.changes import NoticeKind, UpdateVideo
from ptsync.plan.match import match, needs_imports, upload_filename
from ptsync.plan.needs import detail_needed
from ptsync.plan.videos import PlanOptions
from ptsync.state import Lifecycle, LiveImport, LiveState, Rule, RuleMatch
from tests.plan.factories import build_plan, desired_state, desired_video, live_video, ref
from tests.plan.test_plan import plan_for

URL = "https://archive.example.org/old.mp4"
NSFW = Rule(RuleMatch(all=True), {"nsfw": True}, ref("rules[0]"))
NSFW_ANY = Rule(RuleMatch(all=True, any_owner=True), {"nsfw": True}, ref("rules[0]"))


def released(entry):
    return dataclasses.replace(entry, lifecycle=Lifecycle.UNMANAGED)


def skipped_notices(plan):
    return [n for n in plan.notices if n.kind is NoticeKind.RULES_SKIPPED]


def test_a_rule_leaves_another_systems_video_alone_and_says_so():
    theirs = live_video(external_id="p0", system="pr", nsfw=False, name="Theirs")
    unowned = live_video(nsfw=False)
    plan = plan_for(desired_state(rules=(NSFW,)), theirs, unowned)
    assert [u.uuid for u in plan.of(UpdateVideo)] == [unowned.uuid]
    (notice,) = skipped_notices(plan)
    assert "rules leave 1 video that they would change alone" in notice.message
    assert f"1 owned by pr: {theirs.uuid}" in notice.message and "owner: any" in notice.message
    assert plan.needs_attention == ()  # informational: --detailed-exitcode stays 0
    assert plan.rule_matched == 1  # the threshold's base: what the rules may change


def test_no_notice_when_the_rule_would_change_nothing_there():
    theirs = live_video(external_id="p0", system="pr", nsfw=True)
    plan = plan_for(desired_state(rules=(NSFW,)), theirs)
    assert plan.changes == () and plan.notices == ()


def test_owner_any_opts_a_rule_in():
    theirs = live_video(external_id="p0", system="pr", nsfw=False)
    plan = plan_for(desired_state(rules=(NSFW_ANY,)), theirs)
    (update,) = plan.of(UpdateVideo)
    assert (update.uuid, update.matched_by, update.changes[0].new) == (theirs.uuid, "rule", True)
    assert update.marker is None and update.description is None  # never re-marked
    assert skipped_notices(plan) == []


def test_only_the_opted_in_rule_changes_an_owned_video():
    theirs = live_video(external_id="p0", system="pr", nsfw=False, detailed=True)
    rules = (NSFW_ANY, Rule(RuleMatch(all=True), {"downloadEnabled": False}, ref("rules[1]")))
    plan = plan_for(desired_state(rules=rules), theirs)
    (update,) = plan.of(UpdateVideo)
    assert [c.field for c in update.changes] == ["nsfw"]
    assert len(skipped_notices(plan)) == 1  # downloadEnabled was held back


def _released_by(path):
    """(entry, live video, imports, upload filenames): a video let go whose marker is gone,
    reachable only by the identity that outlives it."""
    video = live_video(nsfw=False, name="Old talk")
    entries = {
        "pinned uuid": (desired_video("old", uuid=video.uuid, name="Old talk"), None, {}),
        "import URL": (
            desired_video("old", url=URL, name="Old talk"),
            (LiveImport(3, URL, 2, "Success", None, video.uuid, "t", "t"),),
            {},
        ),
        "upload filename": (
            desired_video("old", file="media/old.mp4", name="Old talk"),
            None,
            {video.uuid: upload_filename("nisv", "old", "old.mp4")},
        ),
    }
    entry, imports, filenames = entries[path]
    return released(entry), LiveState((video,), imports=imports, upload_filenames=filenames)


@pytest.mark.parametrize("path", ["pinned uuid", "import URL", "upload filename"])
def test_a_released_video_is_left_alone_after_its_marker_is_gone(path):
    entry, live = _released_by(path)
    (video,) = live.videos
    desired = desired_state(entry, rules=(NSFW,))
    plan = build_plan(desired, match(desired, live), PlanOptions())
    assert plan.changes == ()
    (notice,) = skipped_notices(plan)
    assert f"1 released by this manifest: {video.uuid}" in notice.message
    opted_in = desired_state(entry, rules=(NSFW_ANY,))
    (update,) = build_plan(opted_in, match(opted_in, live), PlanOptions()).of(UpdateVideo)
    assert update.uuid == video.uuid and update.external_id is None


def test_a_video_being_released_gets_only_its_release():
    video = live_video(external_id="old", nsfw=False, text="Text")
    desired = desired_state(released(desired_video("old", name="Old")), rules=(NSFW_ANY,))
    (update,) = plan_for(desired, video).of(UpdateVideo)
    assert update.release and [c.field for c in update.changes] == ["marker"]


def test_released_url_entries_need_the_import_list_only_when_rules_exist():
    entry = released(desired_video("old", url=URL, name="Old"))
    live = LiveState((live_video(),))
    assert not needs_imports(match(desired_state(entry), live), rules=False)
    assert needs_imports(match(desired_state(entry, rules=(NSFW,)), live), rules=True)


def test_a_managed_entry_wins_a_video_over_a_released_one():
    video = live_video(name="Talk")
    row = LiveImport(3, URL, 2, "Success", None, video.uuid, "t", "t")
    desired = desired_state(
        released(desired_video("first", url=URL, name="Talk")),
        desired_video("second", url=URL, name="Talk"),
    )
    matching = match(desired, LiveState((video,), imports=(row,)))
    by_id = {m.desired.external_id: m.live for m in matching.matches}
    assert by_id == {"first": None, "second": video}
    assert [m.desired.external_id for m in matching.matches] == ["first", "second"]


def test_owned_videos_are_detailed_only_when_a_rule_needs_it():
    theirs = live_video(external_id="p0", system="pr")
    mine_orphan = live_video(external_id="gone")  # this system's: pruned, never ruled
    desired = desired_state(rules=(Rule(RuleMatch(all=True), {"support": "x"}, ref()),))
    needed = detail_needed(desired, match(desired, LiveState((theirs, mine_orphan))))
    assert needed == {theirs.uuid}
