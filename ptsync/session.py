"""The library behind the CLI: ``plan`` and ``apply`` usable from Python.

    with Run(["manifests/"], Options(prune=True)) as run:
        planned = run.plan()                 # one PlannedGroup per (instance, system)
        reports = run.apply(planned)         # one ApplyReport per group

A Run binds each manifest group to its instance (URL and credentials from the environment),
shares one client per instance so every request of the run goes through one rate limiter,
and closes them at the end.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ptsync.apply.executor import Stop, apply_plan
from ptsync.apply.follow import ImportProgress, follow_imports, imports_of, record_outcomes
from ptsync.apply.inflight import InflightCreates
from ptsync.apply.resources import apply_resources
from ptsync.apply.warm import DetailWarmer
from ptsync.clock import Clock, default
from ptsync.errors import ConfigError, PlanFileError
from ptsync.live.cache import DetailCache, VocabularyCache
from ptsync.live.fetch import PlannedGroup, PlanSettings, fetch_live, plan_group
from ptsync.live.vocab import load_vocabularies
from ptsync.manifest import ManifestGroup, VocabularyMiss, load, resolve_group
from ptsync.peertube import (
    ClientSettings,
    Credentials,
    PeerTubeClient,
    credentials_from_env,
    webhook,
)
from ptsync.plan.changes import (
    APPLY_ORDER,
    DeletePlaylist,
    Plan,
    Resource,
    UpdatePlaylist,
    UpdateVideo,
)
from ptsync.plan.match import Matching, filename_candidates, match, needs_imports
from ptsync.plan.resources import LivePlaylist, live_playlist
from ptsync.plan.safety import DEFAULT_MAX_FRACTION, DEFAULT_MIN_EXISTING, Thresholds, check_safety
from ptsync.report import notify
from ptsync.report.results import ApplyReport, ItemResult
from ptsync.report.status import VideoStatus, video_statuses
from ptsync.state import DesiredState, FileSource, LiveState, UrlSource, Vocabularies
from ptsync.store import planfile, trust

DEFAULT_PATHS = ("manifests/",)


@dataclass(frozen=True)
class Options:
    prune: bool = False
    force: bool = False
    max_delete_fraction: float = DEFAULT_MAX_FRACTION
    max_update_fraction: float = DEFAULT_MAX_FRACTION
    safety_min_existing: int = DEFAULT_MIN_EXISTING
    parallelism: int = 4
    use_cache: bool = True
    insecure_http: bool = False
    rate_limit: tuple[int, float] | None = (50, 10.0)
    rate_limit_explicit: bool = False  # given by the user: it caps admins and moderators too
    chunk_size: int = 8 * 2**20
    upload_processing_wait: float = 60.0  # an upload "being processed" longer is wedged
    timeout: float = 60.0  # seconds to wait for an answer (connecting: at most 10)
    max_retries: int = 5  # attempts per request (ClientSettings.max_retries)
    retry_base: float = 0.5  # seconds of backoff before the second attempt, doubling
    deadline: float | None = None  # seconds every request of a client may take together
    wait: bool = False
    wait_timeout: float = 3600.0
    poll_interval: float = 2.0
    notify_url: str | None = None  # overrides the manifests' notify:
    adopt: bool = False  # also write markers on uuid-pinned videos that lack them
    media_roots: tuple[str, ...] = ()  # folders local files may come from (--media-root)
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)


Connect = Callable[[str, Credentials, ClientSettings], PeerTubeClient]
"""How a Run gets a client for an instance: ``PeerTubeClient`` unless a caller (a test, an
embedding program) injects its own, e.g. ``lambda url, creds, settings: PeerTubeClient(url,
creds, settings, sender=my_sender)`` to answer requests without a network."""


@dataclass(frozen=True)
class Hooks:
    on_result: Callable[[ItemResult], None] | None = None
    on_progress: Callable[[str, int, int], None] | None = None
    on_imports: Callable[[ImportProgress], None] | None = None
    on_notice: Callable[[str], None] | None = None


@dataclass
class Target:
    """One manifest group bound to its instance."""

    group: ManifestGroup
    url: str
    client: PeerTubeClient
    identity: str
    vocab: Vocabularies | None = None
    desired: DesiredState | None = None


class Run:
    def __init__(
        self,
        paths: Sequence[str] | None = None,
        options: Options | None = None,
        *,
        connect: Connect | None = None,
        clock: Clock | None = None,  # every timer of the run (default: ptsync.clock.default())
    ):
        self.options = options or Options()
        self.clock = clock or default()
        self._connect: Connect = connect or PeerTubeClient
        self.paths = [str(p) for p in (paths or DEFAULT_PATHS)]
        self.manifests = load(self.paths, media_roots=self.options.media_roots)
        # stop.request(...) (e.g. from a signal handler) winds apply down
        self.stop = Stop(clock=self.clock)
        self._clients: dict[tuple[str, str], PeerTubeClient] = {}
        self.notify_problems: list[str] = []  # webhooks that could not be told (one line each)
        self.targets = [self._bind(g) for g in self.manifests.groups]

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    # ------------------------------------------------------------------------------ binding

    def _bind(self, group: ManifestGroup) -> Target:
        url = instance_url(group, self.options.env, single=len(self.manifests.groups) == 1)
        suffix = group.instance_name.upper() if group.instance_name else None
        credentials = credentials_from_env(self.options.env, suffix=suffix)
        identity = _identity(credentials)
        key = (url, identity)
        if key not in self._clients:
            self._clients[key] = self._connect(url, credentials, self._settings())
        return Target(group, url, self._clients[key], identity)

    def _settings(self) -> ClientSettings:
        return client_settings(self.options, self.clock)

    # ------------------------------------------------------------------------------ plan

    def resolve(self, target: Target) -> DesiredState:
        """Labels resolved against cached vocabularies, refreshed once when one is missing."""
        if target.desired is not None:
            return target.desired
        cache = VocabularyCache(target.url, target.identity, enabled=self.options.use_cache)
        vocab, cached = load_vocabularies(target.client, cache)
        try:
            desired = resolve_group(
                target.group, vocab, instance_url=target.url, env=self.options.env
            )
            stale = cached and any(c.name not in vocab.channels for c in desired.channels)
        except VocabularyMiss:
            if not cached:
                raise
            stale = True
        if stale:  # a label, or a channel ptsync created since, is missing from the cache
            vocab, _ = load_vocabularies(target.client, cache, refresh=True)
            desired = resolve_group(
                target.group, vocab, instance_url=target.url, env=self.options.env
            )
        target.vocab, target.desired = vocab, desired
        return desired

    def plan(self) -> list[PlannedGroup]:
        """Every group's plan; call ``check_safety`` before applying (after showing them)."""
        return [self._plan_target(t) for t in self.targets]

    def thresholds(self, manifest: Mapping[str, float] | None = None) -> Thresholds:
        """An option the user changed from its default wins, then the manifest's ``safety:``."""
        given, o = manifest or {}, self.options

        def pick(option: float, key: str, default: float) -> float:
            return option if option != default else given.get(key, default)

        return Thresholds(
            max_update_fraction=pick(
                o.max_update_fraction, "maxUpdateFraction", DEFAULT_MAX_FRACTION
            ),
            max_delete_fraction=pick(
                o.max_delete_fraction, "maxDeleteFraction", DEFAULT_MAX_FRACTION
            ),
            min_existing=int(pick(o.safety_min_existing, "minExisting", DEFAULT_MIN_EXISTING)),
        )

    def check_safety(self, planned: Sequence[PlannedGroup]) -> None:
        """TooMuchChange (exit 4) when a plan changes more than the thresholds allow: the
        manifest's ``safety:`` where it sets a value, else the options'."""
        for group in planned:
            check_safety(group.plan, self.thresholds(group.desired.safety), self.options.force)

    def _plan_target(self, target: Target) -> PlannedGroup:
        desired = self.resolve(target)
        assert target.vocab is not None
        cache = self._detail_cache(target)
        settings = PlanSettings(
            prune=self.options.prune, parallelism=self.options.parallelism, adopt=self.options.adopt
        )
        return plan_group(desired, target.client, target.vocab, cache, settings)

    def _detail_cache(self, target: Target) -> DetailCache:
        return DetailCache(target.url, target.identity, enabled=self.options.use_cache)

    # ------------------------------------------------------------------------------ apply

    def apply(self, planned: Sequence[PlannedGroup], hooks: Hooks = Hooks()) -> list[ApplyReport]:
        """Apply each group's plan kind by kind in APPLY_ORDER (channels, videos, playlists),
        then (optionally) follow imports and call the webhook.

        After ``self.stop`` is requested nothing more is started (``stop.not_started`` lists
        it), imports are no longer followed and no webhook is sent; the reports returned
        hold what was done."""
        done: list[tuple[Target, ApplyReport]] = []
        stop = self.stop
        for group in planned:
            plan = group.plan
            if stop.requested:
                stop.not_started.extend(plan.changes)
                continue
            target = self._target_for(plan.instance_url, plan.system)
            assert target.vocab is not None
            channels = target.vocab.channels
            report = ApplyReport(plan.instance_url, plan.system)
            for resource in APPLY_ORDER:
                if stop.requested:
                    stop.not_started.extend(plan.of_resource(resource))
                    continue
                if resource is Resource.VIDEO:
                    warm = DetailWarmer(self._detail_cache(target))
                    videos = apply_plan(
                        plan,
                        target.client,
                        channels,
                        parallelism=self.options.parallelism,
                        on_result=hooks.on_result,
                        on_progress=hooks.on_progress,
                        inflight=InflightCreates(
                            target.url, target.identity, plan.system, clock=self.clock
                        ),
                        stop=stop,
                        env=self.options.env,
                        sources=_sources(group.desired),
                        written=warm.written,
                        clock=self.clock,
                    )
                    report.results += videos.results
                    if not stop.requested:
                        warm.finish(target.client, len(group.live.videos))
                    continue
                changes = plan.of_resource(resource)
                if not changes:
                    continue
                results = apply_resources(changes, target.client, _uuids(group, report, target))
                for result in results:
                    if hooks.on_result:
                        hooks.on_result(result)
                report.results += results
                if resource is Resource.CHANNEL:
                    channels = target.client.channels()  # with the new channels' ids
            report.finished = self.clock.time()
            if self.options.wait and not stop.requested:
                self._follow(target, report, hooks)
            done.append((target, report))
        if not stop.requested:
            self._notify(done, hooks)
        return [report for _, report in done]

    def _follow(self, target: Target, report: ApplyReport, hooks: Hooks) -> None:
        ids = imports_of([report])
        if not ids:
            return
        seen: list[ImportProgress] = []

        def update(progress: ImportProgress) -> None:
            seen[:] = [progress]
            if hooks.on_imports:
                hooks.on_imports(progress)

        clock = self.clock

        def sleep(seconds: float) -> None:  # a stop ends the following (imports go on)
            deadline = clock.monotonic() + seconds
            while not self.stop.requested and clock.monotonic() < deadline:
                clock.sleep(min(0.1, max(0.0, deadline - clock.monotonic())))
            if self.stop.requested:
                raise _StopFollowing

        try:
            with clock.busy():  # polling: a FakeClock moves only while it waits
                progress = follow_imports(
                    target.client,
                    ids,
                    interval=self.options.poll_interval,
                    timeout=self.options.wait_timeout,
                    on_update=update,
                    sleep=sleep,
                    clock=clock,
                )
        except _StopFollowing:
            progress = seen[0] if seen else ImportProgress(total=len(ids))
        for failed in record_outcomes(report, progress):  # shown as "✓ create" before
            if hooks.on_result:
                hooks.on_result(failed)

    def _notify(self, done: Sequence[tuple[Target, ApplyReport]], hooks: Hooks) -> None:
        by_url: dict[str, list[tuple[Target, ApplyReport]]] = {}
        for target, report in done:
            url = self.options.notify_url or (target.desired.notify_url if target.desired else None)
            if url:
                by_url.setdefault(url, []).append((target, report))
        for url, items in by_url.items():
            context: dict[str, Any] = {}
            for target, _ in items:
                context.update(target.desired.context if target.desired else {})
            body = notify.payload([r for _, r in items], context)
            sender = items[0][0].client.transport.sender  # the seam, never the instance's token
            problem = webhook.send(
                url,
                body,
                sender=sender,
                backoff=self.options.retry_base,
                insecure_http=self.options.insecure_http,
                clock=self.clock,
            )
            if problem:
                self.notify_problems.append(problem)
                if hooks.on_notice:
                    hooks.on_notice(problem)

    def status(self) -> list[tuple[DesiredState, list[VideoStatus]]]:
        out = []
        for target in self.targets:
            desired = self.resolve(target)
            live = fetch_live(target.client)
            live = dataclasses.replace(live, imports=tuple(target.client.iter_my_imports()))
            out.append((desired, video_statuses(desired, live)))
        return out

    def apply_saved(self, saved: planfile.SavedPlan, hooks: Hooks = Hooks()) -> list[ApplyReport]:
        """Apply a saved plan after proving it is still fresh (else StalePlan, exit 4) and that
        every change touches only what this system owns (else UntrustedPlan, exit 4): the
        manifests are matched against the live listing again, as planning does."""
        fresh = []
        for group in saved.groups:
            target = self._target_for(group.plan.instance_url, group.plan.system)
            desired = self.resolve(target)
            live = fetch_live(target.client)
            planfile.check_fresh(group, desired.digest, live)
            live, matching = _matched(desired, target.client, live, group.plan)
            trust.check_trusted(
                group.plan, desired, live.videos, matching, _playlists(group.plan, target)
            )
            fresh.append(PlannedGroup(group.plan, desired, live, matching))
        return self.apply(fresh, hooks)

    def _target_for(self, url: str, system: str) -> Target:
        for target in self.targets:
            if target.url == url and target.group.system == system:
                if target.vocab is None:
                    self.resolve(target)
                return target
        raise PlanFileError(f"no manifest for system {system!r} on {url} in {self.paths}")


