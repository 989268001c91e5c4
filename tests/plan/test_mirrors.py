"""Mirrors planned from plain values: entries as desired videos (precedence, curation), which
owned videos are gone upstream and which a listing holds, playlists naming mirrored ids."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

from ptsync.marker import Marker
from ptsync.plan.changes import NoticeKind
from ptsync.plan.mirrors import classify, entry_name, expand, known_elements, namespace
from ptsync.plan.rules import effective_fields
from ptsync.sourceref import SourceRef
from ptsync.state import (
    DesiredMirror,
    DesiredPlaylist,
    DesiredState,
    DesiredVideo,
    LiveVideo,
    MirrorOutcome,
    Rule,
    RuleMatch,
    UpstreamEntry,
    UrlSource,
)

FEED = "https://podcasts.example.org/feed.xml"
MIRROR_REF = SourceRef("m.yaml", 9, 9, "channels[0].mirrors[0].url")
MIRROR = DesiredMirror(
    channel="lectures",
    url=FEED,
    ref=MIRROR_REF,
    fields={"privacy": 1, "category": 13, "licence": 2, "channel": "lectures"},
    field_refs={
        "privacy": SourceRef("m.yaml", 3, 11, "defaults.privacy"),
        "category": SourceRef("m.yaml", 7, 20, "channels[0].defaults.category"),
        "licence": SourceRef("m.yaml", 7, 40, "channels[0].defaults.licence"),
        "channel": SourceRef("m.yaml", 8, 7, "channels[0].mirrors[0]"),
    },
)


def entry(n: int, *, day: int | None = None, title: str | None = "auto") -> UpstreamEntry:
    when = datetime(2026, 1, day or n, tzinfo=UTC)
    return UpstreamEntry(
        external_id=f"feed:ep-{n}",
        import_url=f"https://podcasts.example.org/ep-{n}.mp4",
        title=f"Episode {n}" if title == "auto" else title,
        published=when,
        match_urls=(f"https://podcasts.example.org/ep-{n}.mp4",),
    )


def state(*videos: DesiredVideo, mirrors=(MIRROR,)) -> DesiredState:
    return DesiredState(
        "https://v.example.org", "nisv", {v.external_id: v for v in videos}, mirrors=mirrors
    )


def live(ext_id: str, *, channel: str = "lectures", up: float | None = None) -> LiveVideo:
    annotations = {"up": str(int(up))} if up is not None else {}
    return LiveVideo(
        id=1,
        uuid=f"uuid-{ext_id}",
        short_uuid="",
        url="",
        name=ext_id,
        channel=channel,
        updated_at="",
        state=1,
        state_label="Published",
        marker=Marker("nisv", ext_id, annotations),
        marker_at_start=True,
        fields={"name": ext_id},
    )


def test_each_entry_is_a_desired_video_created_by_url_import_with_the_channels_fields():
    mirrored = expand(state(), [MirrorOutcome(MIRROR, (entry(1), entry(2)))])
    video = mirrored.desired.videos["feed:ep-1"]
    assert video.source == UrlSource("https://podcasts.example.org/ep-1.mp4")
    assert dict(video.fields) == {
        "privacy": 1,
        "category": 13,
        "licence": 2,
        "channel": "lectures",
        "name": "Episode 1",
    }
    assert video.mirror is not None and video.mirror.url == FEED
    assert video.mirror.published == datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    assert list(mirrored.desired.videos) == ["feed:ep-1", "feed:ep-2"]
    assert mirrored.notices == ()


def test_a_videos_entry_with_the_same_id_curates_its_own_keys_win():
    curation = DesiredVideo(
        external_id="feed:ep-1",
        ref=SourceRef("m.yaml", 20, 5, "videos[0]"),
        fields={"privacy": 1, "name": "A better title", "category": 15},
        field_refs={
            "privacy": SourceRef("m.yaml", 3, 11, "defaults.privacy"),  # inherited: not its own
            "name": SourceRef("m.yaml", 21, 11, "videos[0].name"),
            "category": SourceRef("m.yaml", 22, 15, "videos[0].category"),
        },
        curates=True,
    )
    mirrored = expand(state(curation), [MirrorOutcome(MIRROR, (entry(1),))])
    video = mirrored.desired.videos["feed:ep-1"]
    assert video.fields["name"] == "A better title" and video.fields["category"] == 15
    assert video.fields["licence"] == 2  # the channel's defaults still apply
    assert video.source == UrlSource("https://podcasts.example.org/ep-1.mp4")
    assert video.ref.path == "videos[0]" and not video.curates
    assert video.field_refs["name"].path == "videos[0].name"


def test_rules_win_over_channel_defaults_and_lose_to_the_entrys_own_fields():
    rule = Rule(RuleMatch(all=True), {"category": 2, "licence": 7}, SourceRef("m.yaml", 30, 5))
    plain = expand(state(), [MirrorOutcome(MIRROR, (entry(1),))]).desired.videos["feed:ep-1"]
    fields = effective_fields(plain, [rule], None)
    assert (fields["category"], fields["licence"]) == (2, 7)  # over channels[0].defaults
    curation = DesiredVideo(
        "feed:ep-1",
        SourceRef("m.yaml", 20, 5, "videos[0]"),
        {"licence": 4},
        {"licence": SourceRef("m.yaml", 21, 5, "videos[0].licence")},
        curates=True,
    )
    curated = expand(state(curation), [MirrorOutcome(MIRROR, (entry(1),))]).desired
    fields = effective_fields(curated.videos["feed:ep-1"], [rule], None)
    assert (fields["category"], fields["licence"]) == (2, 4)  # its own field wins over rules


def test_names_fit_peertube_and_a_missing_title_names_the_video_by_its_id():
    assert entry_name(entry(1, title="  Tab\tand\nnew line  ")) == "Tab and new line"
    long = entry_name(entry(1, title="x" * 300))
    assert len(long) == 120 and long.endswith("…")
    assert entry_name(entry(1, title=None)) == "feed:ep-1"
    assert entry_name(entry(1, title="ab")) == "feed:ep-1"  # PeerTube wants 3 characters


def test_a_failed_listing_is_one_notice_and_contributes_nothing():
    failed = MirrorOutcome(MIRROR, failure=f"{FEED}: unreachable: HTTP 503")
    mirrored = expand(state(), [failed])
    assert mirrored.desired.videos == {}
    (notice,) = mirrored.notices
    assert notice.kind is NoticeKind.MIRROR_FAILED and notice.ref == MIRROR_REF
    assert "HTTP 503" in notice.message and "nothing is created or deleted" in notice.message


def test_skipped_entries_are_one_line_each_then_counted():
    problems = tuple(f"{FEED}: entry #{i}: private" for i in range(25))
    mirrored = expand(state(), [MirrorOutcome(MIRROR, (entry(1),), problems)])
    lines = [n.message for n in mirrored.notices]
    assert len(lines) == 21 and lines[0] == f"skipped: {FEED}: entry #0: private"
    assert lines[-1] == f"5 more entries of mirror {FEED} skipped"
    assert {n.kind for n in mirrored.notices} == {NoticeKind.MIRROR_ENTRY}


def test_an_id_two_mirrors_list_belongs_to_the_first():
    other = DesiredMirror("talks", "https://example.org/other.xml", SourceRef("m.yaml", 12, 9))
    outcomes = [MirrorOutcome(MIRROR, (entry(1),)), MirrorOutcome(other, (entry(1), entry(2)))]
    mirrored = expand(state(mirrors=(MIRROR, other)), outcomes)
    assert mirrored.desired.videos["feed:ep-1"].fields["channel"] == "lectures"
    (notice,) = mirrored.notices
    assert "feed:ep-1 also listed by the mirror at m.yaml:9:9" in notice.message


def test_namespaces():
    assert namespace("youtube:dQw4w9WgXcQ") == "youtube:"
    assert namespace("feed:tag:example.org,2026:1") == "feed:"
    assert namespace("peertube:v.example.org:9c9de5e8") == "peertube:v.example.org:"


def test_videos_a_full_listing_no_longer_names_are_gone_a_failed_one_holds_all():
    listed = expand(state(), [MirrorOutcome(MIRROR, (entry(1),))])
    gone = live("feed:ep-9")
    elsewhere = live("feed:ep-8", channel="talks")  # another channel: not this mirror's
    plain = live("intro-video")  # not a mirrored id
    sorted_ = classify(listed.scopes, [gone, elsewhere, plain])
    assert set(sorted_.gone) == {gone.uuid} and sorted_.held == frozenset()
    assert sorted_.gone[gone.uuid] == (FEED, MIRROR_REF)

    failed = expand(state(), [MirrorOutcome(MIRROR, failure="x: unreachable: down")])
    held = classify(failed.scopes, [gone, elsewhere, plain])  # a curated one may have moved
    assert held.gone == {} and held.held == frozenset({gone.uuid, elsewhere.uuid})


def test_a_cut_window_holds_what_it_cannot_see():
    window = MirrorOutcome(
        DesiredMirror(**{**MIRROR.__dict__, "limit": 2}),
        (entry(5, day=5), entry(4, day=4)),
    )
    scopes = expand(state(), [window]).scopes
    assert scopes[0].bound == datetime(2026, 1, 4, tzinfo=UTC).timestamp()
    newer = live("feed:ep-9", up=datetime(2026, 1, 4, 12, tzinfo=UTC).timestamp())
    older = live("feed:ep-1", up=datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    unknown = live("feed:ep-2")  # adopted, no upstream date: may be older
    found = classify(scopes, [newer, older, unknown])
    assert set(found.gone) == {newer.uuid}
    assert found.held == frozenset({older.uuid, unknown.uuid})


def test_since_bounds_the_window_and_a_short_listing_is_whole():
    since = MirrorOutcome(DesiredMirror(**{**MIRROR.__dict__, "since": date(2026, 1, 3)}))
    (scope,) = expand(state(), [since]).scopes
    assert scope.bound == datetime(2026, 1, 3, tzinfo=UTC).timestamp()
    whole = MirrorOutcome(DesiredMirror(**{**MIRROR.__dict__, "limit": 10}), (entry(1),))
    (scope,) = expand(state(), [whole]).scopes
    assert scope.bound == -math.inf


def test_a_private_entry_is_held_not_gone():
    outcome = MirrorOutcome(
        MIRROR, (entry(1),), (f"{FEED}: entry x: private",), skipped=frozenset({"feed:ep-7"})
    )
    found = classify(expand(state(), [outcome]).scopes, [live("feed:ep-7")])
    assert found.gone == {} and found.held == frozenset({"uuid-feed:ep-7"})


def test_playlists_leave_out_mirrored_ids_nothing_lists_or_holds():
    playlist = DesiredPlaylist(
        "best", SourceRef("m.yaml", 40, 5, "playlists[0]"), {}, ("feed:ep-1", "feed:ep-9")
    )
    (kept,), (notice,) = known_elements([playlist], ["feed:ep-1"])
    assert kept.videos == ("feed:ep-1",)
    assert notice.kind is NoticeKind.NOT_LISTED and "feed:ep-9" in notice.message
    (same,), none = known_elements([playlist], ["feed:ep-1", "feed:ep-9"])
    assert same is playlist and none == []
