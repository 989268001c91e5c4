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

import dataclasses
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ptsync.cli.console import (
    color_enabled,
    err,
    handle_errors,
    info,
    out,
    plural,
    print_result,
    setup_logging,
)
from ptsync.cli.interrupts import Interrupts
from ptsync.cli.options import LogFormat, StatusFormat, check_rate, hoist_globals, parse_rate
from ptsync.errors import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    ApplyFailed,
    ConfigError,
    NotifyFailed,
    StalePlan,
)
from ptsync.render import Format

if TYPE_CHECKING:
    from ptsync.apply.executor import Stop
    from ptsync.live.fetch import PlannedGroup
    from ptsync.report.results import ApplyReport
    from ptsync.session import Hooks, Options, Run
    from ptsync.store.planfile import SavedPlan

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich would double the start-up time
    help="GitOps for PeerTube: plan and apply video metadata from YAML manifests. "
    "-v, -q and --log-format may also follow the command.",
)

DEFAULT_PATHS = ["manifests/"]
# ptsync.plan.safety's defaults, written here so that start-up does not import the planner
# (tests/cli/test_startup.py checks that they agree).
DEFAULT_MAX_FRACTION = 0.3
DEFAULT_MIN_EXISTING = 10

Paths = Annotated[
    list[str] | None, typer.Argument(help="Manifest files or folders (default: manifests/).")
]
Prune = Annotated[bool, typer.Option(help="Delete managed videos missing from the manifest.")]
Force = Annotated[
    bool, typer.Option(help="Allow changing more than --max-update/--max-delete-fraction.")
]
MaxDelete = Annotated[
    float, typer.Option(min=0.0, max=1.0, help="Refuse plans deleting more of the managed videos.")
]
MaxUpdate = Annotated[
    float,
    typer.Option(min=0.0, max=1.0, help="Refuse plans updating more of the videos they can touch."),
]
SafetyMin = Annotated[
    int, typer.Option(min=0, help="Check the fractions only from this many existing videos.")
]
Parallelism = Annotated[int, typer.Option(min=1, max=32, help="Concurrent requests.")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Bypass the detail/vocabulary cache.")]
InsecureHttp = Annotated[
    bool, typer.Option("--insecure-http", help="Allow http:// to non-loopback hosts.")
]
Timeout = Annotated[
    float, typer.Option(min=0.1, help="Seconds to wait for each answer before retrying.")
]
MediaRoots = Annotated[
    list[Path] | None,
    typer.Option(
        "--media-root",
        help="A folder local files (sources, thumbnails, captions) may also come from; repeatable.",
    ),
]
DEFAULT_RATE = "50/10"  # None from the option: not given, so admins are not capped
RateLimit = Annotated[
    str | None,
    typer.Option(
        help="'REQUESTS/SECONDS' until the server reports its own window, or 'off'; "
        "given explicitly, it also caps admins and moderators.",
        show_default=DEFAULT_RATE,
        callback=check_rate,
    ),
]
AutoApprove = Annotated[bool, typer.Option(help="Do not ask for confirmation.")]


@app.callback()
def _global(
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="More logs.")] = 0,
    quiet: Annotated[
        bool, typer.Option("-q", "--quiet", help="Only errors on stderr (stdout unchanged).")
    ] = False,
    log_format: Annotated[LogFormat, typer.Option(help="Log format.")] = LogFormat.text,
) -> None:
    setup_logging(verbose, quiet, log_format.value)


def _options(
    prune: bool = False,
    force: bool = False,
    fractions: tuple[float, float, int] = (
        DEFAULT_MAX_FRACTION,
        DEFAULT_MAX_FRACTION,
        DEFAULT_MIN_EXISTING,
    ),
    parallelism: int = 4,
    no_cache: bool = False,
    insecure_http: bool = False,
    rate_limit: str | None = None,
    media_roots: Sequence[Path] | None = None,
) -> "Options":
    from ptsync.session import Options

    return Options(
        prune=prune,
        force=force,
        max_delete_fraction=fractions[0],
        max_update_fraction=fractions[1],
        safety_min_existing=fractions[2],
        parallelism=parallelism,
        use_cache=not no_cache,
        insecure_http=insecure_http,
        rate_limit=parse_rate(rate_limit or DEFAULT_RATE),
        rate_limit_explicit=rate_limit is not None,
        media_roots=tuple(str(p) for p in media_roots or ()),
    )


