"""``ptsync`` command line: parse options, call the library, map outcomes to exit codes.

Exit codes: 0 ok (plan: nothing to do with --detailed-exitcode), 1 error (including usage
errors, so that 2 only ever means "the plan has something for you"), 2 changes or notices
that need a person (--detailed-exitcode), 3 internal bug, 4 refused for safety or stale plan,
130 interrupted by SIGINT (Ctrl-C), 143 by SIGTERM.

Start-up is kept short (pre-commit hooks and CI loops run ptsync often): this module imports
typer and small modules only; the library (session, client, requests), the manifest models,
rich, ruamel and the fake PeerTube are imported by the commands that use them. No ``from
__future__ import annotations`` here: typer reads every command's annotations at each start,
and as strings they would be compiled one by one (about 300 of them); names imported only for
type checking are quoted instead.
"""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ptsync.cli.console import err, handle_errors, info, out, plural, setup_logging
from ptsync.cli.flow import (
    applying,
    confirm,
    finish,
    is_plan,
    plan_exit,
    refuse_plan_files,
    refuse_plan_options,
    render,
    writable,
)
from ptsync.cli.interrupts import Interrupts
from ptsync.cli.options import ExportFormat, LogFormat, StatusFormat, hoist_globals
from ptsync.cli.shared import (
    CONNECTION,
    DEFAULT_MAX_FRACTION,
    DEFAULT_MIN_EXISTING,
    MANIFESTS,
    PLANNING,
    Given,
    number,
    shared,
)
from ptsync.errors import EXIT_ERROR, EXIT_OK, ConfigError, StalePlan
from ptsync.options import DEFAULT_PATHS, DEFAULTS
from ptsync.render import Format

if TYPE_CHECKING:
    from ptsync.export import Exported

__all__ = ["DEFAULT_MAX_FRACTION", "DEFAULT_MIN_EXISTING", "app", "main"]


class _Command(typer.core.TyperCommand):
    """Help in a person's words: an argument is shown by its name (``PATHS...``), not with a
    Python type (``<list[str]>``); options carry a metavar (``N``, ``SECONDS``) for the same
    reason (see ptsync.cli.shared)."""

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args, opts = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                args.append((param.metavar or param.name.upper(), record[1]))
            elif param.param_type_name == "option":
                opts.append(record)
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich would double the start-up time
    context_settings={"max_content_width": 100},
    help="GitOps for PeerTube: plan and apply video metadata from YAML manifests. "
    "-v, -q, --log-format and --no-color may also follow the command.",
)


