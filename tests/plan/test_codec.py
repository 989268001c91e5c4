"""Saved plans: every change kind and notice comes back from a plan file exactly as planned,
in apply order, and the documented ``--format json`` shape of video changes stays as it was."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import pytest

from ptsync.errors import PlanFileError
from ptsync.marker import Marker
from ptsync.plan.changes import (
    APPLY_ORDER,
    KINDS,
    Action,
    Change,
    CreateChannel,
    CreateMethod,
    CreatePlaylist,
    CreateSync,
    CreateVideo,
    DeletePlaylist,
    DeleteSync,
    DeleteVideo,
    FieldChange,
    MatchedBy,
    Notice,
    NoticeKind,
    Plan,
    Resource,
    UpdateChannel,
    UpdatePlaylist,
    UpdateSync,
    UpdateVideo,
)
from ptsync.plan.codec import plan_from_dict, plan_to_dict
from ptsync.sourceref import SourceRef
from ptsync.state import CaptionFile, Chapter, LocalFile, Schedule
from ptsync.store import planfile

U1 = "9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11"
U2 = "5e1f0000-0000-4000-8000-000000000001"
REF = SourceRef("manifests/a.yaml", 12, 5, "videos[3]")
THUMB = LocalFile(Path("thumbs/v1.jpg"), "0123456789")
CAPTION = CaptionFile("en", Path("captions/v1.en.vtt"), "77aa01bc3d")
WHEN = "2026-01-01T00:00:01.000Z"

# One of every kind, every field set to something other than its default, so a round trip
# proves each field is written and read back. ``Any`` values are JSON values (lists, not tuples).
SAMPLES: list[Change] = [
    CreateChannel("lectures", {"displayName": "Lectures", "description": "Recorded."}),
    UpdateChannel("talks", (FieldChange("displayName", "Talks", "All talks"),)),
    CreateSync("lectures", "https://www.youtube.com/@uni", 2, REF.at("channels[0]"), replaces=4),
    UpdateSync(
        5,
        "lectures",
        "https://videos.example.org/feed.xml",
        (31, 32),
        (FieldChange("import #31", "failed: 404", "retry"),),
    ),
    DeleteSync(
        4, "lectures", "https://www.youtube.com/@uni", "replaced: privacy Public → Unlisted"
    ),
    CreateVideo(
        external_id="v1",
        method=CreateMethod.UPLOAD,
        source="media/v1.mp4",
        source_digest="abcdef0123",
        fields={"name": "Video one", "tags": ["archive", "science"], "privacy": 1},
        marker=Marker("nisv", "v1", {"src": "abcdef0123"}),
        ref=REF,
        source_size=1234,
        thumbnail=THUMB,
        captions=(CAPTION,),
        reason="retry: import #3 failed: 404",
        chapters=(Chapter(0, "Intro"), Chapter(750, "Q&A")),
        schedule=Schedule("2027-01-15T08:00:00.000Z", 1),
        passwords_env="LECTURE_PASSWORDS",
        mirror="https://www.youtube.com/@uni/videos",
    ),
    UpdateVideo(
        uuid=U1,
        name="Old name",
        updated_at=WHEN,
        changes=(
            FieldChange("marker", None, "nisv/v2"),
            FieldChange("name", "Old name", "Video two"),
            FieldChange("tags", ["x"], ["a", "b"]),
        ),
        external_id="v2",
        ref=REF.at("videos[4]", 20, 5),
        matched_by=MatchedBy.FILENAME,
        marker=Marker("nisv", "v2", {"thumb": "0123456789", "cap.en": "77aa01bc3d"}),
        description="First line.\n\nSecond | line.",
        thumbnail=THUMB,
        captions_put=(CAPTION,),
        captions_delete=("fr",),
        source_file="https://archive.example.org/v2.mp4",
        password_protected=True,
        retry_import=12,
        chapters=(),
        schedule=Schedule("2027-02-01T10:30:00.000Z", 2),
        unschedule=True,
        passwords_env="LECTURE_PASSWORDS",
        release=True,
    ),
    DeleteVideo(
        uuid=U2,
        name="Gone",
        updated_at=WHEN,
        external_id="v3",
        reason="extra copy",
        duplicate_of=U1,
    ),
    CreatePlaylist(
        external_id="best",
        fields={"displayName": "Best", "privacy": 1, "channel": "lectures"},
        marker=Marker("nisv", "best", {"thumb": "0123456789"}),
        videos=("v1", "v2"),
        uuids=(None, U1),
        thumbnail=THUMB,
    ),
    UpdatePlaylist(
        external_id="more",
        uuid="7f1c0000-0000-4000-8000-000000000007",
        fields={"displayName": "More", "description": "All of it."},
        marker=Marker("nisv", "more"),
        changes=(FieldChange("displayName", "Less", "More"),),
        ops=(f"remove {U2}", "add v1", "move v2"),
        videos=("v2", "v1"),
        uuids=(U1, None),
        thumbnail=THUMB,
    ),
    DeletePlaylist(external_id="old", uuid="9f1c0000-0000-4000-8000-000000000009"),
]
NOTICES = (
    Notice(NoticeKind.POSSIBLE_DUPLICATE, "not creating v9: same name", "v9", REF),
    Notice(NoticeKind.QUOTA, "the uploads exceed your quota"),
)


# The keys of video changes in ``--format json`` before changes became one hierarchy.
DOCUMENTED = {
    "create": {
        "action", "external_id", "method", "source", "source_digest", "source_size", "name",
        "fields", "marker", "location", "thumbnail", "captions", "reason",
        "chapters", "schedule", "passwords_env",
    },
    "update": {
        "action", "external_id", "uuid", "name", "updated_at", "matched_by", "location",
        "changes", "marker", "description", "thumbnail", "captions_put", "captions_delete",
        "source_file", "password_protected", "retry_import",
        "chapters", "schedule", "unschedule", "passwords_env", "release",
    },
    "delete": {"action", "external_id", "uuid", "name", "updated_at", "reason", "duplicate_of"},
}  # fmt: skip


def a_plan(changes, notices=()) -> Plan:
    return Plan(
        "https://videos.example.org",
        "nisv",
        tuple(changes),
        unchanged=3,
        notices=tuple(notices),
        labels={"privacy": {"1": "Public"}},
        managed_total=5,
        rule_matched=2,
    )


def through_a_file(plan: Plan, tmp_path: Path) -> Plan:
    path = tmp_path / "plan.json"
    planfile.save(path, ["manifests/"], [planfile.SavedGroup("digest", plan)])
    (group,) = planfile.load(path).groups
    return group.plan


def test_the_samples_cover_every_kind_and_every_field():
    assert sorted(type(c).__name__ for c in SAMPLES) == sorted(k.__name__ for k in KINDS)
    assert len({(k.resource, k.action) for k in KINDS}) == len(KINDS)
    assert set(Change.__subclasses__()) == set(KINDS)  # a new kind is listed, so it is read back
    for change in SAMPLES:
        for f in dataclasses.fields(change):
            if f.default is not dataclasses.MISSING:
                assert getattr(change, f.name) != f.default, (type(change).__name__, f.name)


@pytest.mark.parametrize("change", SAMPLES, ids=lambda c: type(c).__name__)
def test_every_change_kind_round_trips_through_a_saved_plan_file(change, tmp_path):
    plan = a_plan([change])
    again = through_a_file(plan, tmp_path)
    assert again == plan
    (back,) = again.changes
    assert type(back) is type(change) and back == change


def test_a_plan_of_every_kind_with_notices_round_trips(tmp_path):
    plan = a_plan(SAMPLES, NOTICES)
    assert through_a_file(plan, tmp_path) == plan
    assert plan_from_dict(json.loads(json.dumps(plan_to_dict(plan)))) == plan


def test_notices_keep_their_ref(tmp_path):
    again = through_a_file(a_plan([], NOTICES), tmp_path)
    assert [n.ref for n in again.notices] == [REF, None]
    assert [n.kind for n in again.notices] == [NoticeKind.POSSIBLE_DUPLICATE, NoticeKind.QUOTA]


def test_shuffled_changes_are_ordered_channels_then_videos_then_playlists(tmp_path):
    shuffled = list(SAMPLES)
    random.Random(7).shuffle(shuffled)
    plan = a_plan(shuffled)
    for ordered in (plan, through_a_file(plan, tmp_path)):
        kinds = [c.resource for c in ordered.changes]
        assert kinds == sorted(kinds, key=APPLY_ORDER.index)
        assert [APPLY_ORDER.index(k) for k in dict.fromkeys(kinds)] == [0, 1, 2, 3]
        assert [c.action for c in ordered.of_resource(Resource.VIDEO)] == list(Action)
        assert [c.action for c in ordered.of_resource(Resource.PLAYLIST)] == list(Action)
        assert ordered.videos == ordered.of_resource(Resource.VIDEO)
        assert [c.action for c in ordered.of_resource(Resource.SYNC)] == list(Action)
        assert ordered.resources == (
            *ordered.of_resource(Resource.CHANNEL),
            *ordered.of_resource(Resource.PLAYLIST),
            *ordered.of_resource(Resource.SYNC),
        )
    assert (plan.summary.create, plan.summary.update, plan.summary.delete) == (4, 4, 3)


def test_video_changes_keep_the_documented_json_shape():
    doc = plan_to_dict(a_plan(SAMPLES, NOTICES))
    create, update, delete = doc["changes"]
    assert set(create) >= DOCUMENTED["create"]
    assert set(update) >= DOCUMENTED["update"]
    assert set(delete) >= DOCUMENTED["delete"]
    assert "resource" not in create and "ref" not in create
    assert (create["action"], create["method"], create["name"]) == ("create", "upload", "Video one")
    assert create["marker"] == "<!-- ptsync:nisv/v1 src=abcdef0123 -->"
    assert create["location"] == "manifests/a.yaml:12:5:videos[3]"
    assert create["thumbnail"] == {"path": "thumbs/v1.jpg", "digest": "0123456789"}
    assert create["captions"] == [
        {"language": "en", "path": "captions/v1.en.vtt", "digest": "77aa01bc3d"}
    ]
    assert update["matched_by"] == "filename"
    assert update["changes"][1] == {"field": "name", "old": "Old name", "new": "Video two"}
    assert doc["notices"][0] == {
        "kind": "possible-duplicate",
        "message": "not creating v9: same name",
        "external_id": "v9",
        "location": "manifests/a.yaml:12:5:videos[3]",
    }


def test_resource_changes_are_typed_in_json():
    doc = plan_to_dict(a_plan(SAMPLES))
    by_key = {(r["resource"], r["action"]): r for r in doc["resources"]}
    assert [(r["resource"], r["action"]) for r in doc["resources"]] == [
        ("channel", "create"),
        ("channel", "update"),
        ("playlist", "create"),
        ("playlist", "update"),
        ("playlist", "delete"),
        ("sync", "create"),
        ("sync", "update"),
        ("sync", "delete"),
    ]
    assert by_key["sync", "create"] == {
        "action": "create",
        "resource": "sync",
        "key": "lectures ← https://www.youtube.com/@uni",
        "channel": "lectures",
        "url": "https://www.youtube.com/@uni",
        "privacy": 2,
        "location": "manifests/a.yaml:12:5:channels[0]",
        "replaces": 4,
        "changes": [
            {"field": "url", "old": None, "new": "https://www.youtube.com/@uni"},
            {"field": "privacy", "old": None, "new": 2},
        ],
        "ops": [
            "replaces sync #4 (no update route: delete + create)",
            "backfill: import the source's videos (import-videos)",
        ],
    }
    assert by_key["sync", "update"]["retry_imports"] == [31, 32]
    assert by_key["sync", "delete"]["ops"] == [
        "sync #4: replaced: privacy Public → Unlisted (its videos stay)"
    ]
    assert by_key["channel", "create"] == {
        "action": "create",
        "resource": "channel",
        "key": "lectures",
        "name": "lectures",
        "fields": {"displayName": "Lectures", "description": "Recorded."},
        "changes": [
            {"field": "displayName", "old": None, "new": "Lectures"},
            {"field": "description", "old": None, "new": "Recorded."},
        ],
        "ops": [],
    }
    created = by_key["playlist", "create"]
    assert created["marker"] == "<!-- ptsync:nisv/best thumb=0123456789 -->"
    assert (created["videos"], created["uuids"], created["ops"]) == (
        ["v1", "v2"],
        [None, U1],
        ["add v1", "add v2"],
    )
    updated = by_key["playlist", "update"]
    assert (updated["key"], updated["uuid"], updated["ops"][0]) == (
        "more",
        "7f1c0000-0000-4000-8000-000000000007",
        f"remove {U2}",
    )
    assert by_key["playlist", "delete"] == {
        "action": "delete",
        "resource": "playlist",
        "key": "old",
        "external_id": "old",
        "uuid": "9f1c0000-0000-4000-8000-000000000009",
        "changes": [],
        "ops": [],
    }


def test_a_plan_file_of_the_old_format_is_refused_with_re_run_plan(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"kind": "ptsync-plan", "format_version": 1, "groups": []}))
    with pytest.raises(PlanFileError, match=r"plan file format 1.*re-run plan"):
        planfile.load(path)


@pytest.mark.parametrize(
    ("section", "edit", "where"),
    [
        ("changes", {"marker": "no marker here"}, "changes[0].marker"),
        ("changes", {"method": "carrier-pigeon"}, "changes[0].method"),
        ("changes", {"source_size": "big"}, "changes[0].source_size"),
        ("changes", {"captions": [{"language": "en"}]}, "changes[0].captions[0]"),
        ("resources", {"uuid": None}, "resources[0].uuid"),
        ("resources", {"action": "rename"}, "resources[0]"),
    ],
)
def test_a_corrupt_value_is_refused_naming_its_place(section, edit, where):
    chosen = [SAMPLES[5]] if section == "changes" else [SAMPLES[-1]]
    doc = plan_to_dict(a_plan(chosen))
    doc[section][0].update(edit)
    with pytest.raises(PlanFileError, match="incomplete or corrupt") as caught:
        plan_from_dict(doc)
    assert where in str(caught.value)


def test_chapters_schedule_and_passwords_are_plain_json_and_never_values():
    doc = plan_to_dict(a_plan(SAMPLES))
    create, update, _ = doc["changes"]
    assert create["chapters"] == [
        {"timecode": 0, "title": "Intro"},
        {"timecode": 750, "title": "Q&A"},
    ]
    assert create["schedule"] == {"update_at": "2027-01-15T08:00:00.000Z", "privacy": 1}
    assert create["passwords_env"] == "LECTURE_PASSWORDS"  # the variable's name, not its values
    assert (update["chapters"], update["unschedule"], update["release"]) == ([], True, True)
