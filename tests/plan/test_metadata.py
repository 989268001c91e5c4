"""Issue 15, pure planning: schedules as instants with ownership, chapters as one list change,
passwords by digest, and letting a video go (``lifecycle: unmanaged``)."""

from __future__ import annotations

import dataclasses

import pytest

from ptsync import passwords as pw
from ptsync.errors import ManifestError
from ptsync.fields import norm_instant
from ptsync.peertube import parse
from ptsync.plan.changes import CreateVideo, DeleteVideo, UpdateVideo
from ptsync.plan.match import match
from ptsync.plan.needs import detail_needed
from ptsync.plan.safety import Thresholds, shares
from ptsync.plan.videos import PlanOptions
from ptsync.render import Format, render_plans
from ptsync.state import Chapter, Lifecycle, LiveState, PasswordsRef, Schedule, UrlSource
from tests.plan.factories import build_plan, desired_state, desired_video, live_video

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z
FUTURE = Schedule("2027-03-01T09:00:00.000Z", 1)
FUTURE_EPOCH = "1803891600"
PAST = Schedule("2026-12-01T09:00:00.000Z", 1)
URL = "https://archive.example.org/a.mp4"


def entry(external_id="a", **extra):
    fields = extra.pop("fields", {"name": "A"})
    video = desired_video(external_id, url=extra.pop("url", URL), **fields)
    return dataclasses.replace(video, **extra)


SRC = {"src": UrlSource(URL).digest}


def live(external_id="a", annotations=None, **extra):
    """A video carrying entry ``external_id``'s marker, its source hash recorded."""
    fields = extra.pop("fields", {"name": "A"})
    marks = {**SRC, **(annotations or {})}
    video = live_video(external_id=external_id, annotations=marks, text=None, **fields)
    return dataclasses.replace(video, **extra)


def plan_for(desired, *videos, now=NOW, prune=False):
    options = PlanOptions(prune=prune, now=now)
    return build_plan(desired, match(desired, LiveState(tuple(videos))), options)


def only_update(plan) -> UpdateVideo:
    (update,) = plan.of(UpdateVideo)
    return update


# ------------------------------------------------------------------------------- schedule


def test_a_new_schedule_is_one_update_with_the_ownership_annotation():
    desired = desired_state(entry(schedule=FUTURE, fields={"name": "A", "privacy": 3}))
    update = only_update(plan_for(desired, live(fields={"name": "A", "privacy": 3})))
    assert [(c.field, c.old, c.new) for c in update.changes] == [
        ("publishAt", None, FUTURE.update_at),
        ("publishPrivacy", None, 1),
    ]
    assert update.schedule == FUTURE and not update.unschedule
    assert update.marker is not None and update.marker.annotations["pub"] == FUTURE_EPOCH


def test_the_same_instant_in_another_time_zone_is_no_change():
    """The manifest says +01:00, the server answers Z (and milliseconds): one instant."""
    wanted = Schedule(norm_instant("2027-03-01T10:00:00+01:00"), 1)
    desired = desired_state(entry(schedule=wanted, fields={"name": "A", "privacy": 3}))
    answered = parse.schedule({"updateAt": "2027-03-01T09:00:00Z", "privacy": 1})
    video = live(
        annotations={"pub": FUTURE_EPOCH}, fields={"name": "A", "privacy": 3}, schedule=answered
    )
    assert answered == FUTURE == wanted
    assert plan_for(desired, video).changes == ()


def test_removing_publish_at_clears_only_the_schedule_ptsync_set():
    desired = desired_state(entry(fields={"name": "A", "privacy": 3}))
    ours = live(
        annotations={"pub": FUTURE_EPOCH}, fields={"name": "A", "privacy": 3}, schedule=FUTURE
    )
    update = only_update(plan_for(desired, ours))
    assert update.unschedule and update.schedule is None
    assert [c.field for c in update.changes] == ["publishAt", "publishPrivacy"]
    assert update.marker is not None and "pub" not in update.marker.annotations
    persons = live(fields={"name": "A", "privacy": 3}, schedule=FUTURE)  # no pub= annotation
    assert plan_for(desired, persons).changes == ()
    other = dataclasses.replace(FUTURE, update_at="2027-04-01T09:00:00.000Z")
    changed_by_hand = live(
        annotations={"pub": FUTURE_EPOCH}, fields={"name": "A", "privacy": 3}, schedule=other
    )
    assert plan_for(desired, changed_by_hand).changes == ()


def test_a_past_publish_at_fails_a_create():
    desired = desired_state(entry(schedule=PAST, fields={"name": "A", "privacy": 3}))
    with pytest.raises(ManifestError, match="publishAt 2026-12-01T09:00:00Z is in the past"):
        plan_for(desired)


