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
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ptsync.apply.executor import apply_plan
from ptsync.apply.follow import ImportProgress, follow_imports, imports_of, record_outcomes
from ptsync.apply.inflight import InflightCreates
from ptsync.apply.resources import apply_resources
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
from ptsync.plan.changes import APPLY_ORDER, Resource
from ptsync.plan.safety import DEFAULT_MAX_FRACTION, DEFAULT_MIN_EXISTING, Thresholds, check_safety
from ptsync.report import notify
from ptsync.report.results import ApplyReport, ItemResult
from ptsync.report.status import VideoStatus, video_statuses
from ptsync.state import DesiredState, Vocabularies
from ptsync.store import planfile

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
    wait: bool = False
    wait_timeout: float = 3600.0
    poll_interval: float = 2.0
    notify_url: str | None = None  # overrides the manifests' notify:
    adopt: bool = False  # also write markers on uuid-pinned videos that lack them
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)


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
    def __init__(self, paths: Sequence[str] | None = None, options: Options | None = None):
        self.options = options or Options()
        self.paths = [str(p) for p in (paths or DEFAULT_PATHS)]
        self.manifests = load(self.paths)
        self._clients: dict[tuple[str, str], PeerTubeClient] = {}
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
            self._clients[key] = PeerTubeClient(url, credentials, settings=self._settings())
        return Target(group, url, self._clients[key], identity)

    def _settings(self) -> ClientSettings:
        return ClientSettings(
            rate_limit=self.options.rate_limit,
            rate_limit_explicit=self.options.rate_limit_explicit,
            insecure_http=self.options.insecure_http,
            parallelism_hint=self.options.parallelism,
            chunk_size=self.options.chunk_size,
            timeout=(min(10.0, self.options.timeout), self.options.timeout),
            upload_processing_wait=self.options.upload_processing_wait,
        )

    # ------------------------------------------------------------------------------ plan

    def resolve(self, target: Target) -> DesiredState:
        """Labels resolved against cached vocabularies, refreshed once when one is missing."""
        if target.desired is not None:
            return target.desired
        cache = VocabularyCache(target.url, target.identity, enabled=self.options.use_cache)
        vocab, cached = load_vocabularies(target.client, cache)
        try:
            desired = resolve_group(target.group, vocab, instance_url=target.url)
            stale = cached and any(c.name not in vocab.channels for c in desired.channels)
        except VocabularyMiss:
            if not cached:
                raise
            stale = True
        if stale:  # a label, or a channel ptsync created since, is missing from the cache
            vocab, _ = load_vocabularies(target.client, cache, refresh=True)
            desired = resolve_group(target.group, vocab, instance_url=target.url)
        target.vocab, target.desired = vocab, desired
        return desired

    def plan(self) -> list[PlannedGroup]:
        """Every group's plan; call ``check_safety`` before applying (after showing them)."""
        return [self._plan_target(t) for t in self.targets]

    def thresholds(self) -> Thresholds:
        return Thresholds(
            max_update_fraction=self.options.max_update_fraction,
            max_delete_fraction=self.options.max_delete_fraction,
            min_existing=self.options.safety_min_existing,
        )

    def check_safety(self, planned: Sequence[PlannedGroup]) -> None:
        """TooMuchChange (exit 4) when a plan changes more than the thresholds allow."""
        for group in planned:
            check_safety(group.plan, self.thresholds(), self.options.force)

    def _plan_target(self, target: Target) -> PlannedGroup:
        desired = self.resolve(target)
        assert target.vocab is not None
        cache = DetailCache(target.url, target.identity, enabled=self.options.use_cache)
        settings = PlanSettings(
            prune=self.options.prune, parallelism=self.options.parallelism, adopt=self.options.adopt
        )
        return plan_group(desired, target.client, target.vocab, cache, settings)

    # ------------------------------------------------------------------------------ apply

    def apply(self, planned: Sequence[PlannedGroup], hooks: Hooks = Hooks()) -> list[ApplyReport]:
        """Apply each group's plan kind by kind in APPLY_ORDER (channels, videos, playlists),
        then (optionally) follow imports and call the webhook."""
        done: list[tuple[Target, ApplyReport]] = []
        for group in planned:
            plan = group.plan
            target = self._target_for(plan.instance_url, plan.system)
            assert target.vocab is not None
            channels = target.vocab.channels
            report = ApplyReport(plan.instance_url, plan.system)
            for resource in APPLY_ORDER:
                if resource is Resource.VIDEO:
                    videos = apply_plan(
                        plan,
                        target.client,
                        channels,
                        parallelism=self.options.parallelism,
                        on_result=hooks.on_result,
                        on_progress=hooks.on_progress,
                        inflight=InflightCreates(target.url, target.identity, plan.system),
                    )
                    report.results += videos.results
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
            report.finished = time.time()
            if self.options.wait:
                self._follow(target, report, hooks)
            done.append((target, report))
        self._notify(done, hooks)
        return [report for _, report in done]

    def _follow(self, target: Target, report: ApplyReport, hooks: Hooks) -> None:
        ids = imports_of([report])
        if ids:
            progress = follow_imports(
                target.client,
                ids,
                interval=self.options.poll_interval,
                timeout=self.options.wait_timeout,
                on_update=hooks.on_imports,
            )
            record_outcomes(report, progress)

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
            problem = webhook.send(url, body, insecure_http=self.options.insecure_http)
            if problem and hooks.on_notice:
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
        """Apply a saved plan after proving it is still fresh (else StalePlan, exit 4)."""
        fresh = []
        for group in saved.groups:
            target = self._target_for(group.plan.instance_url, group.plan.system)
            desired = self.resolve(target)
            live = fetch_live(target.client)
            planfile.check_fresh(group, desired.digest, live)
            fresh.append(PlannedGroup(group.plan, desired, live, None))
        return self.apply(fresh, hooks)

    def _target_for(self, url: str, system: str) -> Target:
        for target in self.targets:
            if target.url == url and target.group.system == system:
                if target.vocab is None:
                    self.resolve(target)
                return target
        raise PlanFileError(f"no manifest for system {system!r} on {url} in {self.paths}")


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
    """PEERTUBE_URL__<NAME> for a named instance, else PEERTUBE_URL (when the run has one
    instance), else the manifest's ``instance.url``."""
    url = None
    if group.instance_name:
        url = env.get(f"PEERTUBE_URL__{group.instance_name.upper()}")
    if not url and single:
        url = env.get("PEERTUBE_URL")
    url = url or group.instance_url
    if not url:
        files = ", ".join(group.files)
        raise ConfigError(f"{files}: no instance URL: set instance.url or PEERTUBE_URL")
    return url.rstrip("/")


def _identity(credentials: Credentials) -> str:
    if credentials.username:
        return credentials.username
    token = credentials.token or ""
    return "token-" + hashlib.sha256(token.encode()).hexdigest()[:12]


def plan(paths: Sequence[str] | None = None, options: Options | None = None) -> list[Any]:
    """Convenience: plan the manifests and return the Plans."""
    with Run(paths, options) as run:
        return [g.plan for g in run.plan()]