def command(short: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A command with its one-line summary for the command list (never cut to fit)."""
    return app.command(cls=_Command, short_help=short)


MIB = 2**20

Paths = Annotated[
    list[str] | None,
    typer.Argument(metavar="PATHS", help="Manifest files or folders (default: manifests/)."),
]
AutoApprove = Annotated[bool, typer.Option("--auto-approve", help="Do not ask for confirmation.")]


def _version(value: bool) -> None:
    if value:
        from ptsync import __version__

        out(f"ptsync {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _global(
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="More logs.")] = 0,
    quiet: Annotated[
        bool, typer.Option("-q", "--quiet", help="Only errors on stderr (stdout unchanged).")
    ] = False,
    log_format: Annotated[
        LogFormat, typer.Option(metavar="text|json", help="Log format (stderr).")
    ] = LogFormat.text,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colours (as NO_COLOR=1); no progress bars.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_version, help="Show the version."),
    ] = False,
) -> None:
    setup_logging(verbose, quiet, log_format.value, no_color=no_color)


# ---------------------------------------------------------------------------------- plan


@command("Show what apply would change, without changing anything.")
@shared(PLANNING, CONNECTION, MANIFESTS)
def plan(
    given: Given,
    paths: Paths = None,
    format: Annotated[
        Format, typer.Option("--format", "-f", metavar="text|json|markdown", help="Output format.")
    ] = Format.text,
    out_file: Annotated[
        Path | None, typer.Option("--out", metavar="FILE", help="Save the plan for apply.")
    ] = None,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode",
            help="Exit 2 when there are changes or notices that need a person, 0 when none.",
        ),
    ] = False,
) -> int:
    """Show what apply would change, without changing anything."""
    from ptsync.session import Run
    from ptsync.store import planfile

    refuse_plan_files(paths, "plan")
    with Run(paths, given.options()) as run:
        planned = run.plan()
        out(render(planned, format))
        run.check_safety(planned)  # after the plan is shown: the reviewer sees what is refused
        if out_file is not None:
            groups = [planfile.SavedGroup(g.desired.digest, g.plan) for g in planned]
            planfile.save(out_file, run.paths, groups)
            info(f"Saved the plan to {out_file}; apply it with: ptsync apply {out_file}")
    return plan_exit(planned, detailed_exitcode)


# ---------------------------------------------------------------------------------- apply


@command("Make the instance match the manifests, or carry out a saved plan.")
@shared(PLANNING, CONNECTION, MANIFESTS)
def apply(
    given: Given,
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PATHS | PLANFILE",
            help="Manifest files/folders (default manifests/), or a saved plan file.",
        ),
    ] = None,
    auto_approve: AutoApprove = False,
    report: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write per-item results as JSON.")
    ] = None,
    wait: Annotated[
        bool | None,
        typer.Option(
            "--wait/--no-wait", help="Follow imports to the end (default: on a terminal)."
        ),
    ] = None,
    wait_timeout: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS",
            parser=number("--wait-timeout", float, 0),
            show_default=False,
            help=f"Give up following imports after this long (default: {DEFAULTS.wait_timeout:g}).",
        ),
    ] = None,
    notify: Annotated[
        str | None,
        typer.Option(metavar="URL", help="POST a JSON summary here when done (overrides notify:)."),
    ] = None,
    chunk_size: Annotated[
        int | None,
        typer.Option(
            metavar="MIB",
            parser=number("--chunk-size", int, 1),
            show_default=False,
            help=f"Upload chunk size in MiB (default: {DEFAULTS.chunk_size // MIB}).",
        ),
    ] = None,
) -> int:
    """Make the instance match the manifests (or carry out a saved plan)."""
    from ptsync.session import Run
    from ptsync.store import planfile

    more: dict[str, Any] = {"wait": sys.stderr.isatty() if wait is None else wait}
    if wait_timeout is not None:
        more["wait_timeout"] = wait_timeout
    if chunk_size is not None:
        more["chunk_size"] = chunk_size * MIB
    options = given.options(notify_url=notify, **more)
    if report is not None:
        writable(report, "--report")
    saved_path = Path(paths[0]) if paths and len(paths) == 1 else None
    if saved_path is None or not is_plan(saved_path):
        refuse_plan_files(paths, "apply")
    with Interrupts() as interrupts:
        if saved_path is not None and is_plan(saved_path):
            refuse_plan_options(given, saved_path)
            saved = planfile.load(saved_path)
            with Run(list(saved.manifests), options) as run:
                run.check_saved(saved, str(saved_path))
                run.check_notify()
                try:
                    reports = applying(run, interrupts, lambda h: run.apply_saved(saved, h))
                except StalePlan:
                    if not run.already_applied(saved):
                        raise
                    info(
                        f"{saved_path} was already applied: the instance matches the manifests "
                        "it was made from. Nothing to do."
                    )
                    return EXIT_OK
                return finish(reports, report, run.stop, interrupts, run.notify_problems)
        with Run(paths, options) as run:
            run.check_notify()
            planned = run.plan()
            out(render(planned))
            if not any(g.plan.has_changes for g in planned):
                return EXIT_OK
            run.check_safety(planned)
            confirm(auto_approve)
            reports = applying(run, interrupts, lambda h: run.apply(planned, h))
            return finish(reports, report, run.stop, interrupts, run.notify_problems)


# ---------------------------------------------------------------------------------- adopt


@command("Take over existing videos: write markers and pin uuids; never creates.")
@shared(CONNECTION, MANIFESTS)
def adopt(
    given: Given,
    paths: Paths = None,
    auto_approve: AutoApprove = False,
    write_uuids: Annotated[
        bool,
        typer.Option(
            "--write-uuids/--no-write-uuids",
            help="Pin adopted videos by writing their uuids into the manifest files.",
        ),
    ] = True,
) -> int:
    """Take over existing videos: write ptsync markers and pin uuids; never creates."""
    from ptsync.cli.adopt import run_adopt

    refuse_plan_files(paths, "adopt")
    options = given.options(adopt=True)
    return run_adopt(paths, options, auto_approve=auto_approve, write_uuids=write_uuids)


# ---------------------------------------------------------------------------------- export


@command('Write a manifest for existing videos that plans "No changes".')
@shared(CONNECTION)
def export(
    given: Given,
    channel: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Channel name (handle); default: all your videos."),
    ] = None,
    system: Annotated[
        str, typer.Option(metavar="NAME", help="External-id namespace of the manifest.")
    ] = "main",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="FILE", help="Write here.")
    ] = None,
    format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            metavar="yaml|csv|xlsx",
            help="yaml: a manifest; csv or xlsx: a catalogue (with uuid and url) and, beside "
            "it, the manifest declaring it.",
        ),
    ] = ExportFormat.yaml,
) -> int:
    """Write a manifest for existing videos (pinned by uuid) that plans "No changes"."""
    from ptsync.cli.progress import ProgressUI
    from ptsync.export import export_manifest, export_table

    if output is not None:
        writable(output, "--output")
    with ProgressUI() as ui:
        progress = lambda done, total: ui.items("videos", done, total)  # noqa: E731
        if format is ExportFormat.yaml:
            exported = export_manifest(
                given.options(), channel=channel, system=system, on_progress=progress
            )
        else:
            exported = export_table(
                given.options(),
                fmt=format.value,
                output=output,
                channel=channel,
                system=system,
                on_progress=progress,
            )
    return _exported(exported, format, output)


def _exported(exported: "Exported", format: ExportFormat, output: Path | None) -> int:
    if exported.foreign and format is not ExportFormat.yaml:
        info(f"Left out {plural(exported.foreign, 'video')} owned by another system's manifest")
    if output is None:
        out((exported.text or "").rstrip("\n"))
        return EXIT_OK
    what = plural(exported.videos, "video")
    if exported.playlists:
        what += f" and {plural(exported.playlists, 'playlist')}"
    if format is ExportFormat.yaml:
        output.write_text(exported.text or "", encoding="utf-8")
        info(f"Wrote {what} to {output}; check it with: ptsync plan {output}")
        schema_file = output.parent / "ptsync.schema.json"
        if not schema_file.exists():
            hint = "For completion in editors, write the schema it names"
            info(f"{hint}: ptsync schema -o {schema_file}")
        return EXIT_OK
    info(f"Wrote {plural(exported.videos, 'video')} to {output}")
    if exported.manifest is not None:
        lists = f" and {plural(exported.playlists, 'playlist')}" if exported.playlists else ""
        info(
            f"Wrote {exported.manifest}, which declares it{lists}; check it with: "
            f"ptsync plan {exported.manifest}"
        )
    else:
        info(f"{output.with_suffix('.yaml')} exists: left as it is (its catalogues: name the file)")
    return EXIT_OK


# ---------------------------------------------------------------------------------- status


@command("Import and processing state of the manifest's videos and syncs; exit 1 when any failed.")
@shared(CONNECTION, MANIFESTS)
def status(
    given: Given,
    paths: Paths = None,
    format: Annotated[
        StatusFormat, typer.Option("--format", "-f", metavar="text|json", help="Output format.")
    ] = StatusFormat.text,
) -> int:
    """Import and processing state of the manifest's videos and channel syncs; exit 1 when
    any failed."""
    import json

    from ptsync.render.status_table import render_status
    from ptsync.report.status import status_document
    from ptsync.session import Run

    refuse_plan_files(paths, "status")
    with Run(paths, given.options()) as run:
        doc = status_document(run.status())
    out(json.dumps(doc, indent=2) if format is StatusFormat.json else render_status(doc))
    return EXIT_ERROR if doc["failed"] or doc["syncs_failed"] else EXIT_OK


# ---------------------------------------------------------------------------------- offline


@command("Check manifests offline: structure, PeerTube's limits, ids, files.")
@shared(MANIFESTS)
def validate(given: Given, paths: Paths = None) -> int:
    """Check manifests offline: structure, PeerTube's limits, ids, files."""
    from ptsync.manifest import load

    refuse_plan_files(paths, "validate")
    mset = load(paths or DEFAULT_PATHS, media_roots=tuple(given.get("media_root") or ()))
    videos = sum(len(g.videos) for g in mset.groups)
    info(
        f"OK: {plural(len(mset.files), 'file')}, {plural(videos, 'video')} in "
        f"{plural(len(mset.groups), 'group')}"
    )
    return EXIT_OK


@command("Print (or write) the manifest's JSON Schema, for editors and CI.")
def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help="Write the schema to this file (e.g. for editors).",
        ),
    ] = None,
) -> int:
    """Print (or write) the manifest's JSON Schema, for editors and CI."""
    import json

    from ptsync.manifest import json_schema

    if output is not None:
        writable(output, "--output")
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False)
    if output is None:
        out(text)
        return EXIT_OK
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--output {output}: cannot write ({exc.strerror})") from None
    info(f"Wrote the manifest schema to {output}")
    return EXIT_OK


