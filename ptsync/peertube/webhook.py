"""POST a JSON document to the ``--notify`` webhook when apply finishes.

Through the one Sender seam, like every request: a few retries with backoff, a timeout, at most
``MAX_WEBHOOK_ANSWER`` bytes of the answer read, and no redirect followed (the body would be
posted again, somewhere else). The webhook is another origin than the instance: it gets the
document and a User-Agent, never the instance's token. The URL obeys the same transport rule
as the instance (https, or plain http only to loopback or with ``--insecure-http``): the body
names every video the run touched. A failure is returned as one line with the URL redacted
(``ptsync.redact``: a ``?token=`` stays out of logs); the caller decides what it means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from ptsync import __version__, redact
from ptsync.clock import SYSTEM, Clock
from ptsync.errors import ConfigError
from ptsync.options import DEFAULTS
from ptsync.peertube.failures import classify
from ptsync.peertube.origins import check_transport, resolve
from ptsync.peertube.sender import MAX_WEBHOOK_ANSWER, RequestsSender, Sender


class WebhookFailed(Exception):
    """The webhook answered, but not with success; ``again``: worth another attempt."""

    def __init__(self, reason: str, *, again: bool = True):
        super().__init__(reason)
        self.again = again


def send(
    url: str,
    body: Mapping[str, Any],
    *,
    sender: Sender | None = None,
    timeout: float = DEFAULTS.notify_timeout,
    attempts: int = DEFAULTS.notify_attempts,
    backoff: float = 1.0,
    insecure_http: bool = False,
    clock: Clock = SYSTEM,
) -> str | None:
    """POST ``body``; returns None on success, else the reason in one line (never raises)."""
    shown = redact.url(url)
    try:
        url = check_transport(url, insecure_http)
    except ConfigError as exc:
        return f"webhook {shown} not sent: {exc}"
    own = sender is None
    channel = sender if sender is not None else RequestsSender(1)
    tried = 0
    try:
        for attempt in Retrying(
            stop=stop_after_attempt(max(1, attempts)),
            wait=wait_exponential(multiplier=backoff, max=30),
            retry=retry_if_exception(_again),
            reraise=True,
            sleep=clock.sleep,
        ):
            with attempt:
                tried += 1
                _post(channel, url, body, timeout)
    except (requests.RequestException, WebhookFailed) as exc:
        times = f" after {tried} attempts" if tried > 1 else ""
        return f"webhook {shown} failed{times}: {_reason(exc)}"
    finally:
        if own:
            channel.close()
    return None


def _again(exc: BaseException) -> bool:
    if isinstance(exc, WebhookFailed):
        return exc.again
    return isinstance(exc, requests.RequestException)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, requests.RequestException):
        return redact.text(classify(exc)[1])  # a few words, never urllib3's text with the URL
    return str(exc)


def _post(sender: Sender, url: str, body: Mapping[str, Any], timeout: float) -> None:
    headers = {"User-Agent": f"ptsync/{__version__}", "Content-Type": "application/json"}
    answer = sender.request(
        "POST",
        url,
        json=dict(body),
        headers=headers,
        timeout=(min(DEFAULTS.connect_timeout, timeout), timeout),
        limit=MAX_WEBHOOK_ANSWER,
    )
    if answer.redirect is not None:
        target = redact.url(resolve(url, answer.redirect))
        raise WebhookFailed(f"redirected ({answer.status}) to {target}; not followed", again=False)
    if answer.status >= 300:
        raise WebhookFailed(f"HTTP {answer.status}")
