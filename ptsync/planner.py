"""Planning, top to bottom: one manifest group and its instance in, one ``Plan`` out.

    0. mirrors ..................... list each mirror's upstream, all at once, through the
                                     listing cache (ptsync.live.mirrors); its entries become
                                     desired videos (pure: ptsync.plan.mirrors)
    1. fetch the listing ........... /users/me/videos, 100 a page (ptsync.live.fetch); the
                                     pages its first announces together
    2. match ....................... marker, pinned uuid (pure: ptsync.plan.match)
    3. fetch more where matching needs it, and match again: import rows (a URL entry, or
       with rules a released one, still unmatched; a mirrored entry also by the upstream
       video a row's URL names), upload filenames (unmarked videos with an unmatched
       upload's name)
    4. details ..................... GET /videos/{id} where the list payload lacks a managed
                                     field and the detail cache has no answer for the same
                                     updatedAt (ptsync.live.details)
    5. chapters and passwords ...... only for entries that set them (ptsync.live.extras)
    6. diff the videos ............. pure (ptsync.plan.videos); may a changed source's file be
                                     replaced? (the run's one /config answer says); owned
                                     videos gone upstream or held by a mirror (plan.mirrors)
    7. resources ................... channels, playlists (ptsync.plan.resources; the
                                     playlists asked ahead, beside steps 0-6), channel
                                     syncs (ptsync.plan.syncs)
    8. notices ..................... server version, mirrors, quota (asked only when uploading)
    9. the Plan .................... built once, from everything collected above

What each step fetches is decided by the pure rules of ``ptsync.plan.match`` and
``ptsync.plan.needs``; matching is pure and cheap, so it simply runs again after each fetch.
Request budget of a plan over N owned videos: ceil(N/100) list pages; plus the import list only
when a URL entry is unmatched; plus ``/source`` only for unmarked same-name candidates of
unmatched uploads; plus one detail GET per video whose managed fields are not in the list
payload and are not in the detail cache for the same ``updatedAt``; plus ``/config`` once (the
server's version, read on every plan; source replacement reads the same answer); plus
``/chapters`` and ``/passwords`` only for videos whose entry sets them; plus one listing of the
user's playlists (owned ones the manifest lacks are noticed like videos) and one element
listing per owned playlist the manifest declares; plus ``/users/me`` and its quota only when
the plan uploads; plus, when a channel has a ``mirrors:`` key, one listing of the account's
syncs and one import listing per managed sync (8.0+, where failed ones can be retried). A
mirror adds no PeerTube request per entry: a warm no-op plan matches its entries by marker in
the listing; its upstream is listed once a run (from the listing cache instead only when
``--listing-max-age`` allows it).

A saved plan is not planned again: ``recheck`` proves it fresh and trusted against the live
state now, matching by the same steps 1–3.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ptsync.clock import Clock, default
from ptsync.live.ahead import ahead
from ptsync.live.cache import DetailCache
from ptsync.live.details import fetch_details
from ptsync.live.extras import fetch_extras
from ptsync.live.fetch import (
    LiveClient,
    fetch_channels,
    fetch_filenames,
    fetch_imports,
    fetch_listing,
    fetch_playlists,
    fetch_quota,
    file_replace_enabled,
)
from ptsync.live.mirrors import DEFAULT_TIMEOUT, fetch_syncs, identify_imports, list_mirrors
from ptsync.live.upstream import ListingCache
from ptsync.options import DEFAULTS
from ptsync.peertube.versions import ServerVersion, server_version
from ptsync.plan.changes import Change, Notice, NoticeKind, Plan, UpdateSync
from ptsync.plan.labels import labels_for
from ptsync.plan.match import Matching, filename_candidates, match, needs_imports
from ptsync.plan.mirrors import Mirrored, Orphans, classify, expand, known_elements
from ptsync.plan.needs import detail_needed, extras_needed, source_changed
from ptsync.plan.quota import quota_notices, upload_bytes
from ptsync.plan.resources import LivePlaylist, plan_channels, plan_playlists, playlist_notices
from ptsync.plan.syncs import SyncRules, plan_syncs
from ptsync.plan.videos import PlanOptions, plan_videos
from ptsync.state import DesiredState, LiveState, Vocabularies
from ptsync.store import trust
from ptsync.store.planfile import SavedGroup, check_fresh


@dataclass(frozen=True)
class PlanSettings:
    prune: bool  # delete owned videos and playlists missing from the manifest
    parallelism: int  # detail and extras requests at the same time
    adopt: bool  # write markers on uuid-pinned videos that lack them (``ptsync adopt``)
    use_cache: bool = True  # mirrors' listings from the listing cache (--no-cache: listed)
    listing_max_age: float = DEFAULTS.listing_max_age  # seconds a cached listing is reused
    listing_timeout: float = DEFAULT_TIMEOUT  # seconds an upstream may stay silent
    clock: Clock = field(default_factory=default)  # "now" for schedules, windows, the cache

    def listing_cache(self) -> ListingCache | None:
        if not self.use_cache:
            return None
        return ListingCache(ttl=self.listing_max_age, clock=self.clock.time)


@dataclass(frozen=True)
class PlannedGroup:
    """A plan plus what it was computed from (for saved plans and apply)."""

    plan: Plan
    desired: DesiredState
    live: LiveState
    matching: Matching


def plan_group(
    desired: DesiredState,
    client: LiveClient,
    vocab: Vocabularies,
    cache: DetailCache,
    settings: PlanSettings,
) -> PlannedGroup:
    version = server_version(vocab.server_version)  # ConfigError below 6.0
    playlists = _playlists_ahead(desired, client, vocab)  # read beside steps 0-6, used in 7
    mirrored = mirror(desired, settings)
    desired = mirrored.desired
    live, matching = identify(desired, client, fetch_listing(client))
    live, matching = _complete(desired, client, live, matching, cache, settings.parallelism)
    replaceable = source_changed(desired, matching) and file_replace_enabled(client)
    options = PlanOptions(
        prune=settings.prune,
        file_replace_enabled=replaceable,
        adopt=settings.adopt,
        retry_failed_imports=version.features.import_retry,
        import_retry_limit=version.features.import_retry_limit,
        caption_written_only=version.features.caption_written_only,
        now=settings.clock.time(),
    )
    orphans = classify(mirrored.scopes, matching.orphans)
    videos = plan_videos(desired, matching, options, vocab, orphans)
    resources, resource_notices = _plan_resources(
        desired, client, vocab, matching, settings.prune, orphans, version, playlists
    )
    changes = (*videos.changes, *resources)
    plan = Plan(
        instance_url=desired.instance_url,
        system=desired.system,
        changes=changes,
        unchanged=videos.unchanged,
        notices=(
            *_version_notice(version),
            *mirrored.notices,
            *videos.notices,
            *resource_notices,
            *_quota_notices(client, changes),
        ),
        labels=labels_for(vocab),
        managed_total=videos.managed_total,
        rule_matched=videos.rule_matched,
    )
    return PlannedGroup(plan, desired, live, matching)


def mirror(desired: DesiredState, settings: PlanSettings) -> Mirrored:
    """Step 0: every mirror's upstream listed (at once, through the listing cache) and its
    entries made desired videos; a failed listing is a notice, and holds that mirror's
    videos. Without mirrors, nothing is asked and ``desired`` comes back as it is."""
    outcomes = list_mirrors(
        desired.mirrors,
        cache=settings.listing_cache(),
        parallelism=settings.parallelism,
        timeout=settings.listing_timeout,
    )
    return expand(desired, outcomes) if outcomes else Mirrored(desired)


def identify(
    desired: DesiredState,
    client: LiveClient,
    live: LiveState,
    *,
    more: Callable[[Matching], bool] | None = None,
) -> tuple[LiveState, Matching]:
    """Who is who: matched by the listing, then (where an entry, or with rules a released
    one, is still unmatched) by import URL and upload filename, each fetched only then.
    ``more``: whether to look beyond the listing at all (a saved plan's check asks it)."""
    matching = match(desired, live)
    if more is not None and not more(matching):
        return live, matching
    if needs_imports(matching, rules=bool(desired.rules)):
        live = identify_imports(desired, fetch_imports(client, live))
        matching = match(desired, live)
    candidates = filename_candidates(desired, matching)
    if candidates:
        live = fetch_filenames(client, live, candidates)
        matching = match(desired, live)
    return live, matching


def _complete(
    desired: DesiredState,
    client: LiveClient,
    live: LiveState,
    matching: Matching,
    cache: DetailCache,
    parallelism: int,
) -> tuple[LiveState, Matching]:
    """Details, then chapters and passwords, of the videos whose managed fields need them."""
    wanted = detail_needed(desired, matching)
    if wanted:
        live = fetch_details(client, live, wanted, cache, parallelism)
        matching = match(desired, live)
    chapters, passwords = extras_needed(desired, matching)
    if chapters or passwords:
        live = fetch_extras(client, live, chapters, passwords, parallelism)
        matching = match(desired, live)
    return live, matching


def _playlists_ahead(
    desired: DesiredState, client: LiveClient, vocab: Vocabularies
) -> Callable[[], list[LivePlaylist]]:
    """The playlists, asked while the videos are listed and detailed (nothing there needs
    them, and step 7 always reads them)."""
    declared = [p.external_id for p in desired.playlists]
    return ahead(
        lambda: fetch_playlists(client, desired.system, declared, vocab.account), "playlists"
    )


def _plan_resources(
    desired: DesiredState,
    client: LiveClient,
    vocab: Vocabularies,
    matching: Matching,
    prune: bool,
    orphans: Orphans,
    version: ServerVersion,
    fetched_playlists: Callable[[], list[LivePlaylist]],
) -> tuple[list[Change], list[Notice]]:
    """Channels, playlists and channel syncs: one request per declared existing channel
    with texts, one listing of playlists (always: owned ones missing from the manifest are
    noticed, or deleted with --prune), one element listing per owned playlist in the
    manifest (both asked ahead, ``_playlists_ahead``); the syncs when a channel has
    ``mirrors:`` (undeclared ones noticed). A playlist may name a mirrored video a failed
    listing holds: it keeps its place."""
    channels = fetch_channels(client, desired.channels, vocab.channels)
    playlists = fetched_playlists()
    uuids = {m.desired.external_id: m.live.uuid for m in matching.matches if m.live}
    uuids.update(
        {
            v.marker.external_id: v.uuid
            for v in matching.orphans
            if v.uuid in orphans.held and v.marker
        }
    )
    creatable = [i for i, e in desired.videos.items() if not e.curates]
    wanted, notices = known_elements(desired.playlists, [*creatable, *uuids])
    features = version.features
    rules = SyncRules(features.sync_privacy, features.import_retry, features.import_max_attempts)
    syncs = fetch_syncs(client, desired, vocab.account, imports=rules.retry)
    sync_changes, sync_notices = plan_syncs(
        desired,
        syncs.syncs,
        syncs.imports,
        rules,
        prune=prune,
        disabled=syncs.disabled,
        privacies=vocab.privacies,
    )
    changes: list[Change] = [
        *plan_channels(desired.channels, channels),
        *plan_playlists(desired.system, wanted, playlists, uuids, prune=prune),
        *sync_changes,
    ]
    notices += playlist_notices(desired.system, desired.playlists, playlists, prune=prune)
    return changes, [*notices, *sync_notices]


def _version_notice(version: ServerVersion) -> list[Notice]:
    return [Notice(NoticeKind.SERVER_VERSION, version.notice)] if version.notice else []


def _quota_notices(client: LiveClient, changes: Sequence[Change]) -> list[Notice]:
    """The user's quotas are asked only when the plan uploads something."""
    if not upload_bytes(changes):
        return []
    me, used = fetch_quota(client)
    return quota_notices(changes, me, used)


def recheck(
    saved: SavedGroup, desired: DesiredState, client: LiveClient, settings: PlanSettings
) -> PlannedGroup:
    """A saved plan, proven fresh (else StalePlan) and trusted (else UntrustedPlan) against
    the manifests and the live state now: matched as planning matches, looking beyond the
    listing only when a change needs it, the playlists listed only when one is changed, the
    syncs (and the imports of those it retries) only when one is. Mirrors are listed again
    (the listing cache usually has them): a mirrored create must be an entry listed now."""
    plan = saved.plan
    live = fetch_listing(client)
    check_fresh(saved, desired.digest, live)
    desired = mirror(desired, settings).desired
    live, matching = identify(
        desired, client, live, more=lambda m: trust.needs_more_than_the_listing(plan, m)
    )
    playlists = fetch_playlists(client, plan.system, ()) if trust.touches_playlists(plan) else None
    syncs = None
    if trust.touches_syncs(plan):
        retried = {c.id for c in plan.of(UpdateSync)}
        listed = client.channel_syncs()
        syncs = trust.SyncsNow(
            tuple(listed), {i: tuple(client.iter_sync_imports(i)) for i in sorted(retried)}
        )
    trust.check_trusted(plan, desired, live.videos, matching, playlists, syncs)
    return PlannedGroup(plan, desired, live, matching)