def _matched(
    desired: DesiredState, client: PeerTubeClient, live: LiveState, plan: Plan
) -> tuple[LiveState, Matching]:
    """Who is who now, by the identities planning uses: the listing, then (only when the
    plan has a change the listing alone cannot justify) the import rows and upload filenames
    where an entry (or a released one, with rules) is still unmatched."""
    matching = match(desired, live)
    if not _needs_more_than_the_listing(plan, matching):
        return live, matching
    if needs_imports(matching, rules=bool(desired.rules)):
        live = dataclasses.replace(live, imports=tuple(client.iter_my_imports()))
        matching = match(desired, live)
    names = {}
    for video in filename_candidates(desired, matching):
        found = (client.video_source(video.uuid) or {}).get("inputFilename")
        if found:
            names[video.uuid] = str(found)
    if names:
        live = dataclasses.replace(live, upload_filenames=names)
        matching = match(desired, live)
    return live, matching


def _needs_more_than_the_listing(plan: Plan, matching: Matching) -> bool:
    """An update of a video no entry matches by the listing alone (found by import URL or
    upload filename when planned), an import retry (its failed import row), or a rule update
    (released videos are recognised by those identities)."""
    claimed = {m.live.uuid for m in matching.matches if m.live is not None}
    return any(
        change.external_id is None or change.retry_import is not None or change.uuid not in claimed
        for change in plan.of(UpdateVideo)
    )