def render(planned: "Sequence[PlannedGroup]", fmt: Format = Format.text) -> str:
    from ptsync.render import render_plans

    return render_plans([g.plan for g in planned], fmt, color=color_enabled(sys.stdout))


# ---------------------------------------------------------------------------------- plan


@app.command()
def plan(
    paths: Paths = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    out_file: Annotated[Path | None, typer.Option("--out", help="Save the plan for apply.")] = None,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            help="Exit 2 when there are changes or notices that need a person, 0 when none."
        ),
    ] = False,
    prune: Prune = False,
    force: Force = False,
    max_delete_fraction: MaxDelete = DEFAULT_MAX_FRACTION,
    max_update_fraction: MaxUpdate = DEFAULT_MAX_FRACTION,
    safety_min_existing: SafetyMin = DEFAULT_MIN_EXISTING,
    parallelism: Parallelism = 4,
    no_cache: NoCache = False,
    insecure_http: InsecureHttp = False,
    rate_limit: RateLimit = None,
    timeout: Timeout = 60.0,
    media_root: MediaRoots = None,
) -> int:
    """Show what apply would change, without changing anything."""
    from ptsync.session import Run
    from ptsync.store import planfile

    options = dataclasses.replace(
        _options(
            prune,
            force,
            (max_delete_fraction, max_update_fraction, safety_min_existing),
            parallelism,
            no_cache,
            insecure_http,
            rate_limit,
            media_root,
        ),
        timeout=timeout,
    )
    with Run(paths, options) as run:
        planned = run.plan()
        out(render(planned, format))
        run.check_safety(planned)  # after the plan is shown: the reviewer sees what is refused
        if out_file is not None:
            groups = [planfile.SavedGroup(g.desired.digest, g.plan) for g in planned]
            planfile.save(out_file, run.paths, groups)
            info(f"Saved the plan to {out_file}; apply it with: ptsync apply {out_file}")
    return _plan_exit(planned, detailed_exitcode)


def _plan_exit(planned: "Sequence[PlannedGroup]", detailed: bool) -> int:
    if not detailed:
        return EXIT_OK
    changed = any(g.plan.has_changes for g in planned)
    attention = [n for g in planned for n in g.plan.needs_attention]
    if attention and not changed:
        kinds = sorted({n.kind.value for n in attention})
        verb = "needs" if len(attention) == 1 else "need"
        info(f"Exit 2: {plural(len(attention), 'notice')} {verb} a person ({', '.join(kinds)})")
    return EXIT_CHANGES if changed or attention else EXIT_OK


# ---------------------------------------------------------------------------------- apply


