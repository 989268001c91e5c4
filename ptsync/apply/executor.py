"""Run a plan's changes concurrently under the client's shared rate limiter.

One item's failure never stops the others: each change becomes an ItemResult, failed or not.
Ctrl-C stops scheduling new work and lets running requests finish their current step; what
was not done shows up again in the next plan (the marker makes creates safe to re-run).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from ptsync.apply.inflight import InflightCreates
from ptsync.apply.videos import Actions, WriteClient
from ptsync.errors import PtsyncError
from ptsync.plan.changes import Change, CreateVideo, DeleteVideo, Plan, UpdateVideo
from ptsync.report.results import ApplyReport, ItemResult

log = logging.getLogger("ptsync.apply")
ResultHook = Callable[[ItemResult], None]


def apply_plan(
    plan: Plan,
    client: WriteClient,
    channels: Mapping[str, int],
    *,
    parallelism: int = 4,
    on_result: ResultHook | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    inflight: InflightCreates | None = None,
) -> ApplyReport:
    actions = Actions(client, plan.system, channels, on_progress, inflight)
    report = ApplyReport(plan.instance_url, plan.system)
    order = {id(c): i for i, c in enumerate(plan.videos)}
    done: dict[int, ItemResult] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, parallelism), thread_name_prefix="apply")
    try:
        pending: dict[Future[ItemResult], Change] = {
            pool.submit(run_change, actions, c): c for c in plan.videos
        }
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                change = pending.pop(future)
                done[order[id(change)]] = future.result()
                if on_result:
                    on_result(done[order[id(change)]])
    except KeyboardInterrupt:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
    report.results = [done[i] for i in sorted(done)]
    report.finished = time.time()
    return report


def run_change(actions: Actions, change: Change) -> ItemResult:
    started = time.monotonic()
    try:
        result = _dispatch(actions, change)
    except PtsyncError as exc:
        result = _failed(change, str(exc))
    except Exception as exc:  # a bug: report it on the item, keep the traceback in the log
        log.exception("internal error while applying %s", _label(change))
        result = _failed(change, f"internal error: {exc!r}")
        result.note = "bug"
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _dispatch(actions: Actions, change: Change) -> ItemResult:
    if isinstance(change, CreateVideo):
        return actions.create(change)
    if isinstance(change, UpdateVideo):
        return actions.update(change)
    assert isinstance(change, DeleteVideo)
    return actions.delete(change)


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


def _label(change: Change) -> str:
    return f"{change.action} {getattr(change, 'external_id', None) or getattr(change, 'uuid', '')}"
