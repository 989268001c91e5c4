"""The library behind the CLI: ``plan`` and ``apply`` usable from Python (exported as
``ptsync.plan``, ``ptsync.apply``, ``ptsync.Run``; see ``ptsync/__init__.py``).

    with Run(["manifests/"], Options(prune=True)) as run:
        planned = run.plan()                 # one PlannedGroup per (instance, system)
        run.check_safety(planned)            # TooMuchChange above the thresholds
        reports = run.apply(planned)         # one ApplyReport per group

A Run binds each manifest group to its instance (URL and credentials from the environment),
shares one client per instance so every request of the run goes through one rate limiter,
and closes them at the end. Planning itself is ``ptsync.planner``'s; applying a plan kind by
kind (channels, videos, playlists), following imports and telling the webhook are here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ptsync import redact
from ptsync.apply.executor import Stop, apply_plan
from ptsync.apply.follow import ImportProgress, follow_imports, imports_of, record_outcomes
from ptsync.apply.inflight import InflightCreates
from ptsync.apply.resources import apply_resources
from ptsync.apply.warm import DetailWarmer
from ptsync.clock import Clock, default
from ptsync.errors import ConfigError, PlanFileError, VocabularyMiss
from ptsync.live.cache import DetailCache, VocabularyCache
from ptsync.live.fetch import fetch_imports, fetch_listing
from ptsync.live.mirrors import fetch_syncs, identify_imports
from ptsync.live.vocab import load_vocabularies
from ptsync.manifest import ManifestGroup, load, resolve_group
from ptsync.options import DEFAULT_PATHS, Options
from ptsync.peertube import (
    ClientSettings,
    Credentials,
    PeerTubeClient,
    credentials_from_env,
    webhook,
)
from ptsync.peertube.origins import check_transport
from ptsync.plan.changes import APPLY_ORDER, Plan, Resource
from ptsync.plan.safety import Thresholds, check_safety
from ptsync.planner import PlannedGroup, PlanSettings, mirror, plan_group, recheck
from ptsync.report import notify
from ptsync.report.results import ApplyReport, ItemResult
from ptsync.report.status import GroupStatus, sync_status_of, video_statuses
from ptsync.state import DesiredState, FileSource, UrlSource, Vocabularies
from ptsync.store import planfile

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
        return [self.plan_target(t) for t in self.targets]

    def thresholds(self, manifest: Mapping[str, float] | None = None) -> Thresholds:
        """An option set on purpose (typed, even when equal to its default) wins, then the
        manifest's ``safety:``, then the option's default."""
        given, o = manifest or {}, self.options

        def pick(name: str, key: str) -> float:
            value: float = getattr(o, name)
            return value if o.chosen(name) else given.get(key, value)

        return Thresholds(
            max_update_fraction=pick("max_update_fraction", "maxUpdateFraction"),
            max_delete_fraction=pick("max_delete_fraction", "maxDeleteFraction"),
            min_existing=int(pick("safety_min_existing", "minExisting")),
        )

    def check_safety(self, planned: Sequence[PlannedGroup]) -> None:
        """TooMuchChange (exit 4) when a plan changes more than the thresholds allow: the
        manifest's ``safety:`` where it sets a value, else the options'."""
        for group in planned:
            check_safety(group.plan, self.thresholds(group.desired.safety), self.options.force)

    def plan_target(self, target: Target, desired: DesiredState | None = None) -> PlannedGroup:
        """The plan of one group; ``desired`` instead of the manifests' own desired state
        (``ptsync adopt`` plans with uuids pinned in memory)."""
        resolved = self.resolve(target)
        assert target.vocab is not None
        cache = self._detail_cache(target)
        settings = self.plan_settings()
        return plan_group(desired or resolved, target.client, target.vocab, cache, settings)

    def plan_settings(self) -> PlanSettings:
        o = self.options
        return PlanSettings(
            prune=o.prune,
            parallelism=o.parallelism,
            adopt=o.adopt,
            use_cache=o.use_cache,  # written every run; reused only when younger than max age
            listing_max_age=o.listing_max_age,
            listing_timeout=o.timeout,
        )

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
                timeout=self.options.notify_timeout,
                attempts=self.options.notify_attempts,
                backoff=self.options.retry_base,
                insecure_http=self.options.insecure_http,
                clock=self.clock,
            )
            if problem:
                self.notify_problems.append(problem)
                if hooks.on_notice:
                    hooks.on_notice(problem)

    def status(self) -> list[GroupStatus]:
        """Each group's videos (mirrored ones included: the mirrors are listed, through the
        listing cache) and its declared channel syncs."""
        out = []
        for target in self.targets:
            desired = mirror(self.resolve(target), self.plan_settings()).desired
            live = fetch_imports(target.client, fetch_listing(target.client))
            live = identify_imports(desired, live)
            assert target.vocab is not None
            found = fetch_syncs(
                target.client, desired, target.vocab.account, prune=False, imports=True
            )
            syncs = sync_status_of(desired, found.syncs, found.imports, found.disabled)
            out.append(GroupStatus(desired, video_statuses(desired, live), syncs))
        return out

    def check_notify(self) -> None:
        """The webhook URL obeys the instance's transport rule: checked before any change."""
        urls = {self.options.notify_url} if self.options.notify_url else set()
        if not urls:
            urls = {m.model.notify for t in self.targets for m in t.group.members if m.model.notify}
        for url in sorted(urls):
            try:
                check_transport(url, self.options.insecure_http)
            except ConfigError as exc:
                raise ConfigError(f"notify URL: {redact.text(str(exc))}; nothing changed") from None

    def check_saved(self, saved: planfile.SavedPlan, path: str) -> None:
        """Each group of a saved plan must be bound to the instance it was made for: a plan
        for another instance (PEERTUBE_URL pointing elsewhere) is named as such."""
        bound = {(t.url, t.group.system) for t in self.targets}
        for group in saved.groups:
            url, system = group.plan.instance_url, group.plan.system
            if (url, system) in bound:
                continue
            here = sorted({t.url for t in self.targets if t.group.system == system})
            now = f"; the manifests now point at {', '.join(here)}" if here else ""
            raise PlanFileError(f"{path}: this plan is for {url} (system {system}){now}")

    def already_applied(self, saved: planfile.SavedPlan) -> bool:
        """A stale saved plan whose manifests are unchanged and already converged was
        applied (a second ``apply FILE`` then has nothing to do)."""
        fresh = {(g.plan.instance_url, g.plan.system): g for g in self.plan()}
        for group in saved.groups:
            now = fresh.get((group.plan.instance_url, group.plan.system))
            if now is None or now.desired.digest != group.digest or now.plan.has_changes:
                return False
        return True

    def apply_saved(self, saved: planfile.SavedPlan, hooks: Hooks = Hooks()) -> list[ApplyReport]:
        """Apply a saved plan after proving it is still fresh (else StalePlan, exit 4) and that
        every change touches only what this system owns (else UntrustedPlan, exit 4): the
        manifests are matched against the live listing again, as planning does."""
        fresh = []
        for group in saved.groups:
            target = self._target_for(group.plan.instance_url, group.plan.system)
            desired = self.resolve(target)
            fresh.append(recheck(group, desired, target.client, self.plan_settings()))
        return self.apply(fresh, hooks)

    def _target_for(self, url: str, system: str) -> Target:
        for target in self.targets:
            if target.url == url and target.group.system == system:
                if target.vocab is None:
                    self.resolve(target)
                return target
        raise PlanFileError(f"no manifest for system {system!r} on {url} in {self.paths}")


