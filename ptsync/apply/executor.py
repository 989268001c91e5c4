"""Run a plan's changes concurrently under the client's shared rate limiter.

One item's failure never stops the others: each change becomes an ItemResult, failed or not.
A bug is different (any exception that is not a ``PtsyncError``): nothing is started after it,
the running changes finish, and the exception goes up unchanged to the CLI's one handler (exit
3, the traceback in the crash log), not dressed up as a failed item. A ``Stop`` (requested by
the CLI's SIGINT/SIGTERM handler) means no change is started after it, and the running ones get
``grace`` seconds to finish before they are reported as in flight; a KeyboardInterrupt (library
use without a handler) cancels what has not started and waits for the rest. What was not done
shows up again in the next plan (the marker makes creates safe to re-run).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from ptsync.apply.inflight import InflightCreates
from ptsync.apply.videos import Actions, WriteClient
from ptsync.clock import SYSTEM, Clock
from ptsync.errors import CredentialsRefused, PtsyncError, ServerUnreachable
from ptsync.plan.changes import Change, CreateVideo, DeleteVideo, Plan, UpdateVideo
from ptsync.report.results import ApplyReport, ItemResult
from ptsync.state import FileSource, UrlSource

log = logging.getLogger("ptsync.apply")
ResultHook = Callable[[ItemResult], None]
_TICK = 0.2  # how often the scheduler looks at a stop request while changes run


@dataclass
class Stop:
    """A request to stop an apply. ``request`` may be called from a signal handler (it takes
    no lock); a second request ends the grace period at once. ``not_started`` and
    ``in_flight`` are filled by whoever runs the changes, for the summary and the report."""

    grace: float = 15.0
    reason: str | None = None  # e.g. "SIGTERM"; None: not requested
    since: float | None = None
    not_started: list[Change] = field(default_factory=list)
    in_flight: list[Change] = field(default_factory=list)
    clock: Clock = field(default=SYSTEM, repr=False, compare=False)  # measures the grace

    def request(self, reason: str) -> None:
        if self.reason is None:
            self.since = self.clock.monotonic()
            self.reason = reason
        else:
            self.grace = 0.0

    @property
    def requested(self) -> bool:
        return self.reason is not None

    def expired(self) -> bool:
        return self.since is not None and self.clock.monotonic() >= self.since + self.grace


def apply_plan(
    plan: Plan,
    client: WriteClient,
    channels: Mapping[str, int],
    *,
    parallelism: int,
    on_result: ResultHook | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    inflight: InflightCreates | None = None,
    stop: Stop | None = None,
    env: Mapping[str, str] | None = None,  # video passwords, source credentials (os.environ)
    sources: Mapping[str, UrlSource | FileSource] | None = None,  # the entries' own sources
    written: Callable[[UpdateVideo], None] | None = None,  # each update done (apply.warm)
    clock: Clock = SYSTEM,
) -> ApplyReport:
    actions = Actions(
        client, plan.system, channels, on_progress, inflight, env, sources, written, clock
    )
    report = ApplyReport(plan.instance_url, plan.system)
    stop = stop if stop is not None else Stop(clock=clock)
    order = {id(c): i for i, c in enumerate(plan.videos)}
    done: dict[int, ItemResult] = {}
    skipped: list[Change] = []
    pool = ThreadPoolExecutor(max_workers=max(1, parallelism), thread_name_prefix="apply")
    abandoned = False
    bug = threading.Event()  # set by the worker that hit one: no other change starts after it
    ended = threading.Condition()  # notified (through the clock) as each change ends
    try:
        pending: dict[Future[ItemResult | None], Change] = {
            pool.submit(_run_unless_stopped, actions, c, stop, bug): c for c in plan.videos
        }
        for future in pending:
            future.add_done_callback(lambda _: _notify(clock, ended))
        while pending:
            for future in _finished(pending, stop, clock, ended):
                change = pending.pop(future)
                result = future.result()  # a bug raises here: see the except below
                if result is None:
                    skipped.append(change)
                    continue
                done[order[id(change)]] = result
                if on_result:
                    on_result(result)
            if stop.requested:
                for future in list(pending):
                    if future.cancel():
                        skipped.append(pending.pop(future))
                if pending and stop.expired():
                    stop.in_flight.extend(sorted(pending.values(), key=lambda c: order[id(c)]))
                    abandoned = True
                    break
    except BaseException:  # Ctrl-C without a handler, or a bug: start nothing more, let the
        pool.shutdown(wait=True, cancel_futures=True)  # running changes end, then go up
        raise
    finally:
        pool.shutdown(wait=not abandoned, cancel_futures=True)
    stop.not_started.extend(sorted(skipped, key=lambda c: order[id(c)]))
    report.results = [done[i] for i in sorted(done)]
    report.finished = time.time()
    return report


def _finished(
    pending: Mapping[Future[ItemResult | None], Change],
    stop: Stop,
    clock: Clock,
    ended: threading.Condition,
) -> list[Future[ItemResult | None]]:
    """The changes that ended, waiting up to a tick for one. After a stop the wait is on the
    run's clock, which measures the grace (a FakeClock reaches its end by itself)."""
    if not stop.requested:
        return list(wait(pending, timeout=_TICK, return_when=FIRST_COMPLETED)[0])
    with ended:
        if not any(future.done() for future in pending):
            clock.wait(ended, _TICK)
    return [future for future in pending if future.done()]


