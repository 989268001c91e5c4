"""``ptsync adopt``: the command's side of ``ptsync.adopt`` — show, ask, write, apply.

The plan shown is exactly what adopt does (the markers it writes); the uuid pins change
manifest files, not the instance, so they are listed before asking, each with how its video
was found. What is left (creates, other updates) is counted at the end: ``ptsync apply``'s job.
"""

from __future__ import annotations

from collections.abc import Sequence

from ptsync.adopt import plan_adoption, write_pins
from ptsync.cli.console import info, out, plural
from ptsync.cli.flow import applying, confirm, finish, render
from ptsync.cli.interrupts import Interrupts
from ptsync.errors import EXIT_OK
from ptsync.options import Options
from ptsync.session import Run


def run_adopt(
    paths: Sequence[str] | None, options: Options, *, auto_approve: bool, write_uuids: bool
) -> int:
    with Interrupts() as interrupts, Run(paths, options) as run:
        adoptions = plan_adoption(run)
        out(render([a.adopted for a in adoptions]))
        if write_uuids:
            for pin in (p for a in adoptions for p in a.pins):
                info(f"  pin {pin.external_id}: uuid {pin.uuid} ({pin.how})")
        left = sum(a.left for a in adoptions)
        markers = any(a.adopted.plan.has_changes for a in adoptions)
        if not markers and not (write_uuids and any(a.pins for a in adoptions)):
            info("Nothing to adopt.")
            _left_for_apply(left)
            return EXIT_OK
        confirm(auto_approve, "Adopt these videos (markers and uuid pins)?")
        if write_uuids:
            for adoption in adoptions:
                for path, added in write_pins(adoption):
                    info(f"Pinned {plural(added, 'uuid')} in {path}")
        code = EXIT_OK
        if markers:  # through the ordinary apply path: progress, interruption, exit code
            adopted = [a.adopted for a in adoptions]
            reports = applying(run, interrupts, lambda hooks: run.apply(adopted, hooks))
            code = finish(reports, None, run.stop, interrupts)
        _left_for_apply(left)
        return code


def _left_for_apply(count: int) -> None:
    if count:
        info(f"Left for `ptsync apply` (adopt never creates): {plural(count, 'change')}.")
