"""The ``--notify`` webhook's JSON body: what an apply did, like a bulk-import job's summary.

Counts, per-video results and the manifest's ``context`` object passed through unchanged, so a
receiver can tell which pipeline run it belongs to. Sending it is HTTP and lives in
``ptsync.peertube.webhook``; the same document is what ``--report FILE`` writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ptsync import __version__
from ptsync.report.results import ApplyReport


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