@app.command()
def apply(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Manifest files/folders (default manifests/), or a saved plan file."),
    ] = None,
    auto_approve: AutoApprove = False,
    report: Annotated[Path | None, typer.Option(help="Write per-item results as JSON.")] = None,
    prune: Prune = False,
    force: Force = False,
    max_delete_fraction: MaxDelete = DEFAULT_MAX_FRACTION,
    max_update_fraction: MaxUpdate = DEFAULT_MAX_FRACTION,
    safety_min_existing: SafetyMin = DEFAULT_MIN_EXISTING,
    parallelism: Parallelism = 4,
    no_cache: NoCache = False,
    insecure_http: InsecureHttp = False,
    rate_limit: RateLimit = None,
    wait: Annotated[
        bool | None,
        typer.Option(
            "--wait/--no-wait", help="Follow imports to the end (default: on a terminal)."
        ),
    ] = None,
    wait_timeout: Annotated[
        float, typer.Option(min=0.0, help="Give up following after seconds.")
    ] = 3600,
    notify: Annotated[
        str | None, typer.Option(help="POST a JSON summary here when done (overrides notify:).")
    ] = None,
    chunk_size: Annotated[int, typer.Option(min=1, help="Upload chunk size in MiB.")] = 8,
    timeout: Timeout = 60.0,
    media_root: MediaRoots = None,
) -> int:
    """Make the instance match the manifests (or carry out a saved plan)."""
    from ptsync.session import Run
    from ptsync.store import planfile

    options = dataclasses.replace(
        _options(
            prune,
            force,
            (max_delete_fraction, max_update_fraction, safety_min_existing),
            parallelism,
            no_cache,
            insecure_http,
            rate_limit,
            media_root,
        ),
        wait=sys.stderr.isatty() if wait is None else wait,
        wait_timeout=wait_timeout,
        notify_url=notify,
        chunk_size=chunk_size * 2**20,
        timeout=timeout,
    )
    saved_path = Path(paths[0]) if paths and len(paths) == 1 else None
    with Interrupts() as interrupts:
        if saved_path is not None and planfile.is_plan_file(saved_path):
            saved = planfile.load(saved_path)
            with Run(list(saved.manifests), options) as run:
                try:
                    reports = applying(run, interrupts, lambda h: run.apply_saved(saved, h))
                except StalePlan:
                    if not _already_applied(run, saved):
                        raise
                    info(
                        f"{saved_path} was already applied: the instance matches the manifests "
                        "it was made from. Nothing to do."
                    )
                    return EXIT_OK
                return finish(reports, report, run.stop, interrupts, run.notify_problems)
        with Run(paths, options) as run:
            planned = run.plan()
            out(render(planned))
            if not any(g.plan.has_changes for g in planned):
                return EXIT_OK
            run.check_safety(planned)
            confirm(auto_approve)
            reports = applying(run, interrupts, lambda h: run.apply(planned, h))
            return finish(reports, report, run.stop, interrupts, run.notify_problems)


def applying(
    run: "Run", interrupts: Interrupts, work: "Callable[[Hooks], list[ApplyReport]]"
) -> "list[ApplyReport]":
    """Run ``work`` with progress on stderr, a signal winding it down instead of ending it.
    The progress display starts here, after any prompt: it takes the terminal over."""
    from ptsync.cli.progress import ProgressUI
    from ptsync.session import Hooks

    interrupts.stopping(run.stop)
    with ProgressUI() as ui:
        return work(Hooks(print_result, ui.upload, ui.imports))  # webhook failures: finish


def _already_applied(run: "Run", saved: "SavedPlan") -> bool:
    """A stale saved plan whose manifests are unchanged and already converged was applied."""
    fresh = {(g.plan.instance_url, g.plan.system): g for g in run.plan()}
    for group in saved.groups:
        now = fresh.get((group.plan.instance_url, group.plan.system))
        if now is None or now.desired.digest != group.digest or now.plan.has_changes:
            return False
    return True


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
    if interrupted and stop is not None:
        _interrupted_lines(stop)
    if report_path is not None:
        import json

        report_path.write_text(json.dumps(report_document(reports, stop), indent=2) + "\n")
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


# ---------------------------------------------------------------------------------- adopt


@app.command()
def adopt(
    paths: Paths = None,
    auto_approve: AutoApprove = False,
    write_uuids: Annotated[
        bool,
        typer.Option(
            "--write-uuids/--no-write-uuids",
            help="Pin adopted videos by writing their uuids into the manifest files.",
        ),
    ] = True,
    parallelism: Parallelism = 4,
    insecure_http: InsecureHttp = False,
    rate_limit: RateLimit = None,
    media_root: MediaRoots = None,
) -> int:
    """Take over existing videos: write ptsync markers and pin uuids; never creates."""
    from ptsync.cli.adopt import run_adopt

    options = dataclasses.replace(
        _options(
            parallelism=parallelism,
            insecure_http=insecure_http,
            rate_limit=rate_limit,
            media_roots=media_root,
        ),
        adopt=True,
    )
    return run_adopt(paths, options, auto_approve=auto_approve, write_uuids=write_uuids)


# ---------------------------------------------------------------------------------- export