@command("Show ptsync's version.")
def version() -> int:
    """Show ptsync's version (also: ptsync --version)."""
    from ptsync import __version__

    out(f"ptsync {__version__}")
    return EXIT_OK


@command("Plan, apply and re-plan a manifest against a bundled fake PeerTube.")
def demo(
    manifest: Annotated[
        Path | None,
        typer.Argument(metavar="MANIFEST", help="Manifest to demo (default: the bundled example)."),
    ] = None,
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            metavar="DIR",
            help="Also copy the example (manifest, media, schema) into this folder, to edit.",
        ),
    ] = None,
) -> int:
    """Plan, apply and re-plan a manifest against a bundled fake PeerTube."""
    from ptsync.cli.demo import run_demo

    return run_demo(manifest, keep=keep)


@command("Stop managing videos: mark their entries lifecycle: unmanaged.")
@shared(MANIFESTS)
def forget(
    given: Given,
    ids: Annotated[
        list[str], typer.Argument(metavar="IDS", help="External ids of the videos to let go.")
    ],
    manifest: Annotated[
        list[str] | None,
        typer.Option(
            "--manifest",
            "-m",
            metavar="PATH",
            help="Manifest files or folders (default: manifests/); repeatable.",
        ),
    ] = None,
) -> int:
    """Stop managing videos: set `lifecycle: unmanaged` on their manifest entries; the next
    apply removes their markers and changes nothing else."""
    from ptsync.manifest.writeback import forget as mark_forgotten

    refuse_plan_files(manifest, "forget")
    roots = tuple(str(p) for p in given.get("media_root") or ())
    changed = mark_forgotten(manifest or DEFAULT_PATHS, ids, media_roots=roots)
    for path, count in changed.items():
        info(f"Marked {count} entr{'y' if count == 1 else 'ies'} unmanaged in {path}")
    if not changed:
        info("Nothing to change: those entries are already unmanaged")
    return EXIT_OK