def _notify(clock: Clock, ended: threading.Condition) -> None:
    with ended:
        clock.notify_all(ended)


def _run_unless_stopped(
    actions: Actions, change: Change, stop: Stop, bug: threading.Event
) -> ItemResult | None:
    """None: not started, because a stop was requested (or a bug hit) before this change's
    turn came. A server that stopped answering (its retries spent) stops the run the same
    way: every further item would spend its own retries on it and fail alike; so do
    credentials the server refuses for good (a revoked ``PEERTUBE_TOKEN``)."""
    if stop.requested or bug.is_set():
        return None
    try:
        with actions.clock.busy():  # a FakeClock moves only while every worker waits on it
            return run_change(actions, change, reraise=(ServerUnreachable, CredentialsRefused))
    except ServerUnreachable as exc:
        _stop_once(stop, f"the server stopped answering: {exc}")
        return _failed(change, str(exc))
    except CredentialsRefused as exc:
        _stop_once(stop, str(exc))
        return _failed(change, str(exc))
    except Exception:
        bug.set()
        raise


def _stop_once(stop: Stop, reason: str) -> None:
    """The first worker to meet the failure asks to stop; the others, failing alike while in
    flight, must not: a second request would end the running changes' grace period."""
    with _STOPPING:
        if not stop.requested:
            stop.request(reason)


_STOPPING = threading.Lock()


def run_change(
    actions: Actions, change: Change, *, reraise: tuple[type[Exception], ...] = ()
) -> ItemResult:
    started = actions.clock.monotonic()
    try:
        result = _dispatch(actions, change)
    except PtsyncError as exc:  # anything else is a bug: it goes up (exit 3, crash log)
        if isinstance(exc, reraise):
            raise
        result = _failed(change, str(exc))
    result.seconds = round(actions.clock.monotonic() - started, 3)
    return result


def _dispatch(actions: Actions, change: Change) -> ItemResult:
    if isinstance(change, CreateVideo):
        return actions.create(change)
    if isinstance(change, UpdateVideo):
        return actions.update(change)
    if isinstance(change, DeleteVideo):
        return actions.delete(change)
    raise TypeError(f"not a video change: {change!r}")


def _failed(change: Change, error: str) -> ItemResult:
    if isinstance(change, CreateVideo):
        result = ItemResult("create", change.external_id, change.fields.get("name"), False)
        result.method = change.method
    elif isinstance(change, UpdateVideo):
        result = ItemResult("update", change.external_id, change.name, False, uuid=change.uuid)
    else:
        assert isinstance(change, DeleteVideo)
        result = ItemResult("delete", change.external_id, change.name, False, uuid=change.uuid)
    result.error = error
    return result
