"""ptsync: GitOps for PeerTube — the command line's own library, usable from Python.

    import ptsync

    plans = ptsync.plan(["manifests/"])        # one Plan per (instance, system); no change
    reports = ptsync.apply(["manifests/"], ptsync.Options(prune=True))

    with ptsync.Run(["manifests/"]) as run:    # to look at the plans before applying them
        planned = run.plan()
        run.check_safety(planned)              # TooMuchChange above the thresholds
        reports = run.apply(planned)

``Options`` holds every default (``ptsync.options``); instance URLs and credentials come from
``Options.env`` (``PEERTUBE_URL``, ``PEERTUBE_USERNAME``, ``PEERTUBE_PASSWORD`` or
``PEERTUBE_TOKEN``, as for the command line). Every error ptsync raises on purpose is a
``PtsyncError``; the tree is drawn in ``ptsync.errors`` and its classes are exported here.

Nothing is imported before a name is used (module ``__getattr__``), so ``import ptsync``, and
the command line, start fast. ``ptsync.plan`` and ``ptsync.apply`` are also the packages of
the planner and the executor; calling them is calling the library (``ptsync.entry``).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

ERRORS = (
    "PtsyncError",
    "Problem",
    "ManifestError",
    "VocabularyMiss",
    "ConfigError",
    "PasswordProblem",
    "CredentialsProblem",
    "MissingExtra",
    "PeerTubeError",
    "AuthenticationError",
    "CredentialsRefused",
    "PermissionDenied",
    "SyncsDisabled",
    "NotFound",
    "RequestRejected",
    "QuotaExceeded",
    "RateLimited",
    "ServerError",
    "UpstreamError",
    "TransportError",
    "TimedOut",
    "ServerUnreachable",
    "DeadlineExceeded",
    "Unreachable",
    "UploadInterrupted",
    "UploadSessionGone",
    "UploadWedged",
    "BadResponse",
    "AnswerTooLarge",
    "Redirected",
    "NotifyFailed",
    "UnknownChannel",
    "SourceMismatch",
    "PlanFileError",
    "ApplyFailed",
    "Refused",
    "TooMuchChange",
    "StalePlan",
    "UntrustedPlan",
)
_EXPORTS = {
    "Options": "ptsync.options",
    "DEFAULTS": "ptsync.options",
    "Run": "ptsync.session",
    "Hooks": "ptsync.session",
    **dict.fromkeys(ERRORS, "ptsync.errors"),
}
_PACKAGES = ("plan", "apply")  # callable packages (ptsync.entry)

__all__ = ["__version__", *_PACKAGES, *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _PACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
