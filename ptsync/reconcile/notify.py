"""``--notify URL`` / ``notify:``: POST a JSON summary when apply finishes.

Like a bulk-import job's webhook: counts, per-video results and the manifest's ``context``
object passed through unchanged. A few retries with backoff and a timeout; a webhook that
keeps failing is reported but never fails the apply (the videos are already changed).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import requests
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from ptsync import __version__
from ptsync.reconcile.report import ApplyReport

log = logging.getLogger("ptsync.notify")


class WebhookFailed(Exception):
    pass


def payload(reports: Sequence[ApplyReport], context: Mapping[str, Any]) -> dict[str, Any]:
    docs = [r.to_dict() for r in reports]
    keys = ("created", "updated", "deleted", "failed", "total")
    return {
        "event": "ptsync.apply.finished",
        "ptsync_version": __version__,
        "success": all(d["summary"]["failed"] == 0 for d in docs),
        "summary": {k: sum(d["summary"][k] for d in docs) for k in keys},
        "results": [
            {"instance": d["instance"], "system": d["system"], **item}
            for d in docs
            for item in d["results"]
        ],
        "context": dict(context),
    }


def send(
    url: str,
    body: Mapping[str, Any],
    *,
    timeout: float = 10.0,
    attempts: int = 3,
    backoff: float = 1.0,
) -> str | None:
    """POST ``body``; returns None on success, else the reason (never raises)."""
    try:
        for attempt in Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=backoff, max=30),
            retry=retry_if_exception_type((requests.RequestException, WebhookFailed)),
            reraise=True,
        ):
            with attempt:
                _post(url, body, timeout)
    except (requests.RequestException, WebhookFailed) as exc:
        reason = f"webhook {url} failed after {attempts} attempts: {exc}"
        log.warning("%s", reason)
        return reason
    return None


def _post(url: str, body: Mapping[str, Any], timeout: float) -> None:
    headers = {"User-Agent": f"ptsync/{__version__}", "Content-Type": "application/json"}
    response = requests.post(url, json=dict(body), timeout=timeout, headers=headers)
    if response.status_code >= 300:
        raise WebhookFailed(f"HTTP {response.status_code}")
