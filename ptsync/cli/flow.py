"""The steps several commands share: show a plan, ask, apply with progress, sum up.

``plan``, ``apply``, ``adopt`` and ``demo`` all show plans and run applies the same way, so the
steps live here, under the command table (``ptsync.cli.app``), which imports them; nothing
here imports the command table. Like it, this module imports only small modules at start-up
(the library is imported by the steps that use it).
"""

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ptsync.cli.console import color_enabled, err, info, out, plural, print_result, result_line
from ptsync.cli.interrupts import Interrupts
from ptsync.cli.shared import CHANGES_A_PLAN, Given
from ptsync.errors import (
    EXIT_CHANGES,
    EXIT_OK,
    ApplyFailed,
    ConfigError,
    NotifyFailed,
)
from ptsync.render import Format

if TYPE_CHECKING:
    from ptsync.apply.executor import Stop
    from ptsync.planner import PlannedGroup
    from ptsync.report.results import ApplyReport
    from ptsync.session import Hooks, Run


def render(planned: "Sequence[PlannedGroup]", fmt: Format = Format.text) -> str:
    from ptsync.render import render_plans

    return render_plans([g.plan for g in planned], fmt, color=color_enabled(sys.stdout))


def refuse_plan_files(paths: "Sequence[str] | None", command: str) -> None:
    """A saved plan is not a manifest: say so in one line instead of parsing it as YAML."""
    for raw in paths or ():
        if is_plan(Path(raw)):
            if command == "apply":
                raise ConfigError(
                    f"{raw} is a saved plan: apply it alone (ptsync apply {raw}); the manifests "
                    "it was made from are recorded in it"
                )
            raise ConfigError(
                f"{raw} is a saved plan, not a manifest (apply it: ptsync apply {raw})"
            )


def is_plan(path: Path) -> bool:
    """A saved plan by ``planfile.is_plan_file``'s rule; a FIFO or a device is never opened
    here, and a YAML file costs no import (validate starts fast)."""
    import stat

    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return False
    if not stat.S_ISREG(mode) or path.suffix.lower() in (".yaml", ".yml"):
        return False
    from ptsync.store.planfile import is_plan_file

    return is_plan_file(path)


def writable(path: Path, option: str) -> None:
    """Refuse, before anything runs, a file whose folder does not exist (never created)."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(f"{option} {path}: the folder {folder} does not exist")
    if path.is_dir():
        raise ConfigError(f"{option} {path}: is a folder, not a file")


def plan_exit(planned: "Sequence[PlannedGroup]", detailed: bool) -> int:
    if not detailed:
        return EXIT_OK
    changed = any(g.plan.has_changes for g in planned)
    attention = [n for g in planned for n in g.plan.needs_attention]
    if attention and not changed:
        kinds = sorted({n.kind.value for n in attention})
        verb = "needs" if len(attention) == 1 else "need"
        info(f"Exit 2: {plural(len(attention), 'notice')} {verb} a person ({', '.join(kinds)})")
    return EXIT_CHANGES if changed or attention else EXIT_OK


def refuse_plan_options(given: Given, saved_path: Path) -> None:
    """A saved plan is applied as it was reviewed: an option that would have made another plan
    (or judged it by other thresholds) belongs to ``ptsync plan``."""
    typed = [CHANGES_A_PLAN[name] for name in given.typed(*CHANGES_A_PLAN)]
    if typed:
        raise ConfigError(
            f"{', '.join(typed)} cannot change the saved plan {saved_path}: it is applied as it "
            f"was made; give {'them' if len(typed) > 1 else 'it'} to ptsync plan --out instead"
        )


def applying(
    run: "Run", interrupts: Interrupts, work: "Callable[[Hooks], list[ApplyReport]]"
) -> "list[ApplyReport]":
    """Run ``work`` with progress on stderr, a signal winding it down instead of ending it.
    The progress display starts here, after any prompt: it takes the terminal over."""
    from ptsync.cli.progress import ProgressUI
    from ptsync.session import Hooks

    interrupts.stopping(run.stop)
    with ProgressUI() as ui:
        interrupts.announcing(ui.announce)
        try:
            return work(Hooks(print_result, ui.upload, ui.imports))  # webhook failures: finish
        finally:
            interrupts.announcing(None)


def confirm(auto_approve: bool, question: str = "Apply these changes?") -> None:
    """Ask on the terminal (stderr, the answer echoed as typed); only ``yes`` goes on."""
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise ConfigError("apply needs --auto-approve when not run interactively; nothing changed")
    sys.stderr.write(f"{question} Only 'yes' is accepted: ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if answer.strip() != "yes":
        raise ConfigError(
            f"cancelled (the answer was {answer.strip()!r}, not 'yes'); nothing changed"
        )


def finish(
    reports: "list[ApplyReport]",
    report_path: Path | None,
    stop: "Stop | None" = None,
    interrupts: Interrupts | None = None,
    notify_problems: Sequence[str] = (),
) -> int:
    """Summary lines, the report, the exit code: a failed item, or a webhook that could not
    be told although the changes were made, is exit 1 (the latter says so in one line)."""
    interrupted = stop is not None and stop.requested
    for item in reports:
        line = item.summary_line()
        out(line.replace("Apply complete:", "Apply interrupted:", 1) if interrupted else line)
        for result in item.incomplete_results():  # named, with PeerTube's words
            out(f"  {'!' if result.success else '✗'} {result_line(result)}")
    if interrupted and stop is not None:
        _interrupted_lines(stop)
    if report_path is not None:
        import json

        try:
            report_path.write_text(json.dumps(report_document(reports, stop), indent=2) + "\n")
        except OSError as exc:  # the changes are made: say so, do not call it a bug
            raise ConfigError(f"--report {report_path}: cannot write ({exc.strerror})") from None
    if interrupted and interrupts is not None and interrupts.exit_code is not None:
        return interrupts.exit_code
    failed = sum(r.incomplete for r in reports)
    if failed:
        for problem in notify_problems:
            err(f"The notification failed too: {problem}")
        raise ApplyFailed(failed, sum(len(r.results) for r in reports))
    if notify_problems:
        raise NotifyFailed("; ".join(notify_problems))
    return EXIT_OK


def _interrupted_lines(stop: "Stop") -> None:
    if stop.not_started:
        err(f"Interrupted ({stop.reason}): {plural(len(stop.not_started), 'change')} not started.")
    if stop.in_flight:
        err(
            f"{plural(len(stop.in_flight), 'change')} may still be in flight (their outcome "
            "shows in the next plan; a create is never made twice):"
        )
        for change in stop.in_flight:
            err(f"  {_change_label(change)}")
    err("Run plan (or apply) again to finish.")


def _change_label(change: Any) -> str:
    what = "" if change.resource.value == "video" else f"{change.resource.value} "
    return f"{change.action.value} {what}{change.key}"


def report_document(reports: "list[ApplyReport]", stop: "Stop | None" = None) -> dict[str, Any]:
    from ptsync.report.notify import report_document as document

    interrupted = None
    if stop is not None and stop.requested:
        interrupted = {
            "signal": stop.reason,
            "not_started": [_change_ref(c) for c in stop.not_started],
            "in_flight": [_change_ref(c) for c in stop.in_flight],
        }
    return document(reports, interrupted)


def _change_ref(change: Any) -> dict[str, str]:
    return {"action": change.action.value, "resource": change.resource.value, "key": change.key}
