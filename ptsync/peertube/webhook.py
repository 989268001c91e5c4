"""POST a JSON document to the ``--notify`` webhook when apply finishes.

A few retries with backoff and a timeout; a webhook that keeps failing is reported but never
fails the apply (the videos are already changed). The URL obeys the same transport rule as the
instance (https, or plain http only to loopback or with ``--insecure-http``): the body names
every video the run touched.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import requests
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from ptsync import __version__
from ptsync.errors import ConfigError
from ptsync.peertube.http import check_transport

log = logging.getLogger("ptsync.notify")


class WebhookFailed(Exception):
    """The webhook answered, but not with success (retried like a connection error)."""


def send(
    url: str,
    body: Mapping[str, Any],
    *,
    timeout: float = 10.0,
    attempts: int = 3,
    backoff: float = 1.0,
    insecure_http: bool = False,
) -> str | None:
    """POST ``body``; returns None on success, else the reason (never raises)."""
    try:
        url = check_transport(url, insecure_http)
    except ConfigError as exc:
        log.warning("webhook not sent: %s", exc)
        return f"webhook not sent: {exc}"
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