def _sources(desired: DesiredState) -> dict[str, UrlSource | FileSource]:
    """The manifest's sources by external id: apply requests a URL whole, from here."""
    return {k: v.source for k, v in desired.videos.items() if v.source is not None}


class _StopFollowing(Exception):
    """Raised in the polling pause when a stop was requested while following imports."""


def _uuids(group: PlannedGroup, report: ApplyReport, target: Target) -> Callable[[str], str | None]:
    """External id → video uuid for playlist elements: from matching, this apply's creates,
    or (for a saved plan) one listing of the user's videos, done only if needed."""
    known = {m.desired.external_id: m.live.uuid for m in group.matching.matches if m.live}
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
        timeout=(min(options.connect_timeout, options.timeout), options.timeout),
        max_retries=options.max_retries,
        retry_base=options.retry_base,
        deadline=options.deadline,
        use_token_cache=options.use_cache,
        max_rate_limit_wait=options.max_rate_limit_wait,
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


def plan(paths: Sequence[str] | None = None, options: Options | None = None) -> list[Plan]:
    """Plan the manifests (default ``manifests/``): one ``Plan`` per (instance, system)
    group; nothing is changed. Raises ManifestError, ConfigError, ... (``ptsync.errors``)."""
    with Run(paths, options) as run:
        return [g.plan for g in run.plan()]


def apply(
    paths: Sequence[str] | None = None, options: Options | None = None, hooks: Hooks = Hooks()
) -> list[ApplyReport]:
    """Plan the manifests and carry the plans out, as ``ptsync apply --auto-approve`` does:
    TooMuchChange above the safety thresholds (unless ``options.force``), nothing applied
    (an empty list) when nothing changes. An item that failed is in its report
    (``ApplyReport.incomplete``), not raised; a webhook that could not be told goes to
    ``hooks.on_notice``. ``Run`` gives more control: the plans shown before applying, saved
    plans, the webhook problems (``Run.notify_problems``)."""
    with Run(paths, options) as run:
        run.check_notify()
        planned = run.plan()
        if not any(g.plan.has_changes for g in planned):
            return []
        run.check_safety(planned)
        return run.apply(planned, hooks)
