import pytest

from ptsync.marker import Marker
from ptsync.plan.changes import FieldChange
from ptsync.plan.diff import UnknownLiveValue, diff_fields, diff_files
from tests.plan.factories import desired_video, live_video


def test_equal_after_normalising_is_no_change():
    live = live_video(
        detailed=True,
        name="Title",
        tags=("b", "a"),
        originallyPublishedAt="2020-01-02T00:00:00.000Z",
    )
    desired = {"name": "  Title ", "tags": ["a", "b", "a"], "originallyPublishedAt": "2020-01-02"}
    assert diff_fields(desired, live) == ()


def test_changed_fields_in_catalogue_order_with_old_and_new():
    live = live_video(category=15, name="Old")
    changes = diff_fields({"category": 2, "name": "New"}, live)
    assert changes == (FieldChange("name", "Old", "New"), FieldChange("category", 15, 2))


def test_comparing_an_unfetched_detail_field_is_a_bug():
    with pytest.raises(UnknownLiveValue):
        diff_fields({"tags": ["a"]}, live_video())


def test_null_clears_and_none_equals_unset():
    live = live_video(category=3)
    assert diff_fields({"category": None}, live) == (FieldChange("category", 3, None),)
    assert diff_fields({"licence": None}, live_video()) == ()


def test_files_compared_through_marker_annotations():
    entry = desired_video(
        "a", url="https://x.org/a.mp4", thumbnail="thumb.jpg", captions={"en": "en.vtt"}
    )
    applied = Marker(
        "nisv",
        "a",
        {
            "src": entry.source.digest,
            "thumb": entry.thumbnail.digest,
            "cap.en": entry.captions[0].digest,
            "cap.fr": "0123456789",
        },
    )
    result = diff_files(entry, applied)
    assert result.captions_put == ()
    assert result.captions_delete == ("fr",)
    assert [c.field for c in result.changes] == ["captions.fr"]
    assert "cap.fr" not in result.annotations and result.annotations["cap.en"]


def test_new_file_hashes_and_changed_source():
    entry = desired_video("a", url="https://x.org/new.mp4", thumbnail="t.jpg")
    result = diff_files(entry, Marker("nisv", "a", {"src": "0000000000"}))
    assert result.thumbnail_changed and result.source_changed
    assert [c.field for c in result.changes] == ["thumbnail", "source"]
