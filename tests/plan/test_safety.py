"""Change thresholds at their boundaries: 30 % of the videos a plan can touch, from 10 videos."""

import pytest

from ptsync.errors import TooMuchChange
from ptsync.plan.changes import DeleteVideo, UpdateVideo
from ptsync.plan.safety import Thresholds, check_safety, shares
from tests.plan.factories import desired_state, desired_video, live_video, rule
from tests.plan.test_plan import plan_for


def _owned(n):
    return [live_video(external_id=f"v{i}", name=f"Video {i}") for i in range(n)]


def _renaming(videos, renamed):
    entries = [
        desired_video(v.marker.external_id, name=v.name + (" (new)" if i < renamed else ""))
        for i, v in enumerate(videos)
    ]
    return desired_state(*entries)


@pytest.mark.parametrize(
    ("managed", "renamed", "refused"),
    [(10, 3, False), (10, 4, True), (9, 9, False), (20, 6, False), (20, 7, True)],
)
def test_updates_refused_above_the_fraction_from_the_minimum(managed, renamed, refused):
    videos = _owned(managed)
    plan = plan_for(_renaming(videos, renamed), *videos)
    assert len(plan.of(UpdateVideo)) == renamed
    if refused:
        with pytest.raises(TooMuchChange, match=f"refusing to update {renamed} of {managed}"):
            check_safety(plan, Thresholds(), force=False)
        check_safety(plan, Thresholds(), force=True)
        check_safety(plan, Thresholds(max_update_fraction=0.5), force=False)
    else:
        check_safety(plan, Thresholds(), force=False)


@pytest.mark.parametrize(("managed", "gone", "refused"), [(10, 3, False), (10, 4, True), (9, 8, False)])
def test_deletes_refused_above_the_fraction_from_the_minimum(managed, gone, refused):
    videos = _owned(managed)
    desired = desired_state(*[desired_video(v.marker.external_id, name=v.name) for v in videos[gone:]])
    plan = plan_for(desired, *videos, prune=True)
    assert len(plan.of(DeleteVideo)) == gone
    if refused:
        with pytest.raises(TooMuchChange, match=f"refusing to delete {gone} of {managed}"):
            check_safety(plan, Thresholds(), force=False)
    else:
        check_safety(plan, Thresholds(), force=False)
    check_safety(plan, Thresholds(), force=True)


def test_duplicate_copies_are_repaired_without_prune_and_not_counted():
    videos = _owned(10)
    copies = [live_video(external_id=f"v{i}", name=f"Video {i}") for i in range(5)]
    desired = desired_state(*[desired_video(v.marker.external_id, name=v.name) for v in videos])
    plan = plan_for(desired, *videos, *copies)
    deletes = plan.of(DeleteVideo)
    assert sorted(d.uuid for d in deletes) == sorted(c.uuid for c in copies)
    kept = {v.marker.external_id: v.uuid for v in videos}
    assert all(d.reason == f"duplicate of {kept[d.external_id]}" for d in deletes)
    assert plan.has_changes
    check_safety(plan, Thresholds(), force=False)  # 5 repairs of 10 videos: not refused


def test_rule_updates_count_against_the_videos_the_rules_match():
    unlisted = [live_video(name=f"Clip {i}", category=1) for i in range(12)]
    desired = desired_state(rules=(rule({"category": 15}, name="Clip *"),))
    plan = plan_for(desired, *unlisted)
    assert len(plan.of(UpdateVideo)) == 12
    (share,) = [s for s in shares(plan, Thresholds()) if s.of == "videos the rules match"]
    assert (share.count, share.total) == (12, 12)
    with pytest.raises(TooMuchChange, match="refusing to update 12 of 12 videos the rules match"):
        check_safety(plan, Thresholds(), force=False)
