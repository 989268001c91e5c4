import pytest

from ptsync.errors import ManifestError, TooMuchChange
from ptsync.plan.changes import CreateVideo, DeleteVideo, UpdateVideo
from ptsync.plan.match import match
from ptsync.plan.needs import detail_needed
from ptsync.plan.safety import Thresholds, check_safety
from ptsync.plan.videos import PlanOptions
from ptsync.state import LiveImport, LiveState
from tests.plan.factories import build_plan, desired_state, desired_video, live_video, rule


def plan_for(desired, *videos, prune=False, imports=None, replace=False, adopt=False):
    matching = match(desired, LiveState(tuple(videos), imports=imports))
    options = PlanOptions(prune=prune, file_replace_enabled=replace, adopt=adopt)
    return build_plan(desired, matching, options)


def test_converged_state_has_no_changes():
    desired = desired_state(desired_video("a", url="https://x.org/a.mp4", name="A", category=15))
    live = live_video(
        external_id="a",
        name="A",
        category=15,
        annotations={"src": desired.videos["a"].source.digest},
    )
    plan = plan_for(desired, live)
    assert plan.changes == () and plan.summary.unchanged == 1


def test_create_by_import_and_by_upload_carry_the_marker():
    desired = desired_state(
        desired_video("u", url="https://x.org/u.mp4", name="By URL"),
        desired_video("f", file="media/f.mp4", name="By file"),
    )
    plan = plan_for(desired)
    creates = plan.of(CreateVideo)
    assert [(c.external_id, c.method) for c in creates] == [("f", "upload"), ("u", "import")]
    assert creates[1].marker.render().startswith("<!-- ptsync:nisv/u src=")


def test_update_lists_only_differing_managed_fields():
    desired = desired_state(desired_video("a", name="A", category=2))
    live = live_video(external_id="a", name="A", category=15, licence=3)
    (update,) = plan_for(desired, live).of(UpdateVideo)
    assert [(c.field, c.old, c.new) for c in update.changes] == [("category", 15, 2)]
    assert update.marker is None  # description untouched: no rewrite of marker


def test_pinned_video_without_marker_is_in_sync_until_adopted():
    video = live_video(text="Their own words", name="Old name")
    desired = desired_state(desired_video("a", uuid=video.uuid))
    plan = plan_for(desired, video)
    assert not plan.has_changes and plan.summary.unchanged == 1
    assert "ptsync adopt" in plan.notices[0].message


def test_adoption_writes_the_marker_and_keeps_the_live_text():
    video = live_video(text="Their own words", name="Old name")
    desired = desired_state(desired_video("a", uuid=video.uuid))
    (update,) = plan_for(desired, video, adopt=True).of(UpdateVideo)
    assert update.changes[0].field == "marker" and update.changes[0].new == "nisv/a"
    assert update.description == "Their own words"
    assert update.matched_by == "uuid"


def test_marker_not_on_first_line_is_moved():
    video = live_video(external_id="a", marker_at_start=False, text="x")
    (update,) = plan_for(desired_state(desired_video("a")), video).of(UpdateVideo)
    assert update.changes[0].field == "marker" and update.marker is not None


def test_possible_duplicate_is_not_created_unless_allowed():
    twin = live_video(name="Same", channel="alice_channel")
    entry = desired_video("a", url="https://x.org/a.mp4", name="Same", channel="alice_channel")
    plan = plan_for(desired_state(entry), twin)
    assert plan.of(CreateVideo) == [] and plan.notices[0].kind == "possible-duplicate"
    assert twin.uuid in plan.notices[0].message
    allowed = desired_video("a", url="https://x.org/a.mp4", name="Same", allow_duplicate=True)
    assert len(plan_for(desired_state(allowed), twin).of(CreateVideo)) == 1


def test_new_entry_without_source_is_a_problem_pointing_at_the_entry():
    with pytest.raises(ManifestError) as err:
        plan_for(desired_state(desired_video("a", name="A")))
    assert "manifests/test.yaml:1:5" in str(err.value) and "no source" in str(err.value)