def _playlists(plan: Plan, target: Target) -> list[LivePlaylist] | None:
    """The user's playlists, listed only when the plan changes or deletes one."""
    if not any(isinstance(c, UpdatePlaylist | DeletePlaylist) for c in plan.changes):
        return None
    return [live_playlist(item) for item in target.client.my_playlists()]


def _sources(desired: DesiredState) -> dict[str, UrlSource | FileSource]:
    """The manifest's sources by external id: apply requests a URL whole, from here."""
    return {k: v.source for k, v in desired.videos.items() if v.source is not None}


class _StopFollowing(Exception):
    """Raised in the polling pause when a stop was requested while following imports."""


def _uuids(group: PlannedGroup, report: ApplyReport, target: Target) -> Callable[[str], str | None]:
    """External id → video uuid for playlist elements: from matching, this apply's creates,
    or (for a saved plan) one listing of the user's videos, done only if needed."""
    known: dict[str, str] = {}
    if group.matching is not None:
        known.update({m.desired.external_id: m.live.uuid for m in group.matching.matches if m.live})
    known.update({r.external_id: r.uuid for r in report.results if r.external_id and r.uuid})
    listed: dict[str, str] | None = None

    def lookup(external_id: str) -> str | None:
        nonlocal listed
        if external_id in known:
            return known[external_id]
        if listed is None:
            system = group.plan.system
            listed = {
                v.marker.external_id: v.uuid
                for v in target.client.iter_my_videos()
                if v.marker and v.marker.system == system
            }
        return listed.get(external_id)

    return lookup


