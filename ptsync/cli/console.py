"""Terminal conventions: stdout carries only the plan, results or JSON; logs, progress, prompts
and messages go to stderr; colour only on a terminal and never with NO_COLOR or TERM=dumb.

``--quiet`` keeps stderr for errors: ``info`` lines (✓ results, "Saved the plan…", "OK: …")
are dropped, ``err`` lines (✗ results, failures) stay.

With ``--log-format json`` every line ptsync writes on stderr is one JSON object (``time``,
``level``, ``logger``, ``message``, plus the fields of a result or a manifest problem): log
records, results, progress lines, errors and the Ctrl-C notices alike; only the confirmation
prompt, which a person answers, stays text. Progress bars are drawn only for text on a
terminal.

``handle_errors`` is the one place exceptions become exit codes (pre-commit's error_handler):
known errors print one clear line (a manifest error one line per problem), anything else is a
bug — a short line on stderr and the traceback in a log file, never a traceback in a CI log.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ptsync.errors import EXIT_BUG, EXIT_INTERRUPTED, Interrupted, ManifestError, PtsyncError

if TYPE_CHECKING:
    from ptsync.report.results import ItemResult

_quiet = False
_json = False
_no_color = False
CLI_LOGGER = "ptsync.cli"


def color_enabled(stream: TextIO, *, no_color_flag: bool = False) -> bool:
    """Colour (and progress bars) only on a terminal, never with --no-color, NO_COLOR or
    TERM=dumb."""
    if no_color_flag or _no_color or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def quiet() -> bool:
    return _quiet


def json_logs() -> bool:
    return _json


def json_line(
    level: str, message: str, logger: str = CLI_LOGGER, created: float | None = None, **fields: Any
) -> str:
    """One stderr line as JSON (the shape of every line with ``--log-format json``)."""
    import json

    moment = time.time() if created is None else created
    doc = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)),
        "level": level,
        "logger": logger,
        "message": message,
        **fields,
    }
    return json.dumps(doc, ensure_ascii=False)


def stderr_line(message: str, level: str = "info", **fields: Any) -> str | None:
    """What ``message`` becomes on stderr: itself, or a JSON line (None: nothing, a blank
    line has no place in a JSON log)."""
    if not _json:
        return message
    return json_line(level, message, **fields) if message or fields else None


def err(message: str = "", *, level: str = "error", **fields: Any) -> None:
    """A line on stderr that is shown even with --quiet (errors, refusals)."""
    line = stderr_line(message, level, **fields)
    if line is not None:  # one write: print's two (text, newline) interleave across threads
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def info(message: str = "", **fields: Any) -> None:
    """A line on stderr for a person watching; dropped with --quiet."""
    if not _quiet:
        err(message, level="info", **fields)


def out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    sys.stdout.flush()


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 video``, ``3 videos``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def one_line(text: str) -> str:
    return " ".join(text.split())


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:  # keep it one line: the traceback is a field, not more lines
            return json_line(
                record.levelname.lower(),
                message,
                record.name,
                record.created,
                traceback=self.formatException(record.exc_info),
            )
        return json_line(record.levelname.lower(), message, record.name, record.created)


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at that moment: while progress bars are drawn,
    rich puts a proxy there that prints above the bars, so a log line never tears them."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def setup_logging(verbosity: int, quiet: bool, log_format: str, *, no_color: bool = False) -> None:
    global _quiet, _json, _no_color
    _quiet = quiet
    _json = log_format == "json"
    _no_color = no_color
    level = (
        logging.ERROR
        if quiet
        else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbosity, 2)]
    )
    handler = _StderrHandler()
    if _json:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.captureWarnings(True)  # a library's warning is a log line like any other
    for name in ("ptsync", "py.warnings"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False


def github_annotation(exc: PtsyncError) -> list[str]:
    """``::error file=…,line=…::`` lines so GitHub shows manifest errors on the diff."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return []
    if isinstance(exc, ManifestError):
        return [
            f"::error file={p.ref.file},line={p.ref.line},col={p.ref.col}::"
            f"{_escape(p.ref.path + ': ' if p.ref.path else '')}{_escape(p.message)}"
            for p in exc.problems
        ]
    return [f"::error::{_escape(str(exc))}"]


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def item_label(result: ItemResult) -> str:
    """What a result is about, spelt as the plan spells it: ``123abc``, ``playlist apollo``."""
    who = result.external_id or result.uuid or ""
    kind, sep, key = who.partition(":")
    if sep and kind in ("playlist", "channel"):
        return f"{kind} {key}"
    return who