def test_failed_import_is_retried_with_a_reason():
    url = "https://x.org/a.mp4"
    failed = LiveImport(7, url, 3, "Failed", "ffprobe exited with code 1\nmore", None, "", "")
    plan = plan_for(desired_state(desired_video("a", url=url, name="A")), imports=(failed,))
    (create,) = plan.of(CreateVideo)
    assert create.reason == "retry: import #7 failed: ffprobe exited with code 1"


def test_prune_deletes_only_own_marked_videos_and_respects_threshold():
    keep = [live_video(external_id=f"k{i}") for i in range(3)]
    gone = live_video(external_id="gone")
    foreign = live_video(external_id="gone", system="other")
    unmarked = live_video()
    desired = desired_state(*[desired_video(v.marker.external_id) for v in keep])
    plan = plan_for(desired, *keep, gone, foreign, unmarked, prune=True)
    assert [d.uuid for d in plan.of(DeleteVideo)] == [gone.uuid]
    check_safety(plan, Thresholds(min_existing=1), force=False)  # 1 of 4 managed = 25 %
    without_prune = plan_for(desired, *keep, gone)
    assert without_prune.of(DeleteVideo) == []
    tight = plan_for(desired_state(), *keep, gone, prune=True)
    with pytest.raises(TooMuchChange, match="refusing to delete 4 of 4"):
        check_safety(tight, Thresholds(min_existing=4), force=False)
    check_safety(tight, Thresholds(min_existing=4), force=True)
    check_safety(tight, Thresholds(), force=False)  # below 10 managed videos: not checked


def test_rules_update_unlisted_videos_but_not_explicit_fields():
    unlisted = live_video(channel="science", category=None)
    listed = live_video(external_id="a", channel="science", category=None)
    desired = desired_state(
        desired_video("a", category=3),
        rules=(rule({"category": 15}, channel="science"),),
    )
    plan = plan_for(desired, unlisted, listed)
    by_uuid = {u.uuid: u for u in plan.of(UpdateVideo)}
    assert (
        by_uuid[unlisted.uuid].changes[0].new == 15 and by_uuid[unlisted.uuid].matched_by == "rule"
    )
    assert by_uuid[listed.uuid].changes[0].new == 3


def test_rules_override_defaults():
    listed = live_video(external_id="a", channel="science", category=None)
    entry = desired_video("a", defaults={"category": 1})
    desired = desired_state(entry, rules=(rule({"category": 15}, all=True),))
    (update,) = plan_for(desired, listed).of(UpdateVideo)
    assert update.changes[0].new == 15


def test_detail_needed_only_for_detail_fields_or_truncated_descriptions():
    list_only = desired_state(desired_video("a", name="A", category=2, privacy=1))
    video = live_video(external_id="a")
    assert detail_needed(list_only, match(list_only, LiveState((video,)))) == set()
    with_tags = desired_state(desired_video("a", tags=["x"]))
    assert detail_needed(with_tags, match(with_tags, LiveState((video,)))) == {video.uuid}
    truncated = live_video(external_id="b")
    truncated = type(truncated)(
        **{
            **truncated.__dict__,
            "fields": {k: v for k, v in truncated.fields.items() if k != "description"},
        }
    )
    with_text = desired_state(desired_video("b", description="long"))
    assert detail_needed(with_text, match(with_text, LiveState((truncated,)))) == {truncated.uuid}


def test_source_change_is_shown_only_when_the_instance_can_replace():
    entry = desired_video("a", url="https://x.org/new.mp4")
    video = live_video(external_id="a", annotations={"src": "0000000000"})
    refused = plan_for(desired_state(entry), video)
    assert refused.changes == () and refused.notices[0].kind == "source-not-replaceable"
    allowed = plan_for(desired_state(entry), video, replace=True)
    (update,) = allowed.of(UpdateVideo)
    assert update.source_file == "https://x.org/new.mp4"
    assert update.marker.annotations["src"] == entry.source.digest
