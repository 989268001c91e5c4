"""Channel syncs planned from plain values: create, keep, replace (no update route), prune,
retry failed imports up to the server's attempts, and one line when the instance refuses."""

from __future__ import annotations

from ptsync.plan.changes import CreateSync, DeleteSync, NoticeKind, UpdateSync
from ptsync.plan.syncs import SyncRules, plan_syncs
from ptsync.sourceref import SourceRef
from ptsync.state import DesiredChannel, DesiredMirror, DesiredState, LiveImport, LiveSync

URL = "https://www.youtube.com/@another"
REF = SourceRef("m.yaml", 9, 14, "channels[0].mirrors[0].url")
V83 = SyncRules(privacy=True, retry=True, max_attempts=5)
V63 = SyncRules()


def desired(*, privacy: int | None = 2, mirrors: bool = True) -> DesiredState:
    fields = {"privacy": privacy} if privacy else {}
    declared = (DesiredMirror("lectures", URL, REF, server=True, fields=fields),) if mirrors else ()
    channels = (
        DesiredChannel("lectures", SourceRef("m.yaml", 5, 5), {}, manages_syncs=True),
        DesiredChannel("archive", SourceRef("m.yaml", 15, 5), {}),  # no mirrors: key
    )
    return DesiredState("https://v.example.org", "nisv", {}, channels=channels, mirrors=declared)


def sync(id_: int, channel: str = "lectures", url: str = URL, privacy: int | None = 2) -> LiveSync:
    return LiveSync(id_, url, 3, channel, 3, "Synchronized", "2026-01-01", None, privacy)


def row(id_: int, state: int, attempts: int = 1, video: str | None = "u1") -> LiveImport:
    return LiveImport(id_, "https://youtu.be/x", state, "Failed", "boom", video, "", "", attempts)


def test_a_declared_sync_that_does_not_exist_is_created():
    changes, notices = plan_syncs(desired(), [], {}, V83, prune=False)
    assert changes == [CreateSync("lectures", URL, 2, REF)] and notices == []
    changes, _ = plan_syncs(desired(), [], {}, V63, prune=False)
    assert changes == [CreateSync("lectures", URL, None, REF)]  # before 8.3: no privacy


def test_an_existing_sync_is_kept_and_another_privacy_is_a_delete_plus_a_create():
    assert plan_syncs(desired(), [sync(4)], {}, V83, prune=True) == ([], [])
    changes, _ = plan_syncs(
        desired(),
        [sync(4, privacy=1)],
        {},
        V83,
        prune=False,
        privacies={1: "Public", 2: "Unlisted"},
    )
    assert changes == [
        CreateSync("lectures", URL, 2, REF, replaces=4),
        DeleteSync(
            4, "lectures", URL, "replaced: privacy Public → Unlisted (PeerTube has no update route)"
        ),
    ]
    assert plan_syncs(desired(), [sync(4, privacy=None)], {}, V63, prune=False) == ([], [])


def test_undeclared_syncs_of_managed_channels_are_noticed_or_pruned_others_never_touched():
    live = [sync(4), sync(5), sync(6, channel="archive"), sync(7, url="https://e.org/x")]
    changes, (notice,) = plan_syncs(desired(), live, {}, V83, prune=False)
    assert changes == [] and notice.kind is NoticeKind.NOT_IN_MANIFEST
    assert "#5" in notice.message and "#7" in notice.message and "#6" not in notice.message
    changes, notices = plan_syncs(desired(), live, {}, V83, prune=True)
    assert [(type(c), c.id) for c in changes] == [(DeleteSync, 5), (DeleteSync, 7)]
    assert notices == []
    gone, _ = plan_syncs(desired(mirrors=False), [sync(4)], {}, V83, prune=True)
    assert [c.id for c in gone] == [4]


def test_failed_imports_are_retried_until_the_servers_attempts_then_noticed():
    rows = {4: [row(10, 3), row(11, 3, attempts=5), row(12, 2), row(13, 3, video=None)]}
    changes, (notice,) = plan_syncs(desired(), [sync(4)], rows, V83, prune=False)
    (update,) = changes
    assert isinstance(update, UpdateSync) and update.retry_imports == (10,)
    assert update.changes[0].field == "import #10" and update.changes[0].new == "retry"
    assert notice.kind is NoticeKind.IMPORT_FAILED and "#11" in notice.message
    assert plan_syncs(desired(), [sync(4)], rows, V63, prune=False)[0] == []  # no retry route


def test_an_instance_without_syncs_is_one_line_naming_the_setting():
    reason = "GET /x: channel synchronisation is disabled on this instance (its admin must set import.video_channel_synchronization.enabled: true)"
    changes, (notice,) = plan_syncs(desired(), None, {}, V83, prune=True, disabled=reason)
    assert changes == [] and notice.kind is NoticeKind.SYNCS_DISABLED
    assert "import.video_channel_synchronization.enabled" in notice.message and notice.ref == REF