def test_a_past_publish_at_on_a_published_video_is_a_notice_not_a_change():
    """Published as scheduled: the manifest's privacy (Private, "until then") no longer applies."""
    desired = desired_state(entry(schedule=PAST, fields={"name": "A", "privacy": 3}))
    video = live(annotations={"pub": "1796115600"}, fields={"name": "A", "privacy": 1})
    plan = plan_for(desired, video)
    assert plan.changes == ()
    (notice,) = plan.notices
    assert notice.kind == "schedule-passed" and "publishAt can be removed" in notice.message


def test_a_past_publish_at_on_an_unpublished_video_is_an_error():
    desired = desired_state(entry(schedule=PAST, fields={"name": "A", "privacy": 3}))
    with pytest.raises(ManifestError, match="in the past and the video is not published"):
        plan_for(desired, live(fields={"name": "A", "privacy": 3}))


def test_a_due_schedule_not_yet_run_by_the_server_is_in_sync():
    desired = desired_state(entry(schedule=PAST, fields={"name": "A", "privacy": 3}))
    video = live(
        annotations={"pub": "1796115600"}, fields={"name": "A", "privacy": 3}, schedule=PAST
    )
    assert plan_for(desired, video).changes == ()


def test_a_create_carries_schedule_and_annotation():
    desired = desired_state(entry(schedule=FUTURE, fields={"name": "A", "privacy": 3}))
    (create,) = plan_for(desired).of(CreateVideo)
    assert create.schedule == FUTURE and create.marker.annotations["pub"] == FUTURE_EPOCH


# ------------------------------------------------------------------------------- chapters

CHAPTERS = (Chapter(0, "Intro"), Chapter(750, "Q&A"))


def test_chapters_are_one_change_showing_the_list_diff():
    desired = desired_state(entry(chapters=(Chapter(0, "Intro"), Chapter(300, "Part 1"))))
    video = live(chapters=(Chapter(0, "Intro"), Chapter(300, "Part one"), Chapter(900, "End")))
    plan = plan_for(desired, video)
    update = only_update(plan)
    (change,) = update.changes
    assert change.field == "chapters" and update.chapters == desired.videos["a"].chapters
    assert update.marker is None  # no description PUT: chapters have their own endpoint
    text = render_plans([plan], Format.text)
    assert "        ~ 05:00 Part one → Part 1" in text and "        - 15:00 End" in text
    assert "00:00 Intro" not in text  # unchanged chapters are not listed


def test_empty_chapters_clear_them_and_unset_chapters_are_never_compared():
    clear = desired_state(entry(chapters=()))
    update = only_update(plan_for(clear, live(chapters=CHAPTERS)))
    assert update.chapters == () and "chapters: all removed" in render_plans(
        [plan_for(clear, live(chapters=CHAPTERS))], Format.text
    )
    unmanaged = desired_state(entry())
    assert plan_for(unmanaged, live()).changes == ()  # chapters None: not fetched, not compared


def test_a_chapter_after_the_end_of_the_video_is_a_problem():
    desired = desired_state(entry(chapters=CHAPTERS))
    with pytest.raises(ManifestError, match=r"chapters at 12:30 start after the end .*\(10:00\)"):
        plan_for(desired, live(chapters=CHAPTERS, duration=600))


def test_a_description_change_that_would_rederive_chapters_puts_them_back():
    """PeerTube replaces chapters derived from the old description with the new one's."""
    text = "00:00 Intro\n12:30 Q&A"
    desired = desired_state(entry(chapters=CHAPTERS, fields={"name": "A", "description": "New"}))
    video = dataclasses.replace(
        live(chapters=CHAPTERS), fields={**live().fields, "description": text}
    )
    update = only_update(plan_for(desired, video))
    assert [c.field for c in update.changes] == ["description"] and update.chapters == CHAPTERS
    explicit = dataclasses.replace(video, chapters=(Chapter(0, "Start"),))
    mine = desired_state(
        entry(chapters=(Chapter(0, "Start"),), fields={"name": "A", "description": "New"})
    )
    assert only_update(plan_for(mine, explicit)).chapters is None  # not derived: left alone


def test_create_puts_chapters_unless_the_description_already_derives_them():
    same = desired_state(
        entry(chapters=CHAPTERS, fields={"name": "A", "description": "00:00 Intro\n12:30 Q&A"})
    )
    (create,) = plan_for(same).of(CreateVideo)
    assert create.chapters is None
    other = desired_state(entry(chapters=CHAPTERS))
    (create,) = plan_for(other).of(CreateVideo)
    assert create.chapters == CHAPTERS


# ------------------------------------------------------------------------------- passwords

SECRET = PasswordsRef("LECTURE_PASSWORDS", pw.digest(["first-pass", "second-pass"]))


