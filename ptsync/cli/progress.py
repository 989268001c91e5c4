"""Progress on stderr: rich bars on a terminal, plain periodic lines in CI logs, nothing with
--quiet.

Uploads report bytes per file; import following reports finished/failed counts. Without a
terminal, a line is printed only when something changed (each quarter of an upload, each
import state change), so CI logs stay short. The bars take over the terminal while they run,
so a ProgressUI is entered only once every question has been answered (after the prompt).
rich is imported only when bars are drawn.
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ptsync.cli.console import color_enabled, info, quiet

if TYPE_CHECKING:
    from ptsync.apply.follow import ImportProgress


class ProgressUI:
    def __init__(self, interactive: bool | None = None):
        if interactive is None:
            interactive = color_enabled(sys.stderr) and not quiet()
        self.interactive = interactive
        self._lock = threading.Lock()
        self._tasks: dict[str, Any] = {}
        self._quarters: dict[str, int] = {}
        self._last_imports: tuple[int, int] | None = None
        self._bar: Any = None
        if self.interactive:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
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
            self._bar.stop()

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
                info(f"  upload {label}: {sent} of {total} bytes ({25 * quarter}%)")

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
                    f"({progress.progress_percent}%)"
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
                info(f"  {label}: {done}/{total}")