def instance_url(group: ManifestGroup, env: Mapping[str, str], *, single: bool) -> str:
    """PEERTUBE_URL__<NAME> for a named instance, else PEERTUBE_URL when the run has one
    instance (it overrides ``instance.url``), else the manifest's ``instance.url``, else
    PEERTUBE_URL (a file without ``instance:`` among several)."""
    url = None
    if group.instance_name:
        url = env.get(f"PEERTUBE_URL__{group.instance_name.upper()}")
    if not url and single:
        url = env.get("PEERTUBE_URL")
    url = url or group.instance_url or env.get("PEERTUBE_URL")
    if not url:
        files = ", ".join(group.files)
        raise ConfigError(f"{files}: no instance URL: set instance.url or PEERTUBE_URL")
    return url.rstrip("/")


def client_settings(options: Options, clock: Clock | None = None) -> ClientSettings:
    """The client settings every command derives from its options (one place)."""
    return ClientSettings(
        clock=clock or default(),
        rate_limit=options.rate_limit,
        rate_limit_explicit=options.rate_limit_explicit,
        insecure_http=options.insecure_http,
        parallelism_hint=options.parallelism,
        chunk_size=options.chunk_size,
        timeout=(min(10.0, options.timeout), options.timeout),
        max_retries=options.max_retries,
        retry_base=options.retry_base,
        deadline=options.deadline,
        use_token_cache=options.use_cache,
        upload_processing_wait=options.upload_processing_wait,
    )


def connect_env(
    options: Options, connect: Connect | None = None, clock: Clock | None = None
) -> tuple[PeerTubeClient, str]:
    """A client for ``PEERTUBE_URL`` (commands without manifests, like export) and the
    identity its caches are keyed by: the same binding, settings and cache keys as a Run."""
    url = options.env.get("PEERTUBE_URL")
    if not url:
        raise ConfigError("PEERTUBE_URL is not set (and PEERTUBE_USERNAME/PASSWORD or TOKEN)")
    credentials = credentials_from_env(options.env)
    settings = client_settings(options, clock)
    client = (connect or PeerTubeClient)(url.rstrip("/"), credentials, settings)
    return client, _identity(credentials)


def _identity(credentials: Credentials) -> str:
    if credentials.username:
        return credentials.username
    token = credentials.token or ""
    return "token-" + hashlib.sha256(token.encode()).hexdigest()[:12]


def plan(paths: Sequence[str] | None = None, options: Options | None = None) -> list[Any]:
    """Convenience: plan the manifests and return the Plans."""
    with Run(paths, options) as run:
        return [g.plan for g in run.plan()]