@app.command()
def export(
    channel: Annotated[
        str | None, typer.Option(help="Channel name (handle); default: all your videos.")
    ] = None,
    system: Annotated[str, typer.Option(help="External-id namespace of the manifest.")] = "main",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
    parallelism: Parallelism = 4,
    insecure_http: InsecureHttp = False,
    rate_limit: RateLimit = None,
) -> int:
    """Write a manifest for existing videos (pinned by uuid) that plans "No changes"."""
    from ptsync.cli.progress import ProgressUI
    from ptsync.export import export_manifest

    options = _options(parallelism=parallelism, insecure_http=insecure_http, rate_limit=rate_limit)
    with ProgressUI() as ui:
        text, exported = export_manifest(
            options,
            channel=channel,
            system=system,
            on_progress=lambda done, total: ui.items("videos", done, total),
        )
    if output is None:
        out(text.rstrip("\n"))
        return EXIT_OK
    output.write_text(text, encoding="utf-8")
    info(f"Wrote {plural(exported, 'video')} to {output}; check it with: ptsync plan {output}")
    schema_file = output.parent / "ptsync.schema.json"
    if not schema_file.exists():
        info(
            f"For completion in editors, write the schema it names: ptsync schema -o {schema_file}"
        )
    return EXIT_OK


# ---------------------------------------------------------------------------------- status


@app.command()
def status(
    paths: Paths = None,
    format: Annotated[
        StatusFormat, typer.Option("--format", "-f", help="Output format.")
    ] = StatusFormat.text,
    rate_limit: RateLimit = None,
    insecure_http: InsecureHttp = False,
    media_root: MediaRoots = None,
) -> int:
    """Import and processing state of the manifest's videos; exit 1 when any failed."""
    import json

    from ptsync.render.status_table import render_status
    from ptsync.report.status import status_document
    from ptsync.session import Run

    options = _options(insecure_http=insecure_http, rate_limit=rate_limit, media_roots=media_root)
    with Run(paths, options) as run:
        doc = status_document(run.status())
    out(json.dumps(doc, indent=2) if format is StatusFormat.json else render_status(doc))
    return EXIT_ERROR if doc["failed"] else EXIT_OK


# ---------------------------------------------------------------------------------- offline


@app.command()
def validate(paths: Paths = None, media_root: MediaRoots = None) -> int:
    """Check manifests offline: structure, PeerTube's limits, ids, files."""
    from ptsync.manifest import load

    mset = load(paths or DEFAULT_PATHS, media_roots=tuple(media_root or ()))
    videos = sum(len(g.videos) for g in mset.groups)
    info(
        f"OK: {plural(len(mset.files), 'file')}, {plural(videos, 'video')} in "
        f"{plural(len(mset.groups), 'group')}"
    )
    return EXIT_OK


@app.command()
def schema(
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the schema to this file (e.g. for editors)."),
    ] = None,
) -> int:
    """Print (or write) the manifest's JSON Schema, for editors and CI."""
    import json

    from ptsync.manifest import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False)
    if output is None:
        out(text)
        return EXIT_OK
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text + "\n", encoding="utf-8")
    info(f"Wrote the manifest schema to {output}")
    return EXIT_OK


@app.command()
def demo(
    manifest: Annotated[
        Path | None,
        typer.Argument(help="Manifest to demo (default: the bundled example)."),
    ] = None,
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            help="Also copy the example (manifest, media, schema) into this folder, to edit.",
        ),
    ] = None,
) -> int:
    """Plan, apply and re-plan a manifest against a bundled fake PeerTube."""
    from ptsync.cli.demo import run_demo

    return run_demo(manifest, keep=keep)


@app.command()
def forget(
    ids: Annotated[list[str], typer.Argument(help="External ids of the videos to let go.")],
    manifest: Annotated[
        list[str] | None,
        typer.Option("--manifest", "-m", help="Manifest files or folders (default: manifests/)."),
    ] = None,
    media_root: MediaRoots = None,
) -> int:
    """Stop managing videos: set `lifecycle: unmanaged` on their manifest entries; the next
    apply removes their markers and changes nothing else."""
    from ptsync.manifest.writeback import forget as mark_forgotten

    roots = tuple(str(p) for p in media_root or ())
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
    where = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
    err(f"Error: {' '.join(message.split())}{where}")
