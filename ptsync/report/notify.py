"""What an apply did, as JSON: the ``--notify`` webhook's body and the ``--report FILE``.

Both are a bulk-import job's summary: counts and per-video results over every group of the run
(built once, here). The webhook adds the manifest's ``context`` passed through unchanged, so a
receiver can tell which pipeline run it belongs to; the report adds the groups and, after a
signal, what was not started or may be in flight. Sending is HTTP: ``ptsync.peertube.webhook``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ptsync import __version__
from ptsync.report.results import ApplyReport


def payload(reports: Sequence[ApplyReport], context: Mapping[str, Any]) -> dict[str, Any]:
    docs = [r.to_dict() for r in reports]
    return {
        "event": "ptsync.apply.finished",
        "ptsync_version": __version__,
        "success": all(d["summary"]["failed"] == 0 for d in docs),
        **_totals(docs),
        "context": dict(context),
    }


def report_document(
    reports: Sequence[ApplyReport], interrupted: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``--report FILE``; ``interrupted``: the signal and the changes not started or in flight."""
    docs = [r.to_dict() for r in reports]
    totals = _totals(docs)
    return {
        "format_version": 1,
        "summary": totals["summary"],
        "interrupted": dict(interrupted) if interrupted is not None else None,
        "results": totals["results"],
        "groups": [{k: d[k] for k in ("instance", "system", "summary")} for d in docs],
    }


def _totals(docs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    keys = ("created", "updated", "deleted", "failed", "partial", "already_created", "total")
    return {
        "summary": {k: sum(d["summary"][k] for d in docs) for k in keys},
        "results": [
            {"instance": d["instance"], "system": d["system"], **item}
            for d in docs
            for item in d["results"]
        ],
    }