# ---------------------------------------------------------------------------------- main


def _valued_options(command: str) -> frozenset[str]:
    """The options of ``command`` that take a value (for moving global options)."""
    group = typer.main.get_command(app)
    found = getattr(group, "commands", {}).get(command)
    names: set[str] = set()
    for param in getattr(found, "params", ()):
        if getattr(param, "param_type_name", "") != "option":
            continue
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            continue
        names.update(param.opts)
    return frozenset(names)


def main(argv: list[str] | None = None) -> int:
    code = EXIT_ERROR
    args = hoist_globals(sys.argv[1:] if argv is None else argv, _valued_options)

    def exit_with(value: int) -> None:
        nonlocal code
        code = value

    with handle_errors(exit_with), Interrupts():
        try:
            result = app(args=args, prog_name="ptsync", standalone_mode=False)
        except typer.Exit as exc:
            return int(getattr(exc, "exit_code", 0) or 0)
        except typer.Abort:
            raise KeyboardInterrupt from None
        except typer.TyperException as exc:  # usage errors: 1, so that 2 only means "changes"
            _usage_error(exc)
            return EXIT_ERROR
        return result if isinstance(result, int) else EXIT_OK
    return code


def _usage_error(exc: Exception) -> None:
    """One line: what is wrong and where help is (a bare ``ptsync`` still shows the help)."""
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError":
        exc.show()  # type: ignore[attr-defined]
        return
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    param = getattr(exc, "param", None)
    if type(exc).__name__ == "BadParameter" and param is not None:
        names = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
        message = f"{names[0] if names else param.name}: {exc.message}"  # type: ignore[attr-defined]
    where = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
    err(f"Error: {' '.join(message.split())}{where}")