def result_line(result: ItemResult) -> str:
    """``create bad: import failed: <PeerTube's reason>`` (without the ✓/✗)."""
    what = f"{result.action} {item_label(result)}"
    if result.success and not result.partial:
        notes = [result.note] if result.note else []
        if result.import_id is not None and result.import_state == "pending":
            notes.append("import pending")  # its outcome is a later line (--wait) or status
        return what + (f" ({'; '.join(notes)})" if notes else "")
    return f"{what}: {one_line(result.error or 'failed')}"


def print_result(result: ItemResult) -> None:
    fields = _result_fields(result)
    if result.success and not result.partial:
        info(f"  ✓ {result_line(result)}", **fields)
    else:  # failed, or done in part: shown with --quiet too
        err(f"  {'!' if result.success else '✗'} {result_line(result)}", **fields)


def _result_fields(result: ItemResult) -> dict[str, Any]:
    if not _json:
        return {}
    fields: dict[str, Any] = {"event": "result", "action": result.action}
    fields.update(item=item_label(result), success=result.success, uuid=result.uuid)
    fields.update(error=result.error, note=result.note, partial=result.partial or None)
    return {k: v for k, v in fields.items() if v is not None}


def crash_log_path() -> Path:
    from ptsync.cachefiles import cache_dir

    return cache_dir() / "crash" / f"ptsync-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"


@contextmanager
def handle_errors(exit_with: Callable[[int], Any]) -> Iterator[None]:
    try:
        yield
    except (KeyboardInterrupt, Interrupted) as exc:  # apply winds down instead: cli.interrupts
        # raised only before any change was started (see cli.interrupts)
        err(f"Interrupted ({exc or 'Ctrl-C'}); nothing was changed.", level="warning")
        exit_with(int(getattr(exc, "exit_code", EXIT_INTERRUPTED)))
    except PtsyncError as exc:
        for line in github_annotation(exc):
            print(line, flush=True)
        if isinstance(exc, ManifestError):
            _manifest_lines(exc)
        else:
            err(f"Error: {one_line(str(exc))}")
        exit_with(exc.exit_code)
    except Exception as exc:
        where = write_crash_log(exc)
        err(f"ptsync hit a bug ({_short(exc)}); {where}. Please report it.", event="bug")
        exit_with(EXIT_BUG)


def _manifest_lines(exc: ManifestError) -> None:
    if not _json:
        err(str(exc))
        return
    for problem in exc.problems:
        ref = problem.ref
        err(str(problem), file=ref.file, line=ref.line, column=ref.col, path=ref.path)


def _short(exc: BaseException, limit: int = 160) -> str:
    """``TypeError: what it said``, on one line and short (the log has all of it)."""
    from ptsync.redact import text

    said = one_line(text(str(exc)))
    said = said if len(said) <= limit else said[: limit - 1] + "…"
    return f"{type(exc).__name__}: {said}" if said else type(exc).__name__


def write_crash_log(exc: BaseException) -> str:
    """The traceback (URLs redacted) in an owner-only file under the cache folder; says where."""
    import platform
    import traceback

    from ptsync import __version__
    from ptsync.redact import text

    path = crash_log_path()
    body = (
        f"ptsync {__version__} on Python {platform.python_version()} ({platform.platform()})\n"
        f"command: {text(' '.join(sys.argv[1:]))}\n\n" + "".join(traceback.format_exception(exc))
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text(body))
    except OSError:
        return "the traceback could not be saved"
    return f"the traceback is in {path}"