def protected(**extra):
    return entry(passwords=SECRET, fields={"name": "A", "privacy": 5}, **extra)


def test_passwords_compared_by_digest_and_never_shown():
    same = live(
        fields={"name": "A", "privacy": 5}, password_digest=pw.digest(["second-pass", "first-pass"])
    )
    assert plan_for(desired_state(protected()), same).changes == ()
    other = dataclasses.replace(same, password_digest=pw.digest(["first-pass"]))
    plan = plan_for(desired_state(protected()), other)
    update = only_update(plan)
    assert [(c.field, c.old, c.new) for c in update.changes] == [("passwords", None, "changed")]
    assert update.passwords_env == "LECTURE_PASSWORDS" and update.password_protected
    for fmt in Format:
        rendered = render_plans([plan], fmt)
        assert "first-pass" not in rendered and SECRET.digest not in rendered
    assert "passwords: changed (not shown)" in render_plans([plan], Format.text)


def test_privacy_changes_to_and_from_password_protected():
    to = only_update(plan_for(desired_state(protected()), live(fields={"name": "A", "privacy": 1})))
    assert [c.field for c in to.changes] == ["privacy", "passwords"] and to.passwords_env
    away = desired_state(entry(fields={"name": "A", "privacy": 1}))
    back = only_update(plan_for(away, live(fields={"name": "A", "privacy": 5})))
    assert [c.field for c in back.changes] == ["privacy"] and not back.password_protected


def test_password_protected_needs_passwords_unless_it_already_is():
    bare = desired_state(entry(fields={"name": "A", "privacy": 5}))
    with pytest.raises(ManifestError, match="needs its passwords"):
        plan_for(bare)  # a create
    with pytest.raises(ManifestError, match="needs its passwords"):
        plan_for(bare, live(fields={"name": "A", "privacy": 1}))
    kept = live(fields={"name": "Old", "privacy": 5})
    update = only_update(plan_for(desired_state(entry(fields={"name": "A", "privacy": 5})), kept))
    assert update.password_protected and update.passwords_env is None  # resends the live ones


def test_a_password_protected_create_is_planned():
    (create,) = plan_for(desired_state(protected())).of(CreateVideo)
    assert create.passwords_env == "LECTURE_PASSWORDS" and create.fields["privacy"] == 5


# ------------------------------------------------------------------------------- release


def released(**extra):
    return entry(lifecycle=Lifecycle.UNMANAGED, **extra)


def test_release_removes_only_the_marker():
    video = dataclasses.replace(
        live(fields={"name": "Theirs now", "category": 15}),
        fields={
            **live(fields={"name": "Theirs now", "category": 15}).fields,
            "description": "Keep me.",
        },
    )
    plan = plan_for(desired_state(released(fields={"name": "Other", "category": 2})), video)
    update = only_update(plan)
    assert update.release and update.description == "Keep me." and update.marker is None
    assert [(c.field, c.old, c.new) for c in update.changes] == [("marker", "nisv/a", None)]
    assert "  ~ release a  " in render_plans([plan], Format.text)
    assert "✏️ release" in render_plans([plan], Format.markdown)


def test_a_released_entry_is_then_ignored_and_never_created():
    unmarked = dataclasses.replace(live(), marker=None, marker_at_start=False)
    desired = desired_state(released(fields={"name": "A", "category": 2}))
    plan = plan_for(desired, unmarked)
    assert plan.changes == () and plan.unchanged == 0
    assert plan_for(desired).changes == ()  # no video at all: nothing to create


def test_prune_never_counts_or_deletes_a_released_video():
    desired = desired_state(released(), *(entry(f"k{i}") for i in range(10)))
    videos = [live("a"), *(live(f"k{i}") for i in range(10))]
    plan = plan_for(desired, *videos, prune=True)
    assert plan.of(DeleteVideo) == [] and plan.managed_total == 10
    assert [s.count for s in shares(plan, Thresholds()) if s.what == "update"] == [0]


def test_copies_of_a_released_video_are_released_not_deleted():
    desired = desired_state(released())
    plan = plan_for(desired, live("a"), live("a"))
    assert plan.of(DeleteVideo) == [] and len(plan.of(UpdateVideo)) == 2
    assert all(u.release for u in plan.of(UpdateVideo))


def test_a_release_needs_the_full_description_only_when_the_list_cut_it():
    desired = desired_state(released())
    cut = live()
    cut = dataclasses.replace(
        cut, fields={k: v for k, v in cut.fields.items() if k != "description"}
    )
    assert detail_needed(desired, match(desired, LiveState((cut,)))) == {cut.uuid}
    whole = live()
    assert detail_needed(desired, match(desired, LiveState((whole,)))) == set()
