"""Progress on stderr: rich bars on a terminal, plain periodic lines in CI logs (JSON lines
with ``--log-format json``), nothing with --quiet.

Uploads report bytes per file; import following reports finished/failed counts. Without a
terminal, a line is printed only when something changed (each quarter of an upload, each
import state change), so CI logs stay short. The bars take over the terminal while they run,
so a ProgressUI is entered only once every question has been answered (after the prompt).
While they are drawn, whatever is written to ``sys.stderr`` (results, log records) goes through
rich, above the bars; a signal's notice (``announce``) is drawn above them too and printed for
good when they go. rich is imported only when bars are drawn.
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ptsync.cli.console import color_enabled, err, info, json_logs, quiet
from ptsync.cli.interrupts import say

if TYPE_CHECKING:
    from ptsync.apply.follow import ImportProgress


class ProgressUI:
    def __init__(self, interactive: bool | None = None):
        if interactive is None:
            interactive = color_enabled(sys.stderr) and not quiet() and not json_logs()
        self.interactive = interactive
        self.notices: list[str] = []  # appended by a signal handler: no lock taken there
        self._lock = threading.Lock()
        self._tasks: dict[str, Any] = {}
        self._quarters: dict[str, int] = {}
        self._last_imports: tuple[int, int] | None = None
        self._bar: Any = None
        if self.interactive:
            from rich.console import Console
            from rich.progress import BarColumn, TextColumn, TimeRemainingColumn

            self._bar = _bars_with_notices(self.notices)(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[detail]}"),
                TimeRemainingColumn(),
                console=Console(file=sys.stderr),
                transient=True,
            )

    def __enter__(self) -> ProgressUI:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()  # transient: the bars and the notices drawn with them go
            for notice in self.notices:
                err(notice, level="warning", event="signal")

    def announce(self, text: str) -> None:
        """A signal's notice (called from the handler): drawn above the bars while they run."""
        if self._bar is None:
            say(text)
        else:
            self.notices.append(text)

    def upload(self, label: str, sent: int, total: int) -> None:
        with self._lock:
            if self._bar is not None:
                task = self._tasks.get(label)
                if task is None:
                    task = self._tasks[label] = self._bar.add_task(
                        f"upload {label}", total=total, detail=""
                    )
                detail = f"{sent / 2**20:.1f}/{total / 2**20:.1f} MiB"
                self._bar.update(task, completed=sent, detail=detail)
                return
            quarter = 4 * sent // total if total else 4
            if quarter > self._quarters.get(label, -1):
                self._quarters[label] = quarter
                info(
                    f"  upload {label}: {sent} of {total} bytes ({25 * quarter}%)",
                    **_event("upload", item=label, sent=sent, total=total),
                )

    def imports(self, progress: ImportProgress) -> None:
        with self._lock:
            key = (progress.finished, progress.failed)
            if self._bar is not None:
                task = self._tasks.get("imports")
                if task is None:
                    task = self._tasks["imports"] = self._bar.add_task(
                        "imports", total=progress.total, detail=""
                    )
                detail = f"{progress.finished}/{progress.total} ({progress.failed} failed)"
                self._bar.update(task, completed=progress.finished, detail=detail)
                return
            if key != self._last_imports:
                self._last_imports = key
                info(
                    f"  imports: {progress.finished}/{progress.total} finished, "
                    f"{progress.completed} succeeded, {progress.failed} failed "
                    f"({progress.progress_percent}%)",
                    **_event(
                        "imports",
                        finished=progress.finished,
                        total=progress.total,
                        succeeded=progress.completed,
                        failed=progress.failed,
                    ),
                )

    def items(self, label: str, done: int, total: int) -> None:
        """Counted work (e.g. export's detail fetches): a bar, or a line every 10 %."""
        with self._lock:
            if self._bar is not None:
                task = self._tasks.get(label)
                if task is None:
                    task = self._tasks[label] = self._bar.add_task(label, total=total, detail="")
                self._bar.update(task, completed=done, detail=f"{done}/{total}")
                return
            tenth = 10 * done // total if total else 10
            if tenth > self._quarters.get(label, -1):
                self._quarters[label] = tenth
                info(
                    f"  {label}: {done}/{total}",
                    **_event("items", item=label, done=done, total=total),
                )


def _event(kind: str, **fields: Any) -> dict[str, Any]:
    """Fields of a progress line in a JSON log (none in text)."""
    return {"event": "progress", "progress": kind, **fields} if json_logs() else {}


def _bars_with_notices(notices: list[str]) -> Any:
    """rich's Progress drawing ``notices`` (a signal's "stopping…") above the bars: the live
    display owns the terminal while it runs, so that is the one place a line stays visible."""
    from rich.progress import Progress
    from rich.text import Text

    class Bars(Progress):
        def get_renderables(self) -> Any:
            for notice in list(notices):
                yield Text(notice, style="bold")
            yield from super().get_renderables()

    return Bars
