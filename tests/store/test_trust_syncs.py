"""The saved-plan check covers channel syncs: an honest sync plan passes; a create no mirror
declares, a delete of a declared (or another channel's) sync and a retry of another sync's
imports are each named."""

from __future__ import annotations

import dataclasses

import pytest

from ptsync.errors import UntrustedPlan
from ptsync.plan.changes import CreateSync, DeleteSync, Plan, UpdateSync
from ptsync.plan.match import match
from ptsync.plan.syncs import SyncRules, plan_syncs
from ptsync.sourceref import SourceRef
from ptsync.state import (
    DesiredChannel,
    DesiredMirror,
    DesiredState,
    LiveImport,
    LiveState,
    LiveSync,
)
from ptsync.store.trust import SyncsNow, check_trusted, touches_syncs

URL = "https://www.youtube.com/@another"
REF = SourceRef("m.yaml", 9, 14, "channels[0].mirrors[0].url")
RULES = SyncRules(privacy=True, retry=True, max_attempts=5)
DESIRED = DesiredState(
    "https://v.example.org",
    "nisv",
    {},
    channels=(
        DesiredChannel("lectures", SourceRef("m.yaml", 5, 5), {}, manages_syncs=True),
        DesiredChannel("archive", SourceRef("m.yaml", 15, 5), {}),
    ),
    mirrors=(DesiredMirror("lectures", URL, REF, server=True, fields={"privacy": 2}),),
)


def sync(id_: int, channel: str = "lectures", url: str = URL, privacy: int = 2) -> LiveSync:
    return LiveSync(id_, url, 3, channel, 3, "Synchronized", "2026-01-01", None, privacy)


def failed(id_: int) -> LiveImport:
    return LiveImport(id_, "https://youtu.be/x", 3, "Failed", "boom", "u1", "", "", 1)


def plan_of(*changes) -> Plan:
    return Plan("https://v.example.org", "nisv", tuple(changes))


def checked(plan: Plan, syncs: list[LiveSync], imports=None) -> None:
    now = SyncsNow(tuple(syncs), imports or {})
    check_trusted(plan, DESIRED, (), match(DESIRED, LiveState(())), None, now)


def test_honest_sync_plans_pass():
    live = [sync(4, privacy=1), sync(6, url="https://e.org/x")]
    changes, _ = plan_syncs(DESIRED, live, {}, RULES, prune=True)
    plan = plan_of(*changes)
    assert [type(c) for c in plan.changes] == [CreateSync, DeleteSync, DeleteSync]
    assert touches_syncs(plan)
    checked(plan, live)
    rows = {4: (failed(31),)}
    retry, _ = plan_syncs(DESIRED, [sync(4)], rows, RULES, prune=False)
    checked(plan_of(*retry), [sync(4)], rows)


def test_a_create_no_mirror_declares_is_refused():
    forged = CreateSync("lectures", "https://evil.example.org/@x", None, REF)
    with pytest.raises(UntrustedPlan, match="no sync: server mirror declares it"):
        checked(plan_of(forged), [])
    other = CreateSync("lectures", URL, 1, REF)
    with pytest.raises(UntrustedPlan, match="its privacy is not the channel's"):
        checked(plan_of(other), [])


def test_deleting_a_declared_sync_or_another_channels_is_refused():
    with pytest.raises(UntrustedPlan, match="delete sync #4: a sync: server mirror declares it"):
        checked(plan_of(DeleteSync(4, "lectures", URL)), [sync(4)])
    with pytest.raises(UntrustedPlan, match="channel archive has no mirrors: in the manifests"):
        checked(plan_of(DeleteSync(7, "archive", URL)), [sync(7, channel="archive")])
    twins = [sync(4), sync(5)]  # the younger duplicate may go
    checked(plan_of(DeleteSync(5, "lectures", URL)), twins)


def test_a_retry_of_imports_that_are_not_the_syncs_failed_ones_is_refused():
    rows = {4: (failed(31),)}
    (retry,), _ = plan_syncs(DESIRED, [sync(4)], rows, RULES, prune=False)
    assert isinstance(retry, UpdateSync)
    forged = dataclasses.replace(retry, retry_imports=(31, 77))
    with pytest.raises(UntrustedPlan, match="#77 is not a failed import of this sync"):
        checked(plan_of(forged), [sync(4)], rows)
