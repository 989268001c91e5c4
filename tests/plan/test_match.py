from ptsync.plan.match import (
    match,
    parse_upload_filename,
    upload_filename,
)
from ptsync.state import LiveImport, LiveState
from tests.plan.factories import SYSTEM, desired_state, desired_video, live_video


def _import(id_: int, url: str, state: int, video_uuid: str | None, error: str | None = None):
    labels = {1: "Pending", 2: "Success", 3: "Failed", 6: "Processing"}
    return LiveImport(id_, url, state, labels[state], error, video_uuid, "", "")


def test_marker_match_wins_and_extra_copies_are_reported():
    first = live_video(external_id="a")
    second = live_video(external_id="a")
    result = match(desired_state(desired_video("a")), LiveState((second, first)))
    assert result.matches[0].live is first  # the oldest (lowest id) is the managed one
    assert result.matches[0].by == "marker"
    assert result.extra_copies == ((first, second),)
    assert result.unlisted == ()


def test_other_systems_markers_do_not_match():
    video = live_video(external_id="a", system="other")
    result = match(
        desired_state(desired_video("a", url="https://x.org/a.mp4")), LiveState((video,))
    )
    assert result.matches[0].live is None
    assert result.unlisted == (video,)


def test_pinned_uuid_adopts_and_unknown_uuid_is_a_problem():
    video = live_video(uuid="11111111-1111-4111-8111-111111111111")
    ok = match(desired_state(desired_video("a", uuid=video.uuid)), LiveState((video,)))
    assert (ok.matches[0].live, ok.matches[0].by) == (video, "uuid")
    missing = match(
        desired_state(desired_video("a", uuid="22222222-2222-4222-8222-222222222222")),
        LiveState((video,)),
    )
    assert "is not one of your videos" in missing.problems[0].message


def test_pinned_uuid_already_managed_under_another_id_is_refused():
    video = live_video(external_id="b")
    result = match(desired_state(desired_video("a", uuid=video.uuid)), LiveState((video,)))
    assert "already carries marker nisv/b" in result.problems[0].message
    assert result.orphans == (video,)


def test_import_target_url_finds_a_video_whose_marker_was_removed():
    video = live_video()
    url = "https://archive.example.org/a.mp4"
    live = LiveState((video,), imports=(_import(4, url, 2, video.uuid),))
    result = match(desired_state(desired_video("a", url=url)), live)
    assert (result.matches[0].live, result.matches[0].by) == (video, "import")


def test_failed_import_is_attached_for_a_retry():
    url = "https://archive.example.org/a.mp4"
    live = LiveState(
        (), imports=(_import(1, url, 3, None, "boom"), _import(2, url, 3, None, "late"))
    )
    found = match(desired_state(desired_video("a", url=url)), live).matches[0]
    assert found.live is None
    assert found.failed_import is not None and found.failed_import.id == 2


def test_upload_filename_round_trip_and_filename_match():
    name = upload_filename(SYSTEM, "lecture-7", "lecture 7.final.mp4")
    assert name == "lecture 7.final~ptsync~nisv~lecture-7~.mp4"
    assert parse_upload_filename(name) == (SYSTEM, "lecture-7")
    assert parse_upload_filename("holiday.mp4") is None
    video = live_video(name="Lecture 7")
    live = LiveState((video,), upload_filenames={video.uuid: name})
    result = match(desired_state(desired_video("lecture-7", file="l.mp4", name="Lecture 7")), live)
    assert result.matches[0].by == "filename"


def test_orphans_are_marked_videos_absent_from_the_manifest():
    keep, gone = live_video(external_id="keep"), live_video(external_id="gone")
    result = match(desired_state(desired_video("keep")), LiveState((keep, gone)))
    assert result.orphans == (gone,)
